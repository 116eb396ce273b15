/**
 * The transaction layer: matches incoming messages to transactions (RFC 3261 §17.1.3, §17.2.3),
 * absorbs retransmissions and hands everything else to the UA core.
 */
import { BRANCH_MAGIC, type SipRequest, type SipResponse } from '../message';
import { responseDestination, type TransportAddress } from '../transport';
import { InviteClientTransaction } from './client-invite';
import { NonInviteClientTransaction } from './client-non-invite';
import { InviteServerTransaction } from './server-invite';
import { NonInviteServerTransaction } from './server-non-invite';
import type { ClientTransactionUser, MessageSender, TimerConfig } from './types';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface CoreHandler {
  /** A request that is not a retransmission; a server transaction was created (except for ACK). */
  onRequest(request: SipRequest, tx: ServerTransaction | undefined, source: TransportAddress): void;
  /** A response matching no client transaction (e.g. a retransmitted 2xx to INVITE). */
  onStrayResponse(response: SipResponse, source: TransportAddress): void;
  /** A new request was dropped because the server transaction table is full. */
  onTableFull?(request: SipRequest, source: TransportAddress): void;
}

export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();

  constructor(
    private readonly send: MessageSender,
    readonly timers: TimerConfig,
    private readonly core: CoreHandler,
    /** Server transactions held at once; new requests beyond it are dropped (retransmissions still absorbed). */
    private readonly maxServers = Number.POSITIVE_INFINITY,
  ) {}

  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /** Start a client transaction. The request must already carry its Via with a fresh branch. */
  request(request: SipRequest, dest: TransportAddress, user: ClientTransactionUser): ClientTransaction {
    const key = clientKey(request.via.branch ?? '', request.cseq.method);
    const done = () => {
      if (this.clients.get(key) === tx) this.clients.delete(key);
    };
    const tx: ClientTransaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(request, dest, this.send, this.timers, user, done)
        : new NonInviteClientTransaction(request, dest, this.send, this.timers, user, done);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  receiveResponse(response: SipResponse, source: TransportAddress): void {
    const tx = this.clients.get(clientKey(response.via.branch ?? '', response.cseq.method));
    if (tx) tx.receive(response);
    else this.core.onStrayResponse(response, source);
  }

  receiveRequest(request: SipRequest, source: TransportAddress): void {
    const dest = responseDestination(request.via, source);
    if (request.method === 'ACK') {
      const inv = this.servers.get(serverKey(request, 'INVITE'));
      if (inv instanceof InviteServerTransaction && inv.state === 'completed') {
        inv.ack();
        return;
      }
      // ACK for a 2xx (new branch) or for nothing we know: the core decides.
      this.core.onRequest(request, undefined, source);
      return;
    }
    const key = serverKey(request, request.method);
    const existing = this.servers.get(key);
    if (existing) {
      existing.retransmission();
      return;
    }
    if (this.servers.size >= this.maxServers) {
      this.core.onTableFull?.(request, source);
      return;
    }
    const done = () => {
      if (this.servers.get(key) === tx) this.servers.delete(key);
    };
    const tx: ServerTransaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction(request, dest, this.send, this.timers, done)
        : new NonInviteServerTransaction(request, dest, this.send, this.timers, done);
    this.servers.set(key, tx);
    this.core.onRequest(request, tx, source);
  }

  /** The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2). */
  inviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.servers.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  stop(): void {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.terminate();
    this.clients.clear();
    this.servers.clear();
  }
}

function clientKey(branch: string, method: string): string {
  return `${branch}\u0000${method === 'ACK' ? 'INVITE' : method}`;
}

/**
 * RFC 3261 §17.2.3: branch + sent-by + method; RFC 2543 peers (no magic cookie) by dialog fields.
 * The Call-ID is added as a guard against peers that reuse branches across calls (it never differs
 * between a request and its retransmission, its CANCEL or its ACK).
 */
function serverKey(req: SipRequest, method: string): string {
  const via = req.via;
  const branch = via.branch;
  if (branch?.startsWith(BRANCH_MAGIC) && branch.length > BRANCH_MAGIC.length) {
    return `${branch}\u0000${via.host}:${via.port ?? ''}\u0000${method}\u0000${req.callId}`;
  }
  return `2543\u0000${req.uri}\u0000${req.callId}\u0000${req.fromTag ?? ''}\u0000${req.cseq.seq}\u0000${via.host}:${via.port ?? ''}\u0000${method}`;
}
