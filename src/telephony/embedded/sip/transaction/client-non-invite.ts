/** Non-INVITE client transaction (RFC 3261 §17.1.2): timers E, F, K. */
import type { SipRequest, SipResponse } from '../message';
import type { TransportAddress } from '../transport';
import { TimerSet } from './timers';
import { type ClientTransactionUser, isReliable, type MessageSender, type TimerConfig } from './types';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteClientTransaction {
  state: NonInviteClientState = 'trying';
  private readonly timers = new TimerSet();

  constructor(
    readonly request: SipRequest,
    readonly dest: TransportAddress,
    private readonly send: MessageSender,
    private readonly config: TimerConfig,
    private readonly user: ClientTransactionUser,
    private readonly onTerminated: () => void,
  ) {}

  start(): void {
    this.transmit();
    if (!isReliable(this.dest)) this.scheduleE(this.config.t1);
    this.timers.set('F', 64 * this.config.t1, () => {
      if (this.state === 'trying' || this.state === 'proceeding') {
        this.terminate();
        this.user.onTimeout();
      }
    });
  }

  private scheduleE(interval: number): void {
    this.timers.set('E', interval, () => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.transmit();
      // Trying: double up to T2; Proceeding: every T2.
      this.scheduleE(this.state === 'trying' ? Math.min(interval * 2, this.config.t2) : this.config.t2);
    });
  }

  receive(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (response.status < 200) {
      this.state = 'proceeding';
      this.user.onResponse(response);
      return;
    }
    this.state = 'completed';
    this.timers.clear('E');
    this.timers.clear('F');
    this.timers.set('K', isReliable(this.dest) ? 0 : this.config.t4, () => this.terminate());
    this.user.onResponse(response);
  }

  private transmit(): void {
    this.send(this.request, this.dest).catch((err: Error) => {
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
