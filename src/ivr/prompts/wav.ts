/**
 * WAV in, 8 kHz mono 16-bit PCM out — the one format prompts are stored and played in. Accepts the
 * common WAV encodings (8/16/24/32-bit PCM, float, A-law, µ-law, IMA ADPCM; any rate; any channel
 * count) through `wavefile`; rejects unreadable, silent, too big or too long input with a clear message.
 */
import { WaveFile } from 'wavefile';
import { resample } from './resample';

export const PROMPT_RATE = 8000;

export interface UploadLimits {
  /** Bytes; Microsoft's limit for greetings is 1 MB. */
  readonly maxBytes: number;
  readonly maxSeconds: number;
}
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxBytes: 1_048_576, maxSeconds: 20 };

export class AudioRejected extends Error {
  override readonly name = 'AudioRejected';
  constructor(
    readonly code: 'unreadable' | 'too-big' | 'too-long' | 'silent' | 'empty' | 'clipped',
    message: string,
  ) {
    super(message);
  }
}

/** Decodes any readable WAV to mono float samples at its own rate. */
export function decodeWav(bytes: Uint8Array): { samples: Float64Array; rate: number } {
  let wav: WaveFile;
  try {
    wav = new WaveFile(bytes);
  } catch (err) {
    throw new AudioRejected('unreadable', `not a readable WAV file (${(err as Error).message})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  // Read these before decoding: wavefile rebuilds its header objects when it converts.
  const channels = Math.max(1, fmt.numChannels);
  const rate = fmt.sampleRate;
  try {
    if (fmt.audioFormat === 6) wav.fromALaw();
    else if (fmt.audioFormat === 7) wav.fromMuLaw();
    else if (fmt.audioFormat === 17) wav.fromIMAADPCM();
  } catch (err) {
    throw new AudioRejected('unreadable', `cannot decode this WAV encoding (${(err as Error).message})`);
  }
  const bitDepth = wav.bitDepth;
  if (!rate || rate < 1000 || rate > 384_000) throw new AudioRejected('unreadable', `implausible sample rate ${rate}`);
  let raw: Float64Array;
  try {
    raw = wav.getSamples(true, Float64Array) as unknown as Float64Array;
  } catch (err) {
    throw new AudioRejected('unreadable', `cannot read the samples (${(err as Error).message})`);
  }
  const scale = sampleScale(bitDepth);
  if (!scale) throw new AudioRejected('unreadable', `unsupported bit depth ${bitDepth}`);
  const frames = Math.floor(raw.length / channels);
  const out = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += (raw[i * channels + c]! - scale.offset) / scale.full;
    out[i] = sum / channels;
  }
  return { samples: out, rate };
}

function sampleScale(bitDepth: string): { offset: number; full: number } | undefined {
  if (bitDepth === '32f' || bitDepth === '64') return { offset: 0, full: 1 };
  const bits = Number(bitDepth);
  if (!Number.isInteger(bits) || bits < 8 || bits > 32) return undefined;
  // 8-bit WAV is unsigned; wider is signed.
  return bits === 8 ? { offset: 128, full: 128 } : { offset: 0, full: 2 ** (bits - 1) };
}

/** Mono float → 8 kHz 16-bit integers (deterministic: same input, same bytes). */
export function to8kPcm(samples: Float64Array, rate: number): Int16Array {
  const s = resample(samples, rate, PROMPT_RATE);
  const out = new Int16Array(s.length);
  // No Math.* in per-sample loops (slow under jest's VM); rounding half away from zero by hand.
  for (let i = 0; i < s.length; i++) {
    const v = s[i]! * 32767;
    const r = v >= 0 ? (v + 0.5) | 0 : -((-v + 0.5) | 0);
    out[i] = Math.max(-32768, Math.min(32767, r));
  }
  return out;
}

export function encodeWav8k(pcm: Int16Array): Buffer {
  const w = new WaveFile();
  w.fromScratch(1, PROMPT_RATE, '16', pcm);
  return Buffer.from(w.toBuffer());
}

/** Reads an 8 kHz mono 16-bit WAV written by `encodeWav8k` (or any WAV, converted). */
export function readPcm8k(bytes: Uint8Array): Int16Array {
  const { samples, rate } = decodeWav(bytes);
  return to8kPcm(samples, rate);
}

export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Peak below about −50 dBFS counts as silence (hiss of a muted microphone, not speech). */
const SILENCE_PEAK = 0.003;

/** More than this share of samples in runs at full scale: distorted, refused (a clean recording has none). */
const MAX_CLIPPED_SHARE = 0.005;
// Just under full scale: encoders dither clipped stretches by a step or two.
const FULL_SCALE = 0.995;

/** Share of samples that sit in runs of 3 or more at full scale (single peaks touching it are fine). */
export function clippedShare(samples: Float64Array): number {
  let clipped = 0;
  let run = 0;
  for (const v of samples) {
    if (v >= FULL_SCALE || v <= -FULL_SCALE) run++;
    else {
      if (run >= 3) clipped += run;
      run = 0;
    }
  }
  if (run >= 3) clipped += run;
  return samples.length ? clipped / samples.length : 0;
}

/** Validates an uploaded or referenced recording and converts it to the prompt format. */
export function convertUpload(
  bytes: Uint8Array,
  limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
): { wav: Buffer; durationMs: number } {
  if (bytes.length > limits.maxBytes) {
    throw new AudioRejected(
      'too-big',
      `the file is ${formatBytes(bytes.length)}; the limit is ${formatBytes(limits.maxBytes)}`,
    );
  }
  const { samples, rate } = decodeWav(bytes);
  if (samples.length === 0) throw new AudioRejected('empty', 'the file contains no audio');
  const seconds = samples.length / rate;
  if (seconds > limits.maxSeconds) {
    throw new AudioRejected(
      'too-long',
      `the recording is ${seconds.toFixed(1)} s long; the limit is ${limits.maxSeconds} s`,
    );
  }
  let peak = 0;
  for (const v of samples) {
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  if (peak < SILENCE_PEAK) throw new AudioRejected('silent', 'the recording is silent (nothing above −50 dBFS)');
  const clipped = clippedShare(samples);
  if (clipped > MAX_CLIPPED_SHARE) {
    throw new AudioRejected(
      'clipped',
      `the recording is clipped (${(clipped * 100).toFixed(1)} % of it at full scale); record it again less loud`,
    );
  }
  const pcm = to8kPcm(samples, rate);
  return { wav: encodeWav8k(pcm), durationMs: Math.round((pcm.length / PROMPT_RATE) * 1000) };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`;
}
