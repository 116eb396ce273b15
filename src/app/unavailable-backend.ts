/**
 * Stands in for a telephony backend that is not available (not built into this version, or failed
 * to start): the service still runs — API, UI, health — and every dial fails as `unavailable`
 * with the reason, instead of the process crashing.
 */
import { type BackendHealth, type BackendName, type Call, DialFailure, type TelephonyBackend } from '../telephony/port';

export class UnavailableBackend implements TelephonyBackend {
  constructor(
    readonly name: BackendName,
    readonly reason: string,
  ) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async health(): Promise<BackendHealth> {
    return {
      backend: this.name,
      connected: false,
      trunk: 'unknown',
      activeCalls: 0,
      detail: this.reason,
      checkedAt: Date.now(),
    };
  }

  /** Nothing to tell: there is no SIP stack behind it (the node's HTTP answers say it drains). */
  setAvailability(): void {}

  async dial(): Promise<Call> {
    throw new DialFailure('unavailable', `the ${this.name} backend is unavailable: ${this.reason}`);
  }
}
