import type { MediaClock } from '../../src/telephony/embedded/media/clock';

/**
 * A fake monotonic clock for the pacer: `advance` moves time and fires due timers in order, each one
 * `lateness()` ms after its due time (to model a busy event loop).
 */
export class FakeClock implements MediaClock {
  private t = 1000;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();
  constructor(private readonly lateness: () => number = () => 0) {}

  now(): number {
    return this.t;
  }
  setTimer(callback: () => void, delayMs: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { due: this.t + Math.max(1, delayMs) + this.lateness(), fn: callback });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].due <= end && (!next || e[1].due < next[1].due)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].due);
      next[1].fn();
    }
    this.t = end;
  }
  /** Jump without firing timers (an event-loop stall). */
  stall(ms: number): void {
    this.t += ms;
  }
}
