/**
 * In-band DTMF detector for 8 kHz linear PCM, following ITU-T Q.23/Q.24.
 *
 * Analysis: the audio is cut into 10 ms sub-blocks (80 samples). For each sub-block a Goertzel
 * filter per DTMF frequency gives a complex DFT value. Every 10 ms the last two sub-blocks form a
 * 20 ms window that is judged:
 *   - best row and best column tone by the window's coherent power, each at least `peakRatioDb`
 *     above the other tones of its group;
 *   - frequency: the phase advance of a tone from one sub-block to the next measures its actual
 *     frequency (a 20 ms window alone cannot tell 1.5 % from 3.5 % off by amplitude); it must be
 *     within `maxFrequencyDeviation` of nominal (Q.24: operate at ±1.5 %, reject at ±3.5 %);
 *   - tone amplitudes (corrected for the measured frequency offset) above `minLevelDbm0`;
 *   - twist: low group up to `normalTwistDb` louder than high, high up to `reverseTwistDb` louder;
 *   - signal-to-total: the two tones carry at least `minSignalRatio` of the window's energy —
 *     speech and music spread their energy; this is what keeps them from being read as digits.
 * Timing (Q.24: recognise ≥ 40 ms tones and ≥ 40 ms pauses, ignore ≤ 20 ms): a digit starts after
 * 3 consecutive passing windows of the same digit (≈ 40 ms of tone) and ends after 4 consecutive
 * windows without it (≈ 40 ms of pause); shorter drop-outs are bridged. The digit is reported when
 * it ends, with its duration, like the RFC 4733 receiver; `flush()` reports one still sounding.
 *
 * Hot path: preallocated typed arrays, no allocation and no closures per sample or per block.
 */
import type { DtmfDigit } from '../../../port';
import { COL_FREQS, dbm0ToPeak, digitAt, ROW_FREQS } from './digits';
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from './g711-tables';
import type { DtmfListener } from './types';

export interface InbandDetectorOptions {
  readonly onDigit: DtmfListener;
  /** Minimum level of each of the two tones; default −36 dBm0. */
  readonly minLevelDbm0?: number;
  /** Largest accepted frequency error, relative; default 0.025 (between Q.24's 1.5 % and 3.5 %). */
  readonly maxFrequencyDeviation?: number;
  /** Low group louder than high group by at most this; default 8 dB. */
  readonly normalTwistDb?: number;
  /** High group louder than low group by at most this; default 4 dB. */
  readonly reverseTwistDb?: number;
  /** Share of the window's energy the two tones must carry; default 0.8. */
  readonly minSignalRatio?: number;
  /** Best tone of a group above every other tone of that group by at least this; default 6 dB. */
  readonly peakRatioDb?: number;
}

export interface InbandDetectorStats {
  /** 20 ms windows judged. */
  windows: number;
  /** Windows that passed every check. */
  hits: number;
  digits: number;
  /** Digits dropped because they began inside a `suppressUntil` period. */
  suppressed: number;
}

const SAMPLE_RATE = 8000;
/** Sub-block: 10 ms. Two of them make the 20 ms analysis window. */
const N = 80;
const HOP_MS = (N * 1000) / SAMPLE_RATE;
const FREQS = [...ROW_FREQS, ...COL_FREQS];
const K = FREQS.length;
/** Consecutive passing windows before a digit is on (first + 2 more hops ≈ 40 ms of tone). */
const ON_WINDOWS = 3;
/** Consecutive failing windows before a digit is off (≈ 40 ms of pause). */
const OFF_WINDOWS = 4;
/**
 * Least power ratio between a tone's two sub-blocks (≈ the tone covering at least 45 % of the
 * weaker one): keeps Q.24's "ignore ≤ 20 ms" at every alignment.
 */
const BALANCE = 0.2;

export class InbandDetector {
  private readonly onDigit: DtmfListener;
  private readonly minAmp2: number;
  private readonly maxDev: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly minRatio: number;
  private readonly peakRatio: number;
  private readonly gateEnergy: number;

  // Goertzel constants per frequency.
  private readonly coef = new Float64Array(K);
  private readonly cosW = new Float64Array(K);
  private readonly sinW = new Float64Array(K);
  /** e^{-jωN}: brings the second sub-block's phase reference onto the first's. */
  private readonly rotRe = new Float64Array(K);
  private readonly rotIm = new Float64Array(K);
  /** ω·N, to turn a phase error into a relative frequency error. */
  private readonly wN = new Float64Array(K);

  // Sub-block input and the DFT values of the previous and the current sub-block.
  private readonly block = new Float64Array(N);
  private fill = 0;
  private prevRe = new Float64Array(K);
  private prevIm = new Float64Array(K);
  private curRe = new Float64Array(K);
  private curIm = new Float64Array(K);
  private prevEnergy = 0;
  private havePrev = false;
  private readonly power = new Float64Array(K);

  // Digit state machine.
  private candidate = -1;
  private candidateRun = 0;
  private on = -1;
  private onFirstHop = 0;
  private onLastHop = 0;
  private misses = 0;
  private hop = 0;
  private suppressUntilMs = Number.NEGATIVE_INFINITY;

  readonly stats: InbandDetectorStats = { windows: 0, hits: 0, digits: 0, suppressed: 0 };

  constructor(options: InbandDetectorOptions) {
    this.onDigit = options.onDigit;
    const minAmp = dbm0ToPeak(options.minLevelDbm0 ?? -36);
    this.minAmp2 = minAmp * minAmp;
    this.maxDev = options.maxFrequencyDeviation ?? 0.025;
    this.normalTwist = 10 ** ((options.normalTwistDb ?? 8) / 10);
    this.reverseTwist = 10 ** ((options.reverseTwistDb ?? 4) / 10);
    this.minRatio = options.minSignalRatio ?? 0.8;
    this.peakRatio = 10 ** ((options.peakRatioDb ?? 6) / 10);
    // A sub-block quieter than a quarter of one minimum-level tone cannot hold a digit: skip the filters.
    this.gateEnergy = (N * this.minAmp2) / 8;
    for (let k = 0; k < K; k++) {
      const w = (2 * Math.PI * FREQS[k]!) / SAMPLE_RATE;
      this.coef[k] = 2 * Math.cos(w);
      this.cosW[k] = Math.cos(w);
      this.sinW[k] = Math.sin(w);
      this.rotRe[k] = Math.cos(w * N);
      this.rotIm[k] = -Math.sin(w * N);
      this.wN[k] = w * N;
    }
  }

  /** Feed linear 16-bit PCM at 8 kHz. `nowMs` (ms since epoch) is the time of the chunk's last sample. */
  onSamples(pcm: Int16Array, nowMs: number): void {
    this.feed(pcm, pcm.length, nowMs);
  }

  private feed(pcm: Int16Array, len: number, nowMs: number): void {
    const block = this.block;
    let i = 0;
    while (i < len) {
      const f = this.fill;
      const n = Math.min(N - f, len - i);
      for (let j = 0; j < n; j++) block[f + j] = pcm[i + j]!;
      i += n;
      this.fill = f + n;
      if (this.fill === N) {
        this.fill = 0;
        this.analyse(nowMs - ((len - i) * 1000) / SAMPLE_RATE);
      }
    }
  }

  /** Feed G.711 µ-law bytes (PT 0); `offset`/`length` select the payload inside a datagram. */
  onMulaw(bytes: Uint8Array, nowMs: number, offset = 0, length = bytes.length - offset): void {
    this.onG711(bytes, offset, length, nowMs, MULAW_TO_LINEAR);
  }

  /** Feed G.711 A-law bytes (PT 8); `offset`/`length` select the payload inside a datagram. */
  onAlaw(bytes: Uint8Array, nowMs: number, offset = 0, length = bytes.length - offset): void {
    this.onG711(bytes, offset, length, nowMs, ALAW_TO_LINEAR);
  }

  /**
   * Ignore digits that begin before `untilMs`. While we send in-band digits ourselves (extension
   * dialling), the line's echo carries them back; call this with the end of our own tones plus a
   * margin for the echo path (e.g. 300 ms) so they are not taken for the callee's key presses.
   */
  suppressUntil(untilMs: number): void {
    this.suppressUntilMs = untilMs;
  }

  /** Report a digit still sounding (the stream stopped or the call ends). */
  flush(nowMs: number): void {
    if (this.on >= 0) this.report(nowMs);
    this.candidate = -1;
    this.candidateRun = 0;
  }

  /** Decodes straight into the sub-block buffer through a 256-entry table. */
  private onG711(bytes: Uint8Array, offset: number, length: number, nowMs: number, table: Int16Array): void {
    const block = this.block;
    const end = Math.min(bytes.length, offset + length);
    let pos = Math.max(0, offset);
    while (pos < end) {
      const f = this.fill;
      const n = Math.min(N - f, end - pos);
      for (let j = 0; j < n; j++) block[f + j] = table[bytes[pos + j]!]!;
      pos += n;
      this.fill = f + n;
      if (this.fill === N) {
        this.fill = 0;
        this.analyse(nowMs - ((end - pos) * 1000) / SAMPLE_RATE);
      }
    }
  }

  private analyse(atMs: number): void {
    // Goertzel per frequency over the sub-block, after an energy gate.
    const x = this.block;
    let energy = 0;
    for (let n = 0; n < N; n++) energy += x[n]! * x[n]!;
    const re = this.curRe;
    const im = this.curIm;
    if (energy < this.gateEnergy) {
      re.fill(0);
      im.fill(0);
    } else {
      this.goertzel(x, re, im);
    }
    const hit = this.havePrev ? this.judge(energy + this.prevEnergy) : -1;
    // The current sub-block becomes the previous one (swap buffers, no copy).
    this.curRe = this.prevRe;
    this.curIm = this.prevIm;
    this.prevRe = re;
    this.prevIm = im;
    this.prevEnergy = energy;
    this.havePrev = true;
    this.step(hit, atMs);
  }

  /**
   * The eight Goertzel recurrences in one pass over the sub-block: eight independent chains keep
   * the CPU's pipelines busy and read each sample once (about 2× faster than eight passes).
   */
  private goertzel(x: Float64Array, re: Float64Array, im: Float64Array): void {
    const c = this.coef;
    const c0 = c[0]!;
    const c1 = c[1]!;
    const c2 = c[2]!;
    const c3 = c[3]!;
    const c4 = c[4]!;
    const c5 = c[5]!;
    const c6 = c[6]!;
    const c7 = c[7]!;
    let a0 = 0,
      b0 = 0,
      a1 = 0,
      b1 = 0,
      a2 = 0,
      b2 = 0,
      a3 = 0,
      b3 = 0;
    let a4 = 0,
      b4 = 0,
      a5 = 0,
      b5 = 0,
      a6 = 0,
      b6 = 0,
      a7 = 0,
      b7 = 0;
    for (let n = 0; n < N; n++) {
      const v = x[n]!;
      let t = v + c0 * a0 - b0;
      b0 = a0;
      a0 = t;
      t = v + c1 * a1 - b1;
      b1 = a1;
      a1 = t;
      t = v + c2 * a2 - b2;
      b2 = a2;
      a2 = t;
      t = v + c3 * a3 - b3;
      b3 = a3;
      a3 = t;
      t = v + c4 * a4 - b4;
      b4 = a4;
      a4 = t;
      t = v + c5 * a5 - b5;
      b5 = a5;
      a5 = t;
      t = v + c6 * a6 - b6;
      b6 = a6;
      a6 = t;
      t = v + c7 * a7 - b7;
      b7 = a7;
      a7 = t;
    }
    this.result(0, a0, b0, re, im);
    this.result(1, a1, b1, re, im);
    this.result(2, a2, b2, re, im);
    this.result(3, a3, b3, re, im);
    this.result(4, a4, b4, re, im);
    this.result(5, a5, b5, re, im);
    this.result(6, a6, b6, re, im);
    this.result(7, a7, b7, re, im);
  }

  /** y = s[N−1] − e^{−jω}·s[N−2]: the DFT value up to a phase factor that is the same for every sub-block. */
  private result(k: number, s1: number, s2: number, re: Float64Array, im: Float64Array): void {
    re[k] = s1 - this.cosW[k]! * s2;
    im[k] = this.sinW[k]! * s2;
  }

  /** Digit index (row·4 + col) if the window passes every check, else −1. */
  private judge(total: number): number {
    this.stats.windows++;
    // Two tones at the minimum level over 20 ms.
    if (total < 2 * N * this.minAmp2) return -1;
    const aRe = this.prevRe;
    const aIm = this.prevIm;
    const bRe = this.curRe;
    const bIm = this.curIm;
    const power = this.power;
    for (let k = 0; k < K; k++) {
      // c = b·conj(a)·e^{-jωN}: magnitude ~ tone power, angle = phase error over one sub-block.
      const xr = bRe[k]! * aRe[k]! + bIm[k]! * aIm[k]!;
      const xi = bIm[k]! * aRe[k]! - bRe[k]! * aIm[k]!;
      const cr = xr * this.rotRe[k]! - xi * this.rotIm[k]!;
      power[k] = aRe[k]! * aRe[k]! + aIm[k]! * aIm[k]! + bRe[k]! * bRe[k]! + bIm[k]! * bIm[k]! + 2 * cr;
    }
    const row = this.best(0);
    const col = this.best(4);
    if (row < 0 || col < 0) return -1;
    const rowAmp2 = this.toneAmp2(row);
    if (rowAmp2 < this.minAmp2) return -1;
    const colAmp2 = this.toneAmp2(col);
    if (colAmp2 < this.minAmp2) return -1;
    if (rowAmp2 > colAmp2 * this.normalTwist || colAmp2 > rowAmp2 * this.reverseTwist) return -1;
    // Each tone's energy over the window is 2N · A²/2.
    if (N * (rowAmp2 + colAmp2) < this.minRatio * total) return -1;
    this.stats.hits++;
    return row * 4 + (col - 4);
  }

  /** Index of the strongest tone in the group starting at `first`, if it stands out; else −1. */
  private best(first: number): number {
    const p = this.power;
    let bi = first;
    for (let k = first + 1; k < first + 4; k++) if (p[k]! > p[bi]!) bi = k;
    const limit = p[bi]! / this.peakRatio;
    for (let k = first; k < first + 4; k++) if (k !== bi && p[k]! > limit) return -1;
    return bi;
  }

  /**
   * Squared amplitude of tone k, from the non-coherent sub-block powers corrected for the measured
   * frequency offset; −1 if the frequency is off by more than allowed.
   */
  private toneAmp2(k: number): number {
    const aRe = this.prevRe[k]!;
    const aIm = this.prevIm[k]!;
    const bRe = this.curRe[k]!;
    const bIm = this.curIm[k]!;
    const xr = bRe * aRe + bIm * aIm;
    const xi = bIm * aRe - bRe * aIm;
    const cr = xr * this.rotRe[k]! - xi * this.rotIm[k]!;
    const ci = xr * this.rotIm[k]! + xi * this.rotRe[k]!;
    // The tone must sound in both sub-blocks: a phase against silence means nothing, and a window
    // that only grazes a tone must not count towards its duration.
    const pa = aRe * aRe + aIm * aIm;
    const pb = bRe * bRe + bIm * bIm;
    if (pa < BALANCE * pb || pb < BALANCE * pa) return -1;
    const phase = Math.atan2(ci, cr);
    if (Math.abs(phase) > this.maxDev * this.wN[k]!) return -1;
    // Δf·N/fs in cycles per sub-block = phase/2π; a rectangular window loses sinc² of it.
    const u = phase / 2;
    const sinc = u === 0 ? 1 : Math.sin(u) / u;
    const p = pa + pb;
    // |DFT|² of a tone of amplitude A over N samples is (N·A/2)²·sinc²; two sub-blocks summed.
    return (2 * p) / (N * N * sinc * sinc);
  }

  private step(hit: number, atMs: number): void {
    const hop = ++this.hop;
    if (hit >= 0 && hit === this.candidate) this.candidateRun++;
    else {
      this.candidate = hit;
      this.candidateRun = hit >= 0 ? 1 : 0;
    }
    if (this.on >= 0) {
      if (hit === this.on) {
        this.misses = 0;
        this.onLastHop = hop;
        return;
      }
      this.misses++;
      // Another digit without a pause in between: the first one ended where the second began.
      if (this.candidate >= 0 && this.candidateRun >= ON_WINDOWS) {
        this.report(atMs);
        this.start(hop);
        return;
      }
      if (this.misses >= OFF_WINDOWS) this.report(atMs);
      return;
    }
    if (this.candidate >= 0 && this.candidateRun >= ON_WINDOWS) this.start(hop);
  }

  private start(hop: number): void {
    this.on = this.candidate;
    this.onFirstHop = hop - this.candidateRun + 1;
    this.onLastHop = hop;
    this.misses = 0;
  }

  private report(atMs: number): void {
    const index = this.on;
    this.on = -1;
    this.stats.digits++;
    const digit: DtmfDigit = digitAt(index >> 2, index & 3);
    // Windows are 20 ms long and start every 10 ms: n passing windows span (n − 1)·10 + 20 ms.
    const durationMs = (this.onLastHop - this.onFirstHop) * HOP_MS + 2 * HOP_MS;
    if (atMs - durationMs < this.suppressUntilMs) {
      this.stats.suppressed++;
      return;
    }
    this.onDigit({ digit, source: 'inband', at: atMs, durationMs });
  }
}
