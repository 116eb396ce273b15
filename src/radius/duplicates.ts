/**
 * RADIUS clients retransmit a request (same identifier, same Request Authenticator) until they get
 * an answer. A retransmission must never place a second call: while the first is being answered it
 * is only counted, and for a while after the answer it gets the very same bytes again
 * (RFC 5080 §2.2.2 duplicate detection). Keyed by client + identifier + authenticator.
 */
import type { RadiusClock } from './ports';

type Entry = { readonly kind: 'pending' } | { readonly kind: 'answered'; readonly packet: Buffer; readonly at: number };

export type Seen =
  | { readonly kind: 'new' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'answered'; readonly packet: Buffer };

export class DuplicateCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly clock: RadiusClock,
  ) {}

  static key(client: string, identifier: number, authenticator: Buffer): string {
    return `${client}\u0000${identifier}\u0000${authenticator.toString('hex')}`;
  }

  /** What is known about this request; a new one is marked pending at once. */
  see(key: string): Seen {
    this.sweep();
    const e = this.entries.get(key);
    if (!e) {
      this.entries.set(key, { kind: 'pending' });
      return { kind: 'new' };
    }
    return e.kind === 'pending' ? { kind: 'pending' } : { kind: 'answered', packet: e.packet };
  }

  /** The answer sent (kept for the duplicate window). */
  answered(key: string, packet: Buffer): void {
    this.entries.set(key, { kind: 'answered', packet, at: this.clock.now() });
  }

  /** No answer will be sent (dropped after all): a retransmission is handled as new. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get pending(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.kind === 'pending') n++;
    return n;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const cutoff = this.clock.now() - this.windowMs;
    for (const [k, e] of this.entries) if (e.kind === 'answered' && e.at <= cutoff) this.entries.delete(k);
  }
}
