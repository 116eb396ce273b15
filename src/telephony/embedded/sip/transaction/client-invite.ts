/** INVITE client transaction (RFC 3261 §17.1.1): timers A, B, D; ACK for non-2xx finals. */
import { SipRequest, type SipResponse } from '../message';
import type { TransportAddress } from '../transport';
import { TimerSet } from './timers';
import { type ClientTransactionUser, isReliable, type MessageSender, type TimerConfig } from './types';

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'terminated';

export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  private readonly timers = new TimerSet();
  private ack: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    readonly dest: TransportAddress,
    private readonly send: MessageSender,
    private readonly config: TimerConfig,
    private readonly user: ClientTransactionUser,
    private readonly onTerminated: () => void,
  ) {}

  start(): void {
    this.transmit(this.request);
    if (!isReliable(this.dest)) this.scheduleA(this.config.t1);
    this.timers.set('B', 64 * this.config.t1, () => {
      if (this.state === 'calling') {
        this.terminate();
        this.user.onTimeout();
      }
    });
  }

  private scheduleA(interval: number): void {
    this.timers.set('A', interval, () => {
      if (this.state !== 'calling') return;
      this.transmit(this.request);
      this.scheduleA(interval * 2);
    });
  }

  receive(response: SipResponse): void {
    const s = response.status;
    if (this.state === 'calling' || this.state === 'proceeding') {
      if (s < 200) {
        this.state = 'proceeding';
        this.timers.clear('A');
        this.user.onResponse(response);
      } else if (s < 300) {
        // 2xx: the TU (dialog layer) ACKs end to end; this transaction is done.
        this.terminate();
        this.user.onResponse(response);
      } else {
        this.state = 'completed';
        this.timers.clear('A');
        this.timers.clear('B');
        this.ack = buildNon2xxAck(this.request, response);
        this.transmit(this.ack);
        this.timers.set('D', isReliable(this.dest) ? 0 : (this.config.timerD ?? 32000), () => this.terminate());
        this.user.onResponse(response);
      }
    } else if (this.state === 'completed' && s >= 300 && this.ack) {
      // Retransmitted final: the ACK was lost, send it again.
      this.transmit(this.ack);
    }
  }

  private transmit(msg: SipRequest): void {
    this.send(msg, this.dest).catch((err: Error) => {
      if (this.state === 'terminated') return;
      this.terminate();
      this.user.onTransportError(err);
    });
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.clearAll();
    this.onTerminated();
  }
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx shares the INVITE's branch; To comes from the response. */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri);
  ack.add('Via', invite.getAll('via')[0] ?? '');
  for (const r of invite.getAll('route')) ack.add('Route', r);
  ack.add('From', invite.get('from') ?? '');
  ack.add('To', response.get('to') ?? '');
  ack.add('Call-ID', invite.callId);
  ack.add('CSeq', `${invite.cseq.seq} ACK`);
  ack.add('Max-Forwards', '70');
  return ack;
}
