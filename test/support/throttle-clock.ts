import type { ThrottleClock } from '../../src/domain/login-throttle';

/**
 * A manual clock for the login throttle: `sleep` resolves only when `advance` moves time past its
 * end, so tests check exact delays without waiting for them.
 */
export class FakeThrottleClock implements ThrottleClock {
  private t = 1_000_000;
  private readonly sleepers: { until: number; wake: () => void }[] = [];
  /** Every sleep asked for, in order (ms). */
  readonly sleeps: number[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((wake) => this.sleepers.push({ until: this.t + ms, wake }));
  }

  /** How many sleeps are waiting. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  advance(ms: number): void {
    this.t += ms;
    for (let i = this.sleepers.length - 1; i >= 0; i--) {
      const s = this.sleepers[i]!;
      if (s.until <= this.t) {
        this.sleepers.splice(i, 1);
        s.wake();
      }
    }
  }
}
