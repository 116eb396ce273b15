/** INVITE server transaction (RFC 3261 §17.2.1): timers G, H, I. 2xx retransmission is the UA core's job. */
import type { SipRequest, SipResponse } from '../message';
import type { TransportAddress } from '../transport';
import { TimerSet } from './timers';
import { isReliable, type MessageSender, type TimerConfig } from './types';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'terminated';

export class InviteServerTransaction {
  state: InviteServerState = 'proceeding';
  private readonly timers = new TimerSet();
  private last: SipResponse | undefined;
  /** Set when a CANCEL arrived for this INVITE. */
  cancelled = false;
  /**
   * A final answer to a stranger: sent once, never repeated (no timer G, retransmissions and ACK
   * absorbed silently) so a spoofed source cannot turn one INVITE into many responses.
   */
  quiet = false;

  constructor(
    readonly request: SipRequest,
    readonly dest: TransportAddress,
    private readonly send: MessageSender,
    private readonly config: TimerConfig,
    private readonly onTerminated: () => void,
  ) {}

  /** The request was retransmitted: repeat the last response. */
  retransmission(): void {
    if (this.quiet && this.state === 'completed') return;
    if ((this.state === 'proceeding' || this.state === 'completed') && this.last) this.transmit(this.last);
  }

  respond(response: SipResponse): void {
    if (this.state !== 'proceeding') return;
    this.last = response;
    this.transmit(response);
    if (response.status < 200) return;
    if (response.status < 300) {
      this.terminate();
      return;
    }
    this.state = 'completed';
    if (!isReliable(this.dest) && !this.quiet) this.scheduleG(this.config.t1);
    this.timers.set('H', 64 * this.config.t1, () => this.terminate());
  }

  get finalSent(): boolean {
    return this.state !== 'proceeding';
  }

  private scheduleG(interval: number): void {
    this.timers.set('G', interval, () => {
      if (this.state !== 'completed' || !this.last) return;
      this.transmit(this.last);
      this.scheduleG(Math.min(interval * 2, this.config.t2));
    });
  }

  ack(): void {
    if (this.state !== 'completed') return;
    this.state = 'confirmed';
    this.timers.clear('G');
    this.timers.clear('H');
    this.timers.set('I', isReliable(this.dest) ? 0 : this.config.t4, () => this.terminate());
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
