/**
 * RTP port allocation from the configured range. Even ports only (RFC 3550 §11: RTP on even, RTCP on
 * the odd one above). Each call's port is drawn at random (node:crypto, not Math.random, whose state
 * can be recovered from a few outputs) so nobody on the network can guess the next call's port from
 * the last one (issue 13: sequential ports made "last + 2" a good guess). A port another process
 * holds is skipped; the last few released ports are kept out of the draw while others are free, so
 * late packets of an ended call do not land in a new one.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export class PortExhausted extends Error {
  override readonly name = 'PortExhausted';
}

/** Random draws before falling back to picking among the free ports (a nearly full range). */
const RANDOM_DRAWS = 16;

/**
 * Claims one port: resolves to what holds it, or undefined when the port is taken. The default binds
 * a UDP socket here; with media worker threads the worker binds it (sockets cannot move between
 * threads) and the holder is the main thread's handle on that worker's session.
 */
export type PortBinder<T> = (address: string, port: number) => Promise<T | undefined>;

export class RtpPortAllocator<T = Socket> {
  private readonly inUse = new Set<number>();
  /** Recently released ports, oldest first. */
  private readonly resting: number[] = [];
  private readonly restingLimit: number;
  private readonly first: number;
  private readonly count: number;

  private readonly binder: PortBinder<T>;

  constructor(
    private readonly address: string,
    range: PortRange,
    binder?: PortBinder<T>,
  ) {
    this.binder = binder ?? (bindRtpSocket as unknown as PortBinder<T>);
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max > 65535) {
      throw new RangeError(`bad RTP port range ${range.min}-${range.max}`);
    }
    this.first = range.min % 2 === 0 ? range.min : range.min + 1;
    // Every even port whose RTCP port (+1) is inside the range too.
    this.count = Math.floor((range.max - 1 - this.first) / 2) + 1;
    if (this.count < 1) {
      throw new RangeError(`RTP port range ${range.min}-${range.max} holds no even port with its RTCP port`);
    }
    this.restingLimit = Math.min(64, Math.floor(this.count / 4));
  }

  get active(): number {
    return this.inUse.size;
  }

  /** Bind a UDP socket on a free even port of the range, drawn at random. */
  async allocate(): Promise<{ socket: T; port: number }> {
    const failed = new Set<number>();
    const usable = (port: number, resting: boolean) =>
      !this.inUse.has(port) && !failed.has(port) && (resting || !this.resting.includes(port));
    for (let draw = 0; draw < RANDOM_DRAWS; draw++) {
      const port = this.first + 2 * randomInt(this.count);
      if (!usable(port, false)) continue;
      const got = await this.take(port);
      if (got) return got;
      failed.add(port);
    }
    // Few free ports left (or many held by other processes): draw among all that remain, resting last.
    for (const resting of [false, true]) {
      const free: number[] = [];
      for (let i = 0; i < this.count; i++) if (usable(this.first + 2 * i, resting)) free.push(this.first + 2 * i);
      while (free.length > 0) {
        const at = randomInt(free.length);
        const port = free[at]!;
        free[at] = free[free.length - 1]!;
        free.pop();
        const got = await this.take(port);
        if (got) return got;
        failed.add(port);
      }
    }
    throw new PortExhausted(`no free RTP port in ${this.first}-${this.first + 2 * (this.count - 1)}`);
  }

  release(port: number): void {
    if (!this.inUse.delete(port) || this.restingLimit === 0) return;
    this.resting.push(port);
    if (this.resting.length > this.restingLimit) this.resting.shift();
  }

  private async take(port: number): Promise<{ socket: T; port: number } | undefined> {
    this.inUse.add(port);
    const socket = await this.binder(this.address, port);
    if (socket) return { socket, port };
    this.inUse.delete(port);
    return undefined;
  }
}

/** Bind a UDP socket for RTP on `address:port`; undefined if the port is taken. */
export function bindRtpSocket(address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    // IPv6 media when media.address is an IPv6 address (the SDP then says IN IP6).
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: literalLookup });
    const onError = () => {
      socket.close();
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * dgram resolves every destination through `lookup`, and the default defers even an IP literal to
 * the next tick. RTP destinations are always literals (from SDP), so answering synchronously lets
 * `send` hand the datagram to the kernel at once (uv_udp_try_send) — cheaper, and the packet
 * buffer is free again when `send` returns.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}
