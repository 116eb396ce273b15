/**
 * The RADIUS authentication server (RFC 2865 over UDP): every datagram is checked before anything
 * is believed — header, known client, Message-Authenticator (BlastRADIUS, CVE-2024-3596) — then
 * deduplicated, handed to the door, and answered. Anything wrong is dropped and counted; nothing a
 * datagram contains can throw out of `handle`.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { ClientTable, RadiusClient } from './clients';
import type { DoorResult, RadiusDoor } from './door';
import { DuplicateCache } from './duplicates';
import type { DropReason, RadiusMetrics } from './metrics';
import {
  type AccessRequest,
  CODES,
  checkMessageAuthenticator,
  decodeAccessRequest,
  encodeAnswer,
  type Header,
  type MacCheck,
  readHeader,
} from './packet';
import type { RadiusClock } from './ports';

/** One answered request, for the audit log (the door's result plus where it came from). */
export interface AnsweredRequest {
  readonly client: RadiusClient;
  readonly source: string;
  readonly request: AccessRequest;
  readonly result: DoorResult;
  readonly messageAuthenticator: boolean;
  readonly at: number;
}

export interface RadiusServerOptions {
  readonly clients: ClientTable;
  readonly door: RadiusDoor;
  readonly metrics: RadiusMetrics;
  readonly log: Logger;
  readonly clock: RadiusClock;
  readonly duplicateWindowMs: number;
  /** Requests held at once (calls in progress); more are dropped as `overload`. */
  readonly maxPending?: number;
  readonly onAnswered?: (a: AnsweredRequest) => void;
}

export type Send = (packet: Buffer) => void;

const WARN_EVERY_MS = 60_000;

interface Admitted {
  readonly client: RadiusClient;
  readonly header: Header;
  readonly packet: Buffer;
  readonly mac: MacCheck;
}
interface Refused {
  readonly drop: DropReason;
  readonly client?: RadiusClient;
  readonly detail?: string;
}
class Overload extends Error {}

export class RadiusServer {
  private readonly duplicates: DuplicateCache;
  private socket: Socket | undefined;
  private readonly lastWarned = new Map<string, number>();
  private inFlight = 0;
  private readonly idle = new Set<() => void>();

  constructor(private readonly o: RadiusServerOptions) {
    this.duplicates = new DuplicateCache(o.duplicateWindowMs, o.clock);
    for (const c of o.clients.clients)
      if (!c.requireMessageAuthenticator)
        o.log.warn(
          { client: c.name },
          'RADIUS client may send requests without Message-Authenticator (requireMessageAuthenticator: false): open to BlastRADIUS forgery; upgrade the client and turn it back on',
        );
  }

  async listen(address: string, port: number): Promise<{ address: string; port: number }> {
    const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4' });
    socket.on('message', (msg, rinfo) => this.handle(msg, rinfo, (p) => this.sendTo(p, rinfo)));
    socket.on('error', (err) => this.o.log.error({ err }, 'RADIUS socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    const a = socket.address();
    return { address: a.address, port: a.port };
  }

  /** Stops listening; requests still waiting for a call get no answer (the client retries elsewhere). */
  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Resolves once no request is being answered (tests). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  handle(datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, send: Send): void {
    try {
      this.handleUnsafe(datagram, from, send);
    } catch (err) {
      // A bug, not a bad packet (those are dropped below): still never take the process down.
      this.drop('malformed', undefined, from, err instanceof Error ? err.message : String(err));
    }
  }

  private handleUnsafe(datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, send: Send): void {
    const a = this.admit(datagram, from);
    if ('drop' in a) {
      this.drop(a.drop, a.client, from, a.detail);
      return;
    }
    const { client, header, packet, mac } = a;
    const key = DuplicateCache.key(client.name, header.identifier, header.authenticator);
    const seen = this.duplicates.see(key);
    if (seen.kind !== 'new') {
      this.o.metrics.duplicates.inc({ client: client.name });
      if (seen.kind === 'answered') send(seen.packet);
      return;
    }
    let request: AccessRequest;
    try {
      if (this.inFlight >= (this.o.maxPending ?? 1000)) throw new Overload();
      request = decodeAccessRequest(packet, client.secret);
    } catch (err) {
      this.duplicates.forget(key);
      const overload = err instanceof Overload;
      this.drop(overload ? 'overload' : 'malformed', client, from, overload ? undefined : String(err));
      return;
    }
    this.o.metrics.requests.inc({ client: client.name });
    this.begin();
    void this.o.door
      .answer(client, request)
      .then((result) => {
        if ('silent' in result) {
          // Not remembered as answered: a retransmission asks again (and is dropped again while draining).
          this.duplicates.forget(key);
          this.drop(result.silent, client, from);
          return;
        }
        const bytes = encodeAnswer(request, result.answer, client.secret);
        this.duplicates.answered(key, bytes);
        this.count(client, result);
        send(bytes);
        this.o.onAnswered?.({
          client,
          source: from.address,
          request,
          result,
          messageAuthenticator: mac === 'valid',
          at: this.o.clock.now(),
        });
      })
      .catch((err: unknown) => {
        this.duplicates.forget(key);
        this.o.log.error({ err, client: client.name }, 'RADIUS request failed; no answer sent');
      })
      .finally(() => this.end());
  }

  /** Everything checked before a datagram is believed: header, client, Message-Authenticator. */
  private admit(datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>): Admitted | Refused {
    const header = readHeader(datagram);
    if ('malformed' in header) return { drop: 'malformed', detail: header.malformed };
    const client = this.o.clients.match(from.address);
    if (!client) return { drop: 'unknown-client' };
    if (header.code !== CODES['Access-Request'])
      return { drop: 'unsupported-code', client, detail: `code ${header.code}` };
    const packet = Buffer.from(datagram.subarray(0, header.length));
    const mac = checkMessageAuthenticator(packet, client.secret);
    if (mac === 'invalid') return { drop: 'bad-authenticator', client };
    if (mac === 'absent') {
      if (client.requireMessageAuthenticator) return { drop: 'missing-message-authenticator', client };
      this.warnOnce(
        `no-mac\u0000${client.name}`,
        { client: client.name, source: from.address },
        'accepted an Access-Request without Message-Authenticator (BlastRADIUS risk)',
      );
    }
    return { client, header, packet, mac };
  }

  private count(client: RadiusClient, result: DoorResult): void {
    const labels = { client: client.name };
    if (result.answer.code === 'Access-Accept') this.o.metrics.accepts.inc(labels);
    else if (result.answer.code === 'Access-Challenge') this.o.metrics.challenges.inc(labels);
    else this.o.metrics.rejects.inc(labels);
  }

  private drop(
    reason: DropReason,
    client: RadiusClient | undefined,
    from: Pick<RemoteInfo, 'address' | 'port'>,
    detail?: string,
  ): void {
    const name = client?.name ?? 'unknown';
    this.o.metrics.drops.inc({ reason, client: name });
    const fields = { reason, client: name, source: from.address, detail };
    // A wrong secret or an unknown NAS is a set-up problem the admin must see, but at most once a minute.
    if (reason === 'malformed' || reason === 'overload') this.o.log.debug(fields, 'RADIUS datagram dropped');
    else this.warnOnce(`${reason}\u0000${name}`, fields, `RADIUS datagram dropped: ${reason}`);
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.o.clock.now();
    const last = this.lastWarned.get(key);
    if (last !== undefined && now - last < WARN_EVERY_MS) return;
    this.lastWarned.set(key, now);
    this.o.log.warn(fields, message);
  }

  private begin(): void {
    this.inFlight++;
    this.o.metrics.pending.set(this.inFlight);
  }

  private end(): void {
    this.inFlight--;
    this.o.metrics.pending.set(this.inFlight);
    if (this.inFlight > 0) return;
    for (const r of [...this.idle]) {
      this.idle.delete(r);
      r();
    }
  }

  private sendTo(packet: Buffer, to: RemoteInfo): void {
    this.socket?.send(packet, to.port, to.address, (err) => {
      if (err) this.o.log.warn({ err, to: to.address }, 'could not send a RADIUS answer');
    });
  }
}
