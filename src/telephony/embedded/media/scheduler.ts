/**
 * The one pacing scheduler for every call in the process. A 20 ms frame is split into `slots`; each
 * stream is pinned to the least-loaded slot, so a thousand calls do not all send in one burst. The
 * scheduler wakes once per slot from a single timer, computing every deadline from the monotonic
 * start time (`start + n·slot`), so lateness never accumulates into drift. No timer per call.
 *
 * If the event loop stalls, a stream gets at most `maxCatchUp` frames in a burst; beyond that the
 * missed frames are skipped (reported to the stream so it keeps its RTP timestamp on the wall clock).
 */
import { type MediaClock, monotonicClock } from './clock';

/** Above this share of busy time the pacer stops sleeping precisely (see `busy`). */
const BUSY_NO_SLEEP = 0.4;

export interface PacedStream {
  /**
   * Produce one frame. `skipped` frames were dropped before this one (event-loop stall); the stream
   * advances its timestamp by them.
   */
  tick(skipped: number): void;
}

export interface PacingOptions {
  readonly frameMs?: number;
  readonly slots?: number;
  readonly maxCatchUp?: number;
  readonly clock?: MediaClock;
  /**
   * How early the timer is armed before a deadline; the rest is slept precisely with
   * `clock.sleep` (if the clock has it). 0 turns precise sleeping off. Default 1.5 ms.
   */
  readonly guardMs?: number;
}

interface Entry {
  readonly stream: PacedStream;
  readonly slot: number;
  /** Index of the next frame this stream is due to send. */
  nextFrame: number;
  removed: boolean;
}

export class PacingScheduler {
  readonly frameMs: number;
  readonly slots: number;
  private readonly slotMs: number;
  private readonly maxCatchUp: number;
  private readonly clock: MediaClock;
  private readonly guardMs: number;
  private readonly bySlot: Entry[][];
  private readonly entries = new Map<PacedStream, Entry>();
  private epoch = 0;
  /** Absolute index of the next slot to service (slot number = index % slots). */
  private nextSlotIndex = 0;
  private timer: unknown;
  private running = false;
  /**
   * Share of wall time spent producing frames (EWMA). When the loop is this busy, sleeping the last
   * stretch before a deadline would only take time from SIP and receive work, so it is skipped.
   */
  busy = 0;
  /** How late the scheduler woke, for diagnostics (ms). */
  lateMax = 0;
  ticks = 0;

  constructor(options: PacingOptions = {}) {
    this.frameMs = options.frameMs ?? 20;
    this.slots = Math.max(1, Math.floor(options.slots ?? 4));
    this.slotMs = this.frameMs / this.slots;
    this.maxCatchUp = options.maxCatchUp ?? 3;
    this.clock = options.clock ?? monotonicClock;
    this.guardMs = this.clock.sleep ? (options.guardMs ?? 1.5) : 0;
    this.bySlot = Array.from({ length: this.slots }, () => []);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Start pacing a stream; its first frame goes out at its slot's next deadline. */
  add(stream: PacedStream): void {
    if (this.entries.has(stream)) return;
    if (!this.running) this.startClock();
    let slot = 0;
    for (let s = 1; s < this.slots; s++) if (this.bySlot[s]!.length < this.bySlot[slot]!.length) slot = s;
    const entry: Entry = { stream, slot, nextFrame: this.frameOfNextVisit(slot), removed: false };
    this.bySlot[slot]!.push(entry);
    this.entries.set(stream, entry);
  }

  remove(stream: PacedStream): void {
    const entry = this.entries.get(stream);
    if (!entry) return;
    entry.removed = true;
    this.entries.delete(stream);
    const list = this.bySlot[entry.slot]!;
    const i = list.indexOf(entry);
    if (i >= 0) {
      // Order within a slot does not matter: swap-remove keeps removal O(1) after the lookup.
      list[i] = list[list.length - 1]!;
      list.pop();
    }
    if (this.entries.size === 0) this.stopClock();
  }

  stop(): void {
    for (const s of [...this.entries.keys()]) this.remove(s);
    this.stopClock();
  }

  private startClock(): void {
    this.running = true;
    this.epoch = this.clock.now();
    this.nextSlotIndex = 0;
    this.arm();
  }

  private stopClock(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.running = false;
  }

  /** The frame number at which `slot` will next be serviced. */
  private frameOfNextVisit(slot: number): number {
    const frame = Math.floor(this.nextSlotIndex / this.slots);
    return this.nextSlotIndex % this.slots <= slot ? frame : frame + 1;
  }

  private deadline(slotIndex: number): number {
    return this.epoch + slotIndex * this.slotMs;
  }

  private arm(): void {
    // Node timers have 1 ms resolution (and fire up to ~1 ms off): wake `guardMs` early and sleep
    // the rest precisely in `run`. Without a sleeping clock, rounding down and re-checking in `run`
    // keeps lateness around a millisecond.
    const delay = this.deadline(this.nextSlotIndex) - this.clock.now() - this.guardMs;
    this.timer = this.clock.setTimer(this.run, delay > 1 ? Math.floor(delay) : delay > 0 ? 1 : 0);
  }

  private readonly run = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    let now = this.clock.now();
    const current = Math.floor((now - this.epoch) / this.slotMs);
    const limit = this.maxCatchUp * this.slots;
    if (current - this.nextSlotIndex >= limit) {
      // Stalled for more than maxCatchUp frames: drop the oldest instead of bursting them all.
      this.nextSlotIndex = current - limit + 1;
    }
    for (;;) {
      while (this.deadline(this.nextSlotIndex) <= now) {
        const late = now - this.deadline(this.nextSlotIndex);
        if (late > this.lateMax) this.lateMax = late;
        this.serviceSlot(this.nextSlotIndex);
        this.nextSlotIndex++;
        if (!this.running) return;
        const after = this.clock.now();
        this.busy += 0.05 * (Math.min(1, (after - now) / this.slotMs) - this.busy);
        now = after;
      }
      const remaining = this.deadline(this.nextSlotIndex) - now;
      if (remaining > this.guardMs || !this.clock.sleep || this.busy > BUSY_NO_SLEEP) break;
      this.clock.sleep(remaining);
      now = this.clock.now();
    }
    this.arm();
  };

  private serviceSlot(slotIndex: number): void {
    const frame = Math.floor(slotIndex / this.slots);
    const list = this.bySlot[slotIndex % this.slots]!;
    this.ticks++;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (entry.nextFrame > frame) continue;
      const skipped = frame - entry.nextFrame;
      entry.nextFrame = frame + 1;
      try {
        entry.stream.tick(skipped);
      } catch {
        // One broken stream must not stop the others; the stream reports its own errors.
      }
      // A stream that removed itself was swap-replaced by the last one: visit that one too.
      if (list[i] !== entry) i--;
    }
  }
}
