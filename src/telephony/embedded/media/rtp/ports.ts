/**
 * RTP port allocation from the configured range. Even ports only (RFC 3550 §11: RTP on even, RTCP on
 * the odd one above). A port another process holds is skipped; the cursor rotates so a just-freed
 * port is not reused at once (late packets of the old call would land in the new one).
 */
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

export class RtpPortAllocator {
  private readonly inUse = new Set<number>();
  private cursor: number;
  private readonly first: number;
  private readonly count: number;

  constructor(
    private readonly address: string,
    range: PortRange,
  ) {
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max > 65535) {
      throw new RangeError(`bad RTP port range ${range.min}-${range.max}`);
    }
    this.first = range.min % 2 === 0 ? range.min : range.min + 1;
    this.count = Math.floor((range.max - this.first) / 2) + 1;
    if (this.count < 1) throw new RangeError(`RTP port range ${range.min}-${range.max} holds no even port`);
    this.cursor = Math.floor(Math.random() * this.count);
  }

  get active(): number {
    return this.inUse.size;
  }

  /** Bind a UDP socket on the next free even port of the range. */
  async allocate(): Promise<{ socket: Socket; port: number }> {
    for (let tries = 0; tries < this.count; tries++) {
      const port = this.first + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.count;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const socket = await bind(this.address, port);
      if (socket) return { socket, port };
      this.inUse.delete(port);
    }
    throw new PortExhausted(`no free RTP port in ${this.first}-${this.first + 2 * (this.count - 1)}`);
  }

  release(port: number): void {
    this.inUse.delete(port);
  }
}

function bind(address: string, port: number): Promise<Socket | undefined> {
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
