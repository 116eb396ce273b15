/**
 * A fixed-window failure counter per key (username for app-password checks). In memory: a restart
 * resets it, which is acceptable for slowing down online guessing; the slow hash does the rest.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until the key may try again, or 0 when it may now. Counts this try. */
  hit(key: string, at = Date.now()): number {
    this.sweep(at);
    const w = this.windows.get(key);
    if (!w || at - w.start >= this.windowMs) {
      this.windows.set(key, { start: at, count: 1 });
      return 0;
    }
    if (w.count >= this.maxAttempts) return w.start + this.windowMs - at;
    w.count++;
    return 0;
  }

  private sweep(at: number): void {
    if (this.windows.size < 10_000) return;
    for (const [k, w] of this.windows) if (at - w.start >= this.windowMs) this.windows.delete(k);
  }
}
