/** Audio synthesis and rendering helpers for the in-band DTMF tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbm0ToPeak, InbandDetector, type InbandDetectorOptions } from '../../src/telephony/embedded/media/dtmf';
import type { DtmfEvent } from '../../src/telephony/port';
import { requireTool } from '../support/tools';
import { seededRandom } from './helpers';

export const RATE = 8000;

export interface ToneSpec {
  low: number;
  high: number;
  lowDbm0?: number;
  highDbm0?: number;
  ms: number;
}

/** Appends a dual tone (or silence when `low` and `high` are 0) to `out`. */
export function dualTone(spec: ToneSpec, phase = 0): Float64Array {
  const n = Math.round((spec.ms * RATE) / 1000);
  const a = dbm0ToPeak(spec.lowDbm0 ?? -8);
  const b = dbm0ToPeak(spec.highDbm0 ?? -6);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    out[i] = a * Math.sin(2 * Math.PI * spec.low * t + phase) + b * Math.sin(2 * Math.PI * spec.high * t + 2 * phase);
  }
  return out;
}

export function silence(ms: number): Float64Array {
  return new Float64Array(Math.round((ms * RATE) / 1000));
}

export function concat(...parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Gaussian white noise at `dbm0` (RMS), deterministic per seed. */
export function noise(ms: number, dbm0: number, seed: number): Float64Array {
  const rnd = seededRandom(seed);
  const rms = dbm0ToPeak(dbm0) / Math.SQRT2;
  const out = new Float64Array(Math.round((ms * RATE) / 1000));
  for (let i = 0; i < out.length; i++) {
    const u = Math.max(rnd(), 1e-12);
    out[i] = rms * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  }
  return out;
}

export function mix(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return out;
}

export function toPcm(x: Float64Array, gain = 1): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]! * gain)));
  return out;
}

/** Runs the detector over `pcm` in 20 ms packets (as RTP would deliver it) and returns what it reported. */
export function detect(pcm: Int16Array, options: Partial<InbandDetectorOptions> = {}, chunk = 160): DtmfEvent[] {
  const events: DtmfEvent[] = [];
  const det = new InbandDetector({ ...options, onDigit: (e) => events.push(e) });
  for (let i = 0; i < pcm.length; i += chunk) {
    const part = pcm.subarray(i, i + chunk);
    det.onSamples(part, ((i + part.length) * 1000) / RATE);
  }
  // Trailing silence so a digit at the very end is released the normal way.
  det.onSamples(new Int16Array(RATE / 5), ((pcm.length + RATE / 5) * 1000) / RATE);
  return events;
}

/** Speech rendered by the Debian espeak-ng binary, resampled by sox to 8 kHz 16-bit mono (deterministic: -R). */
export function renderSpeech(voice: string, text: string, speed = 150): Int16Array {
  const espeak = requireTool('espeak-ng', 'espeak-ng');
  const sox = requireTool('sox', 'sox');
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.raw');
    execFileSync(espeak, ['-v', voice, '-s', String(speed), '-w', wav, text]);
    execFileSync(sox, ['-R', wav, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', raw]);
    const buf = readFileSync(raw);
    return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.length & ~1)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Any sox synth/effect chain rendered to 8 kHz 16-bit mono: `sox -n … <args>`. */
export function renderSox(args: readonly string[]): Int16Array {
  const sox = requireTool('sox', 'sox');
  const buf = execFileSync(
    sox,
    ['-R', '-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', ...args],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.length & ~1)));
}
