/**
 * RFC 4733 sender for a dial string: answers "what do I send at tick N" for a 20 ms (configurable)
 * RTP clock, so the shared pacing scheduler stays in charge of time.
 *
 * Per key press (RFC 4733 §2.5.1): every tick of the tone sends an event packet with the timestamp
 * fixed at the tick the tone started and the duration covering the tone so far (first packet: one
 * tick); the first has the marker bit. The last tone tick carries the E bit with the full duration
 * and that end packet is repeated on the next two ticks (same timestamp, same duration; the RTP
 * layer gives each its own sequence number). Between tones the RTP layer sends its normal audio.
 */
import type { DtmfDigit } from '../../../port';
import { type DigitTiming, planDigits } from './dial-string';
import { digitToEventCode } from './digits';
import { EVENT_BLOCK_BYTES, writeEventBlock } from './rfc4733-payload';

export interface Rfc4733SenderOptions extends DigitTiming {
  /** The RTP timestamp the stream carries at tick 0 (when sending starts). */
  readonly startTimestamp: number;
  /** Timestamp units per tick; default 160 (20 ms at 8 kHz). */
  readonly samplesPerTick?: number;
  /** Tick length; default 20 ms. */
  readonly tickMs?: number;
  /** RFC 4733 volume field, 0..63 meaning −dBm0; default 10. */
  readonly volume?: number;
}

export type Rfc4733Tick =
  | {
      readonly kind: 'event';
      readonly digit: DtmfDigit;
      /** RTP timestamp for this packet: the tone's start, the same for all its packets. */
      readonly timestamp: number;
      readonly marker: boolean;
      /** E bit set (the end packet and its two repetitions). */
      readonly end: boolean;
      /** 4 bytes, reused between calls: copy or send before asking for the next tick. */
      readonly payload: Uint8Array;
    }
  /** No event this tick: send the normal audio (silence or prompt). */
  | { readonly kind: 'audio' }
  /** The whole dial string has been sent (trailing gap included). */
  | { readonly kind: 'done' };

interface ToneTicks {
  readonly digit: DtmfDigit;
  readonly code: number;
  readonly startTick: number;
  readonly toneTicks: number;
}

/** The end packet is sent this many times in all. */
const END_PACKETS = 3;

const AUDIO: Rfc4733Tick = { kind: 'audio' };
const DONE: Rfc4733Tick = { kind: 'done' };

export class Rfc4733Sender {
  /** Ticks until `done`, trailing gap included. */
  readonly totalTicks: number;
  private readonly tones: readonly ToneTicks[];
  private readonly startTimestamp: number;
  private readonly samplesPerTick: number;
  private readonly volume: number;
  private readonly payload = new Uint8Array(EVENT_BLOCK_BYTES);
  private readonly tick: {
    kind: 'event';
    digit: DtmfDigit;
    timestamp: number;
    marker: boolean;
    end: boolean;
    payload: Uint8Array;
  };
  /** Index of the tone `at()` looked at last; ticks are usually asked in order. */
  private cursor = 0;

  constructor(digits: string, options: Rfc4733SenderOptions) {
    const tickMs = options.tickMs ?? 20;
    this.samplesPerTick = options.samplesPerTick ?? 160;
    this.startTimestamp = options.startTimestamp >>> 0;
    this.volume = Math.max(0, Math.min(63, Math.round(options.volume ?? 10)));
    const plan = planDigits(digits, options);
    const tones: ToneTicks[] = [];
    for (const step of plan.steps) {
      if (step.kind !== 'tone') continue;
      tones.push({
        digit: step.digit,
        code: digitToEventCode(step.digit),
        startTick: Math.round(step.startMs / tickMs),
        toneTicks: Math.max(1, Math.round(step.durationMs / tickMs)),
      });
    }
    this.tones = tones;
    const last = tones[tones.length - 1];
    this.totalTicks = Math.max(
      Math.round(plan.totalMs / tickMs),
      last ? last.startTick + last.toneTicks + END_PACKETS - 1 : 0,
    );
    this.tick = { kind: 'event', digit: '0', timestamp: 0, marker: false, end: false, payload: this.payload };
  }

  /** What to send at tick `n` (0 = when sending starts). The returned object is reused. */
  at(n: number): Rfc4733Tick {
    if (n >= this.totalTicks) return DONE;
    if (n < 0) return AUDIO;
    const tones = this.tones;
    if (this.cursor >= tones.length || tones[this.cursor]!.startTick > n) this.cursor = 0;
    while (this.cursor + 1 < tones.length && tones[this.cursor + 1]!.startTick <= n) this.cursor++;
    const tone = tones[this.cursor];
    if (!tone || n < tone.startTick) return AUDIO;
    const k = n - tone.startTick;
    if (k >= tone.toneTicks + END_PACKETS - 1) return AUDIO;
    const end = k >= tone.toneTicks - 1;
    const duration = Math.min(k + 1, tone.toneTicks) * this.samplesPerTick;
    writeEventBlock(this.payload, 0, tone.code, end, this.volume, duration);
    const t = this.tick;
    t.digit = tone.digit;
    t.timestamp = (this.startTimestamp + tone.startTick * this.samplesPerTick) >>> 0;
    t.marker = k === 0;
    t.end = end;
    return t;
  }
}
