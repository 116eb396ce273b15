/**
 * The time source of the media layer. Production uses the monotonic clock (`performance.now`, immune
 * to wall-clock steps) and Node timers; tests inject a fake one to drive the pacer deterministically.
 */
import { performance } from 'node:perf_hooks';

export interface MediaClock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const monotonicClock: MediaClock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
