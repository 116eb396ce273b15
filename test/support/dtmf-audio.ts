/**
 * In-band DTMF test audio made by sox (independent of fyrkant's own tone generator), e.g. for a sipp
 * UAS that streams it with `<exec rtp_stream="file.ulaw,1,0"/>`: sipp 3.6.1 sends the bytes raw as
 * PT 0, so the file is headerless 8 kHz mono µ-law.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { digitFrequencies } from '../../src/telephony/embedded/media/dtmf';
import { isDtmfDigit } from '../../src/telephony/port';
import { requireTool } from './tools';

export interface DtmfAudioOptions {
  /** Silence before the first digit; default 500 ms (the callee is still setting up). */
  readonly leadMs?: number;
  /** Tone length per digit; default 200 ms. */
  readonly toneMs?: number;
  /** Silence between digits; default 200 ms. */
  readonly gapMs?: number;
  /** Silence after the last digit; default 1000 ms (sipp keeps the stream alive, baresip's aufile hangs up at EOF). */
  readonly trailMs?: number;
}

const RATE = 8000;

/** 16-bit linear PCM of `digits` (each tone from `sox synth … sine low sine high`, about −6 dBm0 per tone). */
export function dtmfPcmWithSox(digits: string, options: DtmfAudioOptions = {}): Int16Array {
  const sox = requireTool('sox', 'sox');
  const toneMs = options.toneMs ?? 200;
  const samples = (ms: number) => Math.round((ms * RATE) / 1000);
  const parts: Int16Array[] = [new Int16Array(samples(options.leadMs ?? 500))];
  [...digits].forEach((d, i) => {
    if (!isDtmfDigit(d)) throw new Error(`not a DTMF digit: ${JSON.stringify(d)}`);
    if (i > 0) parts.push(new Int16Array(samples(options.gapMs ?? 200)));
    const { low, high } = digitFrequencies(d);
    // Two generators into one channel: sox averages them.
    const raw = execFileSync(sox, [
      '-R',
      '-n',
      ...['-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-'],
      ...['synth', String(toneMs / 1000), 'sine', String(low), 'sine', String(high)],
    ]);
    parts.push(new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + (raw.length & ~1))));
  });
  parts.push(new Int16Array(samples(options.trailMs ?? 1000)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Headerless 8 kHz mono µ-law of `digits`, encoded by sox. */
export function dtmfUlawWithSox(digits: string, options: DtmfAudioOptions = {}): Buffer {
  const sox = requireTool('sox', 'sox');
  const pcm = dtmfPcmWithSox(digits, options);
  return execFileSync(
    sox,
    [
      '-R',
      ...['-t', 'raw', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-'],
      ...['-t', 'raw', '-r', String(RATE), '-c', '1', '-e', 'u-law', '-'],
    ],
    { input: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength) },
  );
}

/** Writes `dtmfUlawWithSox(digits)` to `path` (e.g. for sipp's `rtp_stream`); returns the byte count. */
export function writeDtmfUlaw(path: string, digits: string, options: DtmfAudioOptions = {}): number {
  const bytes = dtmfUlawWithSox(digits, options);
  writeFileSync(path, bytes);
  return bytes.length;
}
