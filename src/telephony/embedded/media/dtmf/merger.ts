/**
 * One digit stream from the three DTMF sources. A phone may report the same key press twice — as
 * RFC 4733 events *and* as tones left in the audio, or as RFC 4733 and SIP INFO — so a digit from
 * one source that matches a recent digit from another source is a duplicate and is dropped.
 *
 * Rule (window-based):
 *   - Each event covers the interval [at − durationMs, at] (sources report when the key is
 *     released, with the tone's duration; without a duration the interval is the instant `at`).
 *   - An event from source S is a duplicate of an earlier accepted event E when E has the same
 *     digit, E has not already absorbed an event from S, and the two intervals are at most
 *     `windowMs` apart. The oldest such E absorbs it (FIFO), so "00" reported by two sources
 *     pairs up press by press.
 *   - Events from the same source are never merged with each other: each source already reports
 *     one event per press, so a repeated digit from one source is a new press.
 * The first report wins: its source is the one tagged, and it is delivered at once (no waiting for
 * the other sources, which would delay barge-in).
 */
import type { DtmfDigit, DtmfEvent, DtmfSource } from '../../../port';
import type { DtmfListener } from './types';

export interface DtmfMergerOptions {
  /** How far apart two reports of one press from different sources may be; default 500 ms. */
  readonly windowMs?: number;
  readonly onDigit: DtmfListener;
}

const SOURCE_BIT: Readonly<Record<DtmfSource, number>> = { rfc4733: 1, info: 2, inband: 4 };
/** More accepted events than this inside one window is not a human pressing keys. */
const MEMORY = 32;

export class DtmfMerger {
  private readonly windowMs: number;
  private readonly onDigit: DtmfListener;
  // Ring of recently accepted events as parallel arrays: digit, interval, absorbed sources.
  private readonly digits: (DtmfDigit | undefined)[] = new Array(MEMORY).fill(undefined);
  private readonly starts = new Float64Array(MEMORY);
  private readonly ends = new Float64Array(MEMORY);
  private readonly sources = new Uint8Array(MEMORY);
  private next = 0;
  private count = 0;
  /** Reports dropped as duplicates, per source (for the trace/stats). */
  readonly suppressed: Record<DtmfSource, number> = { rfc4733: 0, info: 0, inband: 0 };

  constructor(options: DtmfMergerOptions) {
    this.windowMs = options.windowMs ?? 500;
    this.onDigit = options.onDigit;
  }

  /** Offer one report; returns true if it was delivered, false if it was a duplicate. */
  push(event: DtmfEvent): boolean {
    const bit = SOURCE_BIT[event.source];
    const end = event.at;
    const start = end - (event.durationMs ?? 0);
    // Oldest first: walk the ring from the oldest entry.
    for (let i = 0; i < this.count; i++) {
      const k = (this.next - this.count + i + MEMORY) % MEMORY;
      if (this.digits[k] !== event.digit || (this.sources[k]! & bit) !== 0) continue;
      if (start <= this.ends[k]! + this.windowMs && this.starts[k]! <= end + this.windowMs) {
        this.sources[k]! |= bit;
        this.suppressed[event.source]++;
        return false;
      }
    }
    this.digits[this.next] = event.digit;
    this.starts[this.next] = start;
    this.ends[this.next] = end;
    this.sources[this.next] = bit;
    this.next = (this.next + 1) % MEMORY;
    if (this.count < MEMORY) this.count++;
    this.onDigit(event);
    return true;
  }

  /** Forget history (e.g. between prompts is NOT a reason: only when the call's media restarts). */
  reset(): void {
    this.count = 0;
  }
}
