/**
 * The SIP transport layer (RFC 3261 §18): one UDP socket and one TCP listener on the same address and
 * port, outgoing TCP connections reused per peer, incoming connections reused for requests back.
 * Every received byte goes through `parseMessage`; nothing a peer sends can throw out of here.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { SipLogger } from '../logger';
import { type ParseFailure, parseMessage, type SipMessage } from '../message';
import { formatAddress, isIpAddress, stampedVia, type TransportAddress, type TransportName } from './address';
import { StreamFramer } from './framer';

export interface TransportOptions {
  readonly host: string;
  /** 0 = ephemeral (the same port is used for UDP and TCP). */
  readonly port: number;
  /** Which transports listen; the first is the default for outgoing requests. */
  readonly transports: readonly TransportName[];
  readonly maxMessageSize: number;
  /** Idle TCP connections are closed after this long. */
  readonly tcpIdleMs?: number;
  /** Requests larger than this are dropped (responses are bounded by maxMessageSize). */
  readonly maxRequestBytes?: number;
  /** Accepted TCP connections in total / per source IP; more are closed at once. */
  readonly maxTcpConnections?: number;
  readonly maxTcpPerSource?: number;
  /** An accepted TCP connection must deliver a valid message within this time, else it is closed. */
  readonly tcpFirstMessageMs?: number;
  /**
   * Looks at raw bytes before anything is parsed: true = drop silently (known scanners; a TCP
   * connection that sent one is closed).
   */
  readonly screen?: (data: Buffer, source: TransportAddress) => boolean;
}

/** What became of one received message. */
type Received = 'valid' | 'invalid' | 'dropped';

export interface TransportEvents {
  /** A valid message arrived. Requests have their top Via stamped with received/rport already. */
  message: [SipMessage, TransportAddress, Buffer];
  /** A message failed to parse (answered with 400 where possible, else dropped). */
  invalid: [ParseFailure, TransportAddress, Buffer];
  /** A message was written to the wire. */
  sent: [SipMessage | undefined, TransportAddress, Buffer];
}

export interface TransportStats {
  received: number;
  sent: number;
  /** Invalid messages that could not be answered. */
  dropped: number;
  /** Invalid requests answered with 400/505. */
  rejected: number;
  oversize: number;
  /** Dropped by the screen (scanners), before parsing. */
  screened: number;
  /** Accepted TCP connections closed at once: over the global or per-source cap. */
  tcpRefused: number;
  /** Accepted TCP connections closed for sending no valid message in time. */
  tcpFirstMessageTimeouts: number;
  /** Accepted TCP connections open now. */
  tcpOpen: number;
}

export class SipTransport extends EventEmitter<TransportEvents> {
  private udp: UdpSocket | undefined;
  private tcpServer: Server | undefined;
  private readonly connections = new Map<string, Socket>();
  private boundPort = 0;
  /** Accepted (inbound) TCP connections per source IP, for the caps. */
  private readonly inbound = new Map<string, number>();
  readonly stats: TransportStats = {
    received: 0,
    sent: 0,
    dropped: 0,
    rejected: 0,
    oversize: 0,
    screened: 0,
    tcpRefused: 0,
    tcpFirstMessageTimeouts: 0,
    tcpOpen: 0,
  };

  constructor(
    private readonly options: TransportOptions,
    private readonly logger: SipLogger,
  ) {
    super();
  }

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.options.host;
  }

  get defaultTransport(): TransportName {
    return this.options.transports[0] ?? 'udp';
  }

  supports(t: TransportName): boolean {
    return this.options.transports.includes(t);
  }

  async start(): Promise<void> {
    // With port 0 the OS picks the UDP port; TCP must then get the same one. Retry if it is taken.
    for (let attempt = 0; attempt < 10; attempt++) {
      const port = this.options.port;
      try {
        if (this.supports('udp')) {
          this.boundPort = await this.bindUdp(port);
          if (this.supports('tcp')) await this.listenTcp(this.boundPort);
        } else {
          this.boundPort = await this.listenTcp(port);
        }
        return;
      } catch (err) {
        await this.stop();
        if (port !== 0 || attempt === 9) throw err;
      }
    }
  }

  async stop(): Promise<void> {
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    const udp = this.udp;
    this.udp = undefined;
    const tcp = this.tcpServer;
    this.tcpServer = undefined;
    await Promise.all([
      udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }

  private bindUdp(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: this.options.host.includes(':') ? 'udp6' : 'udp4' });
      sock.once('error', reject);
      sock.on('message', (data, rinfo) => {
        this.receive(data, { transport: 'udp', host: rinfo.address, port: rinfo.port }, false);
      });
      sock.bind(port, this.options.host, () => {
        sock.removeListener('error', reject);
        sock.on('error', (err) => this.logger.warn({ err: err.message }, 'sip udp socket error'));
        this.udp = sock;
        resolve(sock.address().port);
      });
    });
  }

  private listenTcp(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((sock) => this.accept(sock));
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.removeListener('error', reject);
        server.on('error', (err) => this.logger.warn({ err: err.message }, 'sip tcp server error'));
        this.tcpServer = server;
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  /** An inbound connection: within the caps it is adopted, else closed at once (counted). */
  private accept(sock: Socket): void {
    const ip = sock.remoteAddress ?? '';
    const fromIp = this.inbound.get(ip) ?? 0;
    if (
      this.stats.tcpOpen >= (this.options.maxTcpConnections ?? Number.POSITIVE_INFINITY) ||
      fromIp >= (this.options.maxTcpPerSource ?? Number.POSITIVE_INFINITY)
    ) {
      this.stats.tcpRefused++;
      sock.on('error', () => {});
      // resetAndDestroy (RST) frees the descriptor without a TIME_WAIT on our side.
      sock.resetAndDestroy();
      return;
    }
    this.inbound.set(ip, fromIp + 1);
    this.stats.tcpOpen++;
    sock.once('close', () => {
      this.stats.tcpOpen--;
      const n = (this.inbound.get(ip) ?? 1) - 1;
      if (n <= 0) this.inbound.delete(ip);
      else this.inbound.set(ip, n);
    });
    this.adopt(sock, true);
  }

  /**
   * Register a TCP connection (accepted or dialled) and read messages from it. An accepted one gets
   * the short first-message deadline until it has sent one valid message, then the idle timeout.
   */
  private adopt(sock: Socket, inbound = false): string {
    const key = `${sock.remoteAddress}:${sock.remotePort}`;
    this.connections.set(key, sock);
    const framer = new StreamFramer(this.options.maxMessageSize);
    const source: TransportAddress = { transport: 'tcp', host: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    const idleMs = this.options.tcpIdleMs ?? 300_000;
    let proven = !inbound;
    sock.setNoDelay(true);
    sock.setTimeout(proven ? idleMs : (this.options.tcpFirstMessageMs ?? idleMs), () => {
      if (!proven) this.stats.tcpFirstMessageTimeouts++;
      sock.destroy();
    });
    sock.on('data', (chunk) => {
      const { messages, error } = framer.push(chunk);
      for (const m of messages) {
        const r = this.receive(m, source, true);
        if (r === 'valid' && !proven) {
          proven = true;
          sock.setTimeout(idleMs);
        }
        if (r === 'dropped' && !proven) {
          // A scanner or an oversize request as the first word: nothing good comes on this connection.
          sock.destroy();
          return;
        }
      }
      if (error) {
        this.stats.oversize++;
        this.logger.warn({ peer: formatAddress(source), error }, 'closing sip tcp connection');
        sock.destroy();
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      if (this.connections.get(key) === sock) this.connections.delete(key);
    });
    return key;
  }

  /** Entry point for every datagram / framed stream message. Never throws. */
  private receive(data: Buffer, source: TransportAddress, stream: boolean): Received {
    try {
      if (data.length > this.options.maxMessageSize || this.oversizeRequest(data)) {
        this.stats.oversize++;
        this.stats.dropped++;
        return 'dropped';
      }
      // Keep-alive pings (CRLF CRLF) carry no message.
      if (data.length <= 4 && data.every((b) => b === 0x0d || b === 0x0a)) return 'invalid';
      // Before parsing: a scanner gets no answer, not even a 400 for its malformed REGISTER.
      if (this.options.screen?.(data, source)) {
        this.stats.screened++;
        return 'dropped';
      }
      this.stats.received++;
      const result = parseMessage(data, { stream });
      if (!result.ok) {
        this.rejectInvalid(result, source);
        this.emit('invalid', result, source, data);
        return 'invalid';
      }
      const msg = result.message;
      if (msg.kind === 'request') {
        const stamped = stampedVia(msg.via, source);
        if (stamped) msg.replaceTopVia(stamped);
      }
      this.emit('message', msg, source, data);
      return 'valid';
    } catch (err) {
      this.stats.dropped++;
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'sip receive failed');
      return 'dropped';
    }
  }

  /** A request (anything not starting with "SIP/2.0 ") over maxRequestBytes. */
  private oversizeRequest(data: Buffer): boolean {
    const max = this.options.maxRequestBytes;
    if (max === undefined || data.length <= max) return false;
    return data.toString('latin1', 0, 8) !== 'SIP/2.0 ';
  }

  /** 400/505 for an invalid request we can answer (RFC 4475); anything else is dropped and counted. */
  private rejectInvalid(failure: ParseFailure, source: TransportAddress): void {
    const req = failure.request;
    const has = (n: string) => req?.headers.some((h) => h.name === n) ?? false;
    if (!req || req.method === 'ACK' || !has('via') || !has('cseq')) {
      this.stats.dropped++;
      return;
    }
    this.stats.rejected++;
    let out = `SIP/2.0 ${failure.status} ${failure.reason.replace(/[\r\n]/g, ' ')}\r\n`;
    for (const h of req.headers) {
      if (h.name === 'via' || h.name === 'from' || h.name === 'to' || h.name === 'call-id' || h.name === 'cseq') {
        out += `${h.wireName}: ${h.value}\r\n`;
      }
    }
    out += 'Content-Length: 0\r\n\r\n';
    // Answer where it came from: the Via may be the very thing that is broken.
    void this.sendRaw(Buffer.from(out), source, undefined).catch(() => {});
  }

  /** Send a serialized message. Resolves host names with the OS resolver. */
  async send(data: Buffer, dest: TransportAddress, message?: SipMessage): Promise<void> {
    await this.sendRaw(data, dest, message);
  }

  private async sendRaw(data: Buffer, dest: TransportAddress, message: SipMessage | undefined): Promise<void> {
    const host = isIpAddress(dest.host) ? dest.host : (await lookup(dest.host, { family: 4 })).address;
    const target = { ...dest, host };
    if (dest.transport === 'udp') {
      const udp = this.udp;
      if (!udp) throw new Error('UDP transport not started');
      await new Promise<void>((resolve, reject) => {
        udp.send(data, target.port, target.host, (err) => (err ? reject(err) : resolve()));
      });
    } else {
      const sock = await this.connection(target.host, target.port);
      await new Promise<void>((resolve, reject) => {
        sock.write(data, (err) => (err ? reject(err) : resolve()));
      });
    }
    this.stats.sent++;
    this.emit('sent', message, target, data);
  }

  private async connection(host: string, port: number): Promise<Socket> {
    const key = `${host}:${port}`;
    const existing = this.connections.get(key);
    if (existing && !existing.destroyed) return existing;
    if (!this.tcpServer && !this.supports('tcp')) throw new Error('TCP transport not enabled');
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection({ host, port, localAddress: this.options.host });
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
    this.adopt(sock);
    this.connections.set(key, sock);
    return sock;
  }
}
