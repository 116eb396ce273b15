/**
 * The UA core's plumbing: transport + transaction layer, the traced sender, and the handling of
 * requests outside any dialog (RFC 3261 §8.2: 405/501/416/420/415, OPTIONS, refusing INVITE).
 * Dialog-level work is delegated to the `DialogHost` (the user agent).
 */

import { DEFAULT_SIP_LIMITS, type SipLimits } from '../limits';
import type { SipLogger } from '../logger';
import { createResponse, type SipMessage, type SipRequest, type SipResponse, type SipUri, serialize } from '../message';
import {
  type ClientTransaction,
  type ClientTransactionUser,
  InviteServerTransaction,
  type ServerTransaction,
  type TimerConfig,
  TransactionLayer,
} from '../transaction';
import { SipTransport, type TransportAddress, type TransportName, uriTargetAddress } from '../transport';
import { newBranch, newTag } from './ids';
import { isScannerMessage, RateLimiter } from './rate-limit';
import { TraceRouter } from './trace';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
const KNOWN_METHODS = new Set([
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
  'INFO',
  'UPDATE',
]);
const SUPPORTED_TAGS = new Set(['timer']);

export interface DialogHost {
  /** An in-dialog request (To tag present). Return false when no dialog matches (→ 481). */
  onDialogRequest(request: SipRequest, tx: ServerTransaction | undefined): boolean;
  /** A response no transaction wanted (2xx retransmissions, forked 2xx). */
  onStrayResponse(response: SipResponse): void;
  /**
   * A new INVITE that passed the §8.2 checks. Without this fyrkant refuses it (403: it only places
   * calls); the fake office phone (`fyrkant fake-phone`) answers it.
   */
  onInvite?(request: SipRequest, tx: ServerTransaction): void;
}

export interface CoreConfig {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly contactHost: string;
  readonly transport: TransportName;
  readonly timers: TimerConfig;
  /** User-Agent / Server header value; undefined = no such header (nothing to fingerprint). */
  readonly userAgent: string | undefined;
  readonly maxMessageSize: number;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number; readonly now?: () => number };
  /** Resource limits; DEFAULT_SIP_LIMITS when absent. */
  readonly limits?: SipLimits;
}

export class SipCore {
  readonly transport: SipTransport;
  readonly transactions: TransactionLayer;
  readonly trace = new TraceRouter();
  readonly limiter: RateLimiter;
  /** In-dialog requests get their own buckets at the same rate: a flood inside a dialog is cut too. */
  readonly dialogLimiter: RateLimiter;
  host: DialogHost | undefined;
  /** Counters for health/metrics and tests. */
  readonly counters = {
    scannerDropped: 0,
    rateLimited: 0,
    inDialogRateLimited: 0,
    unsolicitedInvites: 0,
    transactionTableFull: 0,
    /** Answered 503 because this node is draining (issue 19): dispatcher probes, new calls. */
    drainingRefusedOptions: 0,
    drainingRefusedInvites: 0,
  };
  /**
   * Set while the node drains: the `Retry-After` (seconds) of the 503 that out-of-dialog OPTIONS and
   * new INVITEs get. Undefined while accepting.
   */
  drainingRetryAfter: number | undefined;

  constructor(
    readonly config: CoreConfig,
    readonly logger: SipLogger,
  ) {
    const limits = config.limits ?? DEFAULT_SIP_LIMITS;
    this.transport = new SipTransport(
      {
        host: config.listenHost,
        port: config.listenPort,
        transports: config.transport === 'tcp' ? ['tcp', 'udp'] : ['udp', 'tcp'],
        maxMessageSize: config.maxMessageSize,
        maxRequestBytes: limits.maxRequestBytes,
        maxTcpConnections: limits.maxTcpConnections,
        maxTcpPerSource: limits.maxTcpPerSource,
        tcpFirstMessageMs: limits.tcpFirstMessageMs,
        tcpIdleMs: limits.tcpIdleMs,
        screen: (data) => {
          if (!isScannerMessage(data)) return false;
          this.counters.scannerDropped++;
          return true;
        },
      },
      logger,
    );
    const { perSecond, burst, now } = config.rateLimit;
    this.limiter = new RateLimiter(perSecond, burst, now);
    this.dialogLimiter = new RateLimiter(perSecond, burst, now);
    this.transactions = new TransactionLayer(
      (m, d) => this.send(m, d),
      config.timers,
      {
        onRequest: (req, tx) => this.onRequest(req, tx),
        onStrayResponse: (res) => this.host?.onStrayResponse(res),
        onTableFull: () => this.counters.transactionTableFull++,
      },
      limits.maxServerTransactions,
    );
    this.transport.on('message', (msg, source, raw) => {
      this.trace.trace('in', msg, source, raw);
      if (msg.kind === 'response') this.transactions.receiveResponse(msg, source);
      else if (this.admit(msg, source)) this.transactions.receiveRequest(msg, source);
    });
    this.transport.on('invalid', (failure, source) => {
      this.logger.debug({ peer: `${source.host}:${source.port}`, reason: failure.reason }, 'invalid sip message');
    });
  }

  async start(): Promise<void> {
    await this.transport.start();
  }

  async stop(): Promise<void> {
    this.transactions.stop();
    await this.transport.stop();
  }

  get port(): number {
    return this.transport.port;
  }

  /** Serialize, write and trace. */
  async send(msg: SipMessage, dest: TransportAddress): Promise<void> {
    const data = serialize(msg);
    await this.transport.send(data, dest, msg);
    this.trace.trace('out', msg, dest, data);
  }

  /** Our Via for a new request over `transport`, with a fresh branch and rport (RFC 3581). */
  via(transport: TransportName): string {
    return `SIP/2.0/${transport.toUpperCase()} ${this.config.contactHost}:${this.port};branch=${newBranch()};rport`;
  }

  /** Our Contact URI (with the user part of our identity). */
  contactUri(user: string | undefined, transport: TransportName): string {
    const u = user ? `${user}@` : '';
    const t = transport === 'udp' ? '' : `;transport=${transport}`;
    return `sip:${u}${this.config.contactHost}:${this.port}${t}`;
  }

  /** Where a request to `uri` goes, and over which transport (URI transport param, else our default). */
  destination(uri: SipUri): TransportAddress {
    return uriTargetAddress(uri, this.config.transport);
  }

  /**
   * Send a request in a new client transaction. Sets Via (fresh branch) and the common headers;
   * requests over 1300 bytes that would go over UDP go over TCP (RFC 3261 §18.1.1).
   */
  request(req: SipRequest, dest: TransportAddress, user: ClientTransactionUser): ClientTransaction {
    let target = dest;
    this.stampCommon(req, target.transport);
    if (target.transport === 'udp' && serialize(req).length > 1300 && this.transport.supports('tcp')) {
      target = { ...dest, transport: 'tcp' };
      req.set('via', this.via('tcp'));
    }
    return this.transactions.request(req, target, user);
  }

  /** ACK for a 2xx is sent outside any transaction (RFC 3261 §13.2.2.4). */
  sendAck(ack: SipRequest, dest: TransportAddress): Promise<void> {
    // Stamped once: a re-sent ACK (2xx retransmitted) is the same ACK, branch included.
    if (!ack.has('via')) this.stampCommon(ack, dest.transport);
    return this.send(ack, dest).catch((err: Error) => {
      this.logger.warn({ err: err.message }, 'sending ACK failed');
    });
  }

  private stampCommon(req: SipRequest, transport: TransportName): void {
    req.set('via', this.via(transport));
    if (!req.has('max-forwards')) req.add('Max-Forwards', '70');
    if (this.config.userAgent !== undefined && !req.has('user-agent')) req.add('User-Agent', this.config.userAgent);
  }

  respond(tx: ServerTransaction, status: number, extra?: (res: SipResponse) => void, toTag?: string): void {
    const res = createResponse(tx.request, status, undefined, status > 100 ? (toTag ?? newTag()) : undefined);
    if (this.config.userAgent !== undefined) res.add('Server', this.config.userAgent);
    extra?.(res);
    tx.respond(res);
  }

  /**
   * Per-source rate limit, before a transaction is made (so a flood cannot fill the table): out of
   * dialog and inside dialogs (To tag) in separate buckets at the same rate. ACKs carry no transaction
   * and get no answer, so they pass. Scanners were already screened out by the transport.
   */
  private admit(req: SipRequest, source: TransportAddress): boolean {
    if (req.method === 'ACK') return true;
    if (req.toTag === undefined) {
      if (this.limiter.allow(source.host)) return true;
      this.counters.rateLimited++;
      return false;
    }
    if (this.dialogLimiter.allow(source.host)) return true;
    this.counters.inDialogRateLimited++;
    return false;
  }

  /** Requests that reached us without matching a transaction. */
  private onRequest(req: SipRequest, tx: ServerTransaction | undefined): void {
    const inDialog = req.toTag !== undefined;
    if (req.method === 'ACK') {
      if (inDialog) this.host?.onDialogRequest(req, undefined);
      return;
    }
    if (!tx) return;
    if (req.method === 'CANCEL') {
      const inv = this.transactions.inviteFor(req);
      if (!inv || inv.finalSent) {
        this.respond(tx, 481);
        return;
      }
      this.respond(tx, 200);
      this.respond(inv, 487);
      return;
    }
    if (inDialog) {
      if (!this.host?.onDialogRequest(req, tx)) this.refuse(tx, 481);
      return;
    }
    this.outOfDialog(req, tx);
  }

  /** RFC 3261 §8.2 checks in order: method, URI scheme, extensions, content; then our policy. */
  private outOfDialog(req: SipRequest, tx: ServerTransaction): void {
    const m = req.method;
    if (m !== 'INVITE' && m !== 'OPTIONS' && m !== 'BYE') {
      this.refuse(tx, KNOWN_METHODS.has(m) ? 405 : 501, (r) => r.add('Allow', ALLOW));
      return;
    }
    const uri = req.requestUri();
    if (!uri || uri.kind === 'other') {
      this.refuse(tx, 416);
      return;
    }
    const unsupported = req.tags('require').filter((t) => !SUPPORTED_TAGS.has(t));
    if (unsupported.length > 0) {
      this.refuse(tx, 420, (r) => r.add('Unsupported', unsupported.join(', ')));
      return;
    }
    if (m === 'OPTIONS') {
      if (this.drainingRetryAfter !== undefined) {
        this.counters.drainingRefusedOptions++;
        this.refuseDraining(tx, this.drainingRetryAfter);
        return;
      }
      this.respond(tx, 200, (r) => {
        r.add('Allow', ALLOW);
        r.add('Accept', 'application/sdp');
        r.add('Supported', 'timer');
      });
      return;
    }
    if (m === 'BYE') {
      this.refuse(tx, 481);
      return;
    }
    const ct = req.contentType;
    if (req.body.length > 0 && ct !== undefined && ct !== 'application/sdp' && !ct.startsWith('multipart/')) {
      this.refuse(tx, 415, (r) => r.add('Accept', 'application/sdp'));
      return;
    }
    if (this.drainingRetryAfter !== undefined) {
      this.counters.drainingRefusedInvites++;
      this.refuseDraining(tx, this.drainingRetryAfter);
      return;
    }
    if (this.host?.onInvite) {
      this.host.onInvite(req, tx);
      return;
    }
    // fyrkant only places calls: an INVITE from outside is refused.
    this.counters.unsolicitedInvites++;
    this.refuse(tx, 403);
  }

  /**
   * 503 + Retry-After (RFC 3261 §21.5.4, §20.33): this node is draining — a dispatcher marks it
   * inactive, a caller tries another node. Allow says what we would take otherwise.
   */
  private refuseDraining(tx: ServerTransaction, retryAfterSeconds: number): void {
    this.refuse(tx, 503, (r) => {
      r.add('Retry-After', String(retryAfterSeconds));
      r.add('Allow', ALLOW);
    });
  }

  /** A stranger's INVITE gets one final answer, never retransmitted (no reflection amplifier). */
  private refuse(tx: ServerTransaction, status: number, extra?: (res: SipResponse) => void): void {
    if (tx instanceof InviteServerTransaction) tx.quiet = true;
    this.respond(tx, status, extra);
  }
}
