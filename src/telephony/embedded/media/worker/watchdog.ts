/**
 * Detects a media worker that hangs (stuck in a loop, deadlocked): its calls would stay silent
 * forever and their callers never learn. Each worker advances a heartbeat counter in shared memory
 * from its own event loop (`startHeartbeat`, every `HEARTBEAT_MS`); the host looks at the counters on
 * a timer and reports a worker whose counter has not moved for `hangMs` (config
 * `media.workerHangMs`, default 2000 ms).
 *
 * Why these numbers: a worker that is merely busy still turns its event loop between pacer ticks and
 * RTP reads, so its heartbeat keeps moving; what stops it are stalls of the loop itself — a major GC,
 * a burst of packets, or the thread not being scheduled on a loaded machine. bench/README.md saw
 * worker send-interval maxima of 18–80 ms with the backend alone and up to 308 ms for the whole
 * service with a CLI writer competing at real-time priority; the main thread's own loop stalled up to
 * 1,166 ms (926 ms under a SIP fuzz). 2000 ms is over 6 times the worst worker stall and above the
 * worst main-thread stall (which the late-check rule below absorbs anyway), yet short enough that a
 * caller hears a BYE while still on the line: a false alarm ends live calls, so err long. The
 * heartbeat is written by the worker's loop, never by a thread that could run while the loop is
 * stuck, so it cannot hide a hang.
 *
 * The host's own timer can be late (the main thread stalled, the process was stopped, the machine
 * suspended). A late check proves nothing about the workers — they may have been stopped just as
 * long — so it restarts every worker's grace period instead of counting the gap against them.
 */

/** The time source: monotonic ms and a one-shot timer (`FakeClock` in tests). */
export interface WatchdogClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** How often a worker advances its heartbeat. */
export const HEARTBEAT_MS = 100;

/** The real clock; its timer never holds the process open. */
export const watchdogClock: WatchdogClock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A heartbeat cell: one Int32 in shared memory, 0 until the worker has started. */
export function newHeartbeat(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** In the worker: advance `beat` from this thread's event loop (never blocks the process's exit). */
export function startHeartbeat(beat: Int32Array): void {
  Atomics.add(beat, 0, 1);
  setInterval(() => Atomics.add(beat, 0, 1), HEARTBEAT_MS).unref();
}

interface Watched {
  readonly beat: Int32Array;
  /** The counter as last seen, and when it was last seen to change (or the grace period restarted). */
  last: number;
  since: number;
}

export interface HangWatchdogOptions<K> {
  /** A worker whose heartbeat has not advanced for this long is hung. */
  readonly hangMs: number;
  readonly onHang: (key: K) => void;
  readonly clock?: WatchdogClock;
}

export class HangWatchdog<K> {
  private readonly watched = new Map<K, Watched>();
  private readonly clock: WatchdogClock;
  private readonly hangMs: number;
  private readonly checkMs: number;
  private readonly onHang: (key: K) => void;
  private timer: unknown;
  private lastCheck: number;

  constructor(options: HangWatchdogOptions<K>) {
    this.clock = options.clock ?? watchdogClock;
    this.hangMs = options.hangMs;
    this.onHang = options.onHang;
    // Four looks per period: a hang is reported between hangMs and 1.25 × hangMs after it began.
    this.checkMs = Math.max(HEARTBEAT_MS, options.hangMs / 4);
    this.lastCheck = this.clock.now();
    this.arm();
  }

  /** Watch a worker from its first heartbeat on (starting up — loading code — is not hanging). */
  watch(key: K, beat: Int32Array): void {
    this.watched.set(key, { beat, last: 0, since: this.clock.now() });
  }

  forget(key: K): void {
    this.watched.delete(key);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }

  /** One look at every heartbeat (the timer calls it; exposed for tests). */
  check(): void {
    const now = this.clock.now();
    const late = now - this.lastCheck > 2 * this.checkMs;
    this.lastCheck = now;
    const hung: K[] = [];
    for (const [key, w] of this.watched) {
      const value = Atomics.load(w.beat, 0);
      if (value !== w.last || value === 0 || late) {
        w.last = value;
        w.since = now;
      } else if (now - w.since >= this.hangMs) {
        hung.push(key);
      }
    }
    for (const key of hung) {
      this.watched.delete(key);
      this.onHang(key);
    }
  }

  private arm(): void {
    this.timer = this.clock.setTimer(() => {
      this.check();
      if (this.timer !== undefined) this.arm();
    }, this.checkMs);
  }
}
