/**
 * Text-to-speech with the Debian `espeak-ng` binary as a subprocess: offline, nothing linked in (its
 * GPL licence stays on its side of the process boundary). Output is converted to the prompt format
 * (8 kHz mono 16-bit) in-process.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, encodeWav8k, PROMPT_RATE, to8kPcm } from './wav';

export interface TtsRequest {
  readonly text: string;
  readonly voice: string;
  readonly rate: number;
}

export interface TtsEngine {
  /** An 8 kHz mono 16-bit WAV. */
  render(request: TtsRequest, signal?: AbortSignal): Promise<Buffer>;
}

export class TtsUnavailable extends Error {
  override readonly name = 'TtsUnavailable';
}

export class EspeakNg implements TtsEngine {
  constructor(private readonly binary = 'espeak-ng') {}

  async render(request: TtsRequest, signal?: AbortSignal): Promise<Buffer> {
    const dir = await mkdtemp(join(tmpdir(), 'fyrkant-tts-'));
    const out = join(dir, 'out.wav');
    try {
      await new Promise<void>((resolve, reject) => {
        // Text goes in on stdin: no shell, no argument that could be read as an option.
        const child = execFile(
          this.binary,
          ['-v', request.voice, '-s', String(request.rate), '-w', out, '--stdin'],
          { timeout: 30_000, ...(signal ? { signal } : {}) },
          (err, _stdout, stderr) => {
            if (!err) return resolve();
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
              return reject(
                new TtsUnavailable(
                  `espeak-ng is not installed, so the prompt text cannot be rendered. Install it with ` +
                    `"sudo apt-get install -y espeak-ng" (then run "fyrkant prompts render"), or upload a ` +
                    `recording for this prompt instead.`,
                ),
              );
            }
            reject(new Error(`espeak-ng failed for voice "${request.voice}": ${String(stderr).trim() || err.message}`));
          },
        );
        child.stdin?.end(request.text);
      });
      const bytes = await readFile(out);
      const { samples, rate } = decodeWav(bytes);
      if (samples.length === 0) throw new Error(`espeak-ng produced no audio for "${request.text}"`);
      return encodeWav8k(trimSilence(to8kPcm(samples, rate)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/**
 * espeak-ng ends every clip with ~0.4 s of silence; between the digits of an extension that makes
 * "one … zero … zero … one" drag, and it bloats the shipped clips. Keep a short, fixed margin.
 */
export function trimSilence(pcm: Int16Array, leadMs = 30, tailMs = 150, threshold = 300): Int16Array {
  let first = 0;
  while (first < pcm.length && Math.abs(pcm[first]!) < threshold) first++;
  if (first === pcm.length) return pcm;
  let last = pcm.length - 1;
  while (last > first && Math.abs(pcm[last]!) < threshold) last--;
  const from = Math.max(0, first - (leadMs * PROMPT_RATE) / 1000);
  const to = Math.min(pcm.length, last + 1 + (tailMs * PROMPT_RATE) / 1000);
  return pcm.slice(from, to);
}
