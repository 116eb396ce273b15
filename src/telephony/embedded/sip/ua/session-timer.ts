/**
 * RFC 4028 session timers for a dialog we are the UAC of. We advertise `Supported: timer`; when the
 * far end's 2xx carries Session-Expires we honour it: refresh at half the interval if we are the
 * refresher, otherwise expect refreshes and end the call (BYE) if none come before expiry.
 */
import type { SipRequest, SipResponse } from '../message';

export interface SessionTimerHooks {
  refresh(): void;
  expired(): void;
}

export function parseSessionExpires(
  value: string | undefined,
): { seconds: number; refresher?: 'uac' | 'uas' } | undefined {
  if (!value) return undefined;
  const parts = value.split(';').map((p) => p.trim());
  const seconds = Number(parts[0]);
  if (!Number.isInteger(seconds) || seconds <= 0) return undefined;
  let refresher: 'uac' | 'uas' | undefined;
  for (const p of parts.slice(1)) {
    const [k, v] = p.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'refresher' && (v === 'uac' || v === 'uas')) refresher = v;
  }
  return refresher ? { seconds, refresher } : { seconds };
}

export class SessionTimer {
  private handle: NodeJS.Timeout | undefined;
  /** Interval in seconds and whether we refresh; undefined = no session timer. */
  private current: { seconds: number; weRefresh: boolean } | undefined;

  constructor(private readonly hooks: SessionTimerHooks) {}

  get interval(): number | undefined {
    return this.current?.seconds;
  }

  get weRefresh(): boolean {
    return this.current?.weRefresh ?? false;
  }

  /** From a 2xx to our INVITE/UPDATE: we are the UAC of the dialog, so refresher=uac means us. */
  fromResponse(res: SipResponse): void {
    const se = parseSessionExpires(res.get('session-expires'));
    if (!se) {
      this.stop();
      this.current = undefined;
      return;
    }
    this.arm(se.seconds, (se.refresher ?? 'uac') === 'uac');
  }

  /** The far end refreshed (re-INVITE/UPDATE from them): echo the timer in our 2xx and restart it. */
  fromRefreshRequest(req: SipRequest, res: SipResponse): void {
    const se = parseSessionExpires(req.get('session-expires'));
    if (!se) {
      if (this.current) this.arm(this.current.seconds, this.current.weRefresh);
      return;
    }
    // In their request "uac" is them.
    const refresher = se.refresher ?? 'uac';
    res.add('Session-Expires', `${se.seconds};refresher=${refresher}`);
    res.add('Require', 'timer');
    this.arm(se.seconds, refresher === 'uas');
  }

  /** Headers for our own refresh request. */
  decorateRefresh(req: SipRequest): void {
    if (!this.current) return;
    req.add('Session-Expires', `${this.current.seconds};refresher=uac`);
    req.add('Supported', 'timer');
  }

  private arm(seconds: number, weRefresh: boolean): void {
    this.stop();
    this.current = { seconds, weRefresh };
    // Refresher: at half the interval. Other side: at expiry minus min(32 s, interval/3) (RFC 4028 §10).
    const ms = weRefresh ? (seconds * 1000) / 2 : (seconds - Math.min(32, seconds / 3)) * 1000;
    this.handle = setTimeout(() => (weRefresh ? this.hooks.refresh() : this.hooks.expired()), ms);
    this.handle.unref?.();
  }

  stop(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }
}
