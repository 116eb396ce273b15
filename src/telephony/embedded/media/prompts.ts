/**
 * Prompt audio: a WAV file of any common layout (PCM 8–32 bit, float, µ-law/A-law WAV; any rate;
 * mono or multichannel) converted once to 8 kHz mono G.711 and cached by content hash. All calls
 * playing the same prompt share one encoded buffer (in a SharedArrayBuffer, so media worker threads
 * share it too), so memory per call stays a few bytes of cursor.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WaveFile } from 'wavefile';
import type { PromptAudio } from '../../port';
import { encodePcm } from './codec';
import type { G711Codec } from './sdp/negotiate';

export class PromptError extends Error {
  override readonly name = 'PromptError';
}

/**
 * Decode a WAV to 8 kHz mono 16-bit PCM.
 *
 * The usual prompt (the IVR's prompt library writes 8 kHz mono 16-bit) takes a fast path that
 * copies the sample bytes: conversion runs on the event loop that also paces every call's RTP, so
 * it must not take long. Other layouts go through wavefile (width, µ-law/A-law/ADPCM, rate).
 */
export function wavTo8kMono(bytes: Uint8Array): Int16Array {
  let wav: WaveFile;
  try {
    wav = new WaveFile(bytes);
  } catch (err) {
    throw new PromptError(`not a readable WAV file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  const channels = Math.max(1, fmt.numChannels);
  const pcm16 = (fmt.audioFormat === 1 || fmt.audioFormat === 0xfffe) && fmt.bitsPerSample === 16;
  let interleaved: Int16Array;
  let rate = fmt.sampleRate;
  if (pcm16 && rate === 8000 && wav.container === 'RIFF') {
    const data = (wav as unknown as { data: { samples: Uint8Array } }).data.samples;
    const copy = new Uint8Array(data.length - (data.length % 2));
    copy.set(data.subarray(0, copy.length));
    interleaved = new Int16Array(copy.buffer);
  } else {
    try {
      if (fmt.audioFormat === 7) wav.fromMuLaw();
      else if (fmt.audioFormat === 6) wav.fromALaw();
      else if (fmt.audioFormat === 17) wav.fromIMAADPCM();
      if (wav.bitDepth !== '16') wav.toBitDepth('16');
      // wavefile's resampler low-passes before decimating.
      if (rate !== 8000) wav.toSampleRate(8000);
      rate = 8000;
    } catch (err) {
      throw new PromptError(`unsupported WAV format: ${err instanceof Error ? err.message : String(err)}`);
    }
    interleaved = wav.getSamples(true, Int16Array) as unknown as Int16Array;
  }
  if (!(interleaved instanceof Int16Array) || interleaved.length < channels) {
    throw new PromptError('WAV without audio samples');
  }
  if (channels === 1) return interleaved;
  const frames = Math.floor(interleaved.length / channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class PromptCache {
  private readonly encoded = new Map<string, Promise<Buffer>>();

  /** Encoded G.711 for a prompt. Concurrent requests for the same content share one conversion. */
  get(prompt: PromptAudio, codec: G711Codec): Promise<Buffer> {
    const key = `${prompt.hash}:${codec}`;
    let entry = this.encoded.get(key);
    if (!entry) {
      entry = this.load(prompt, codec);
      this.encoded.set(key, entry);
      // A failed load must not poison the cache: the file may be fixed and retried.
      entry.catch(() => this.encoded.delete(key));
    }
    return entry;
  }

  get size(): number {
    return this.encoded.size;
  }

  clear(): void {
    this.encoded.clear();
  }

  private async load(prompt: PromptAudio, codec: G711Codec): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(prompt.path);
    } catch (err) {
      throw new PromptError(`cannot read prompt ${prompt.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const pcm = wavTo8kMono(bytes);
    const g711 = encodePcm(codec, pcm);
    // In shared memory: media worker threads play it without a copy per call or per worker.
    const shared = Buffer.from(new SharedArrayBuffer(g711.byteLength));
    shared.set(g711);
    return shared;
  }
}

/** Describe a WAV file on disk as a `PromptAudio` (hash of its bytes), e.g. for the CLI. */
export async function promptFromFile(path: string, name = path): Promise<PromptAudio> {
  const bytes = await readFile(path);
  return { name, path, hash: sha256(bytes) };
}
