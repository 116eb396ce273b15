/**
 * The time source of the media layer. Production uses the monotonic clock (`performance.now`, immune
 * to wall-clock steps) and Node timers; tests inject a fake one to drive the pacer deterministically.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

export interface MediaClock {
  /** Monotonic milliseconds (fractional). */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * Block the thread for `ms` (fractional) without burning CPU. Optional: when present the pacer
   * uses it for the last stretch before a deadline, because Node timers only have 1 ms resolution.
   */
  sleep?(ms: number): void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * The main thread never blocks (issue 20): there SQLite, HTTP and SIP share the loop, and a pacer
 * sleeping with `Atomics.wait` took their time. Only a media worker thread, which does nothing but
 * media, sleeps the last stretch before a deadline.
 */
export const monotonicClock: MediaClock = isMainThread
  ? {
      now: () => performance.now(),
      setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
    }
  : {
      now: () => performance.now(),
      setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
      // A timed wait on a futex nobody wakes: sub-millisecond precision, no busy loop.
      sleep: (ms) => {
        if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
      },
    };
