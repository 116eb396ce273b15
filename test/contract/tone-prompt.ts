/**
 * The contract suite's prompt: a 440 Hz sine (what far-end-audio.ts listens for) as an 8 kHz mono
 * 16-bit WAV named by its content hash in `dir`, readable by another process (FreeSWITCH).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import type { PromptAudio } from '../../src/telephony/port';
import { PROMPT_HZ } from './far-end-audio';

export function writeTonePrompt(dir: string, durationMs: number): PromptAudio {
  const samples = new Int16Array(Math.round((durationMs / 1000) * 8000));
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * PROMPT_HZ * i) / 8000));
  const wav = new WaveFile();
  wav.fromScratch(1, 8000, '16', samples);
  const bytes = wav.toBuffer();
  const hash = createHash('sha256').update(bytes).digest('hex');
  const path = join(dir, `${hash}.wav`);
  writeFileSync(path, bytes, { mode: 0o644 });
  return { name: `test/tone-${durationMs}ms`, path, hash };
}
