/**
 * In-band DTMF for a dial string (used when the far end did not negotiate telephone-event):
 * 8 kHz 16-bit linear PCM that the RTP layer encodes with the call's G.711 law.
 *
 * Levels follow ITU-T Q.23 practice: the high group a little louder than the low group
 * (default −7 / −5 dBm0), well inside any Q.24 receiver's twist window.
 */
import type { DtmfDigit } from '../../../port';
import { type DigitTiming, planDigits } from './dial-string';
import { dbm0ToPeak, digitFrequencies } from './digits';

export interface ToneGeneratorOptions extends DigitTiming {
  readonly sampleRate?: number;
  /** Level of the low (row) tone; default −7 dBm0. */
  readonly lowDbm0?: number;
  /** Level of the high (column) tone; default −5 dBm0. */
  readonly highDbm0?: number;
}

interface ToneSpan {
  readonly start: number;
  readonly end: number;
  /** Radians per sample. */
  readonly wLow: number;
  readonly wHigh: number;
}

export class ToneGenerator {
  readonly totalSamples: number;
  readonly sampleRate: number;
  private readonly spans: readonly ToneSpan[];
  private readonly lowPeak: number;
  private readonly highPeak: number;

  constructor(digits: string, options: ToneGeneratorOptions = {}) {
    this.sampleRate = options.sampleRate ?? 8000;
    const plan = planDigits(digits, options);
    const perMs = this.sampleRate / 1000;
    const spans: ToneSpan[] = [];
    for (const step of plan.steps) {
      if (step.kind !== 'tone') continue;
      spans.push(
        toneSpan(step.digit, Math.round(step.startMs * perMs), Math.round(step.durationMs * perMs), this.sampleRate),
      );
    }
    this.spans = spans;
    this.totalSamples = Math.round(plan.totalMs * perMs);
    this.lowPeak = dbm0ToPeak(options.lowDbm0 ?? -7);
    this.highPeak = dbm0ToPeak(options.highDbm0 ?? -5);
  }

  /**
   * Writes samples `from .. from + out.length` of the dial string into `out` (silence past the end).
   * Returns how many of them were still inside the dial string; 0 means done.
   */
  fill(out: Int16Array, from: number): number {
    out.fill(0);
    const to = from + out.length;
    for (const span of this.spans) {
      if (span.end <= from || span.start >= to) continue;
      const a = Math.max(span.start, from);
      const b = Math.min(span.end, to);
      for (let n = a; n < b; n++) {
        const t = n - span.start;
        const v = this.lowPeak * Math.sin(span.wLow * t) + this.highPeak * Math.sin(span.wHigh * t);
        out[n - from] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
      }
    }
    return Math.max(0, Math.min(out.length, this.totalSamples - from));
  }

  /** The whole dial string as one buffer (tests, files). */
  render(): Int16Array {
    const out = new Int16Array(this.totalSamples);
    this.fill(out, 0);
    return out;
  }
}

function toneSpan(digit: DtmfDigit, start: number, length: number, sampleRate: number): ToneSpan {
  const f = digitFrequencies(digit);
  return {
    start,
    end: start + length,
    wLow: (2 * Math.PI * f.low) / sampleRate,
    wHigh: (2 * Math.PI * f.high) / sampleRate,
  };
}
