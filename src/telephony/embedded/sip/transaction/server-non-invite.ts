/** Non-INVITE server transaction (RFC 3261 §17.2.2): timer J. */
import type { SipRequest, SipResponse } from '../message';
import type { TransportAddress } from '../transport';
import { TimerSet } from './timers';
import { isReliable, type MessageSender, type TimerConfig } from './types';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  private readonly timers = new TimerSet();
  private last: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    readonly dest: TransportAddress,
    private readonly send: MessageSender,
    private readonly config: TimerConfig,
    private readonly onTerminated: () => void,
  ) {}

  retransmission(): void {
    if (this.last && (this.state === 'proceeding' || this.state === 'completed')) this.transmit(this.last);
  }

  respond(response: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.last = response;
    this.transmit(response);
    if (response.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.timers.set('J', isReliable(this.dest) ? 0 : 64 * this.config.t1, () => this.terminate());
  }

  get finalSent(): boolean {
    return this.state === 'completed' || this.state === 'terminated';
  }

  private transmit(response: SipResponse): void {
    this.send(response, this.dest).catch(() => this.terminate());
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timers.clearAll();
    this.onTerminated();
  }
}
