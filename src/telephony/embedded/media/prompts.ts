/**
 * Prompt audio: a WAV file of any common layout (PCM 8–32 bit, float, µ-law/A-law WAV; any rate;
 * mono or multichannel) converted once to 8 kHz mono G.711 and cached by content hash. All calls
 * playing the same prompt share one encoded buffer, so memory per call stays a few bytes of cursor.
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

/** Decode a WAV to 8 kHz mono 16-bit PCM. */
export function wavTo8kMono(bytes: Uint8Array): Int16Array {
  let wav: WaveFile;
  try {
    wav = new WaveFile(bytes);
  } catch (err) {
    throw new PromptError(`not a readable WAV file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  const channels = fmt.numChannels;
  try {
    if (fmt.audioFormat === 7) wav.fromMuLaw();
    else if (fmt.audioFormat === 6) wav.fromALaw();
    else if (fmt.audioFormat === 17) wav.fromIMAADPCM();
    // Float samples in [-1, 1] whatever the source width; wavefile's resampler low-passes first.
    wav.toBitDepth('32f');
    if (fmt.sampleRate !== 8000) wav.toSampleRate(8000);
  } catch (err) {
    throw new PromptError(`unsupported WAV format: ${err instanceof Error ? err.message : String(err)}`);
  }
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const chans: Float64Array[] = Array.isArray(raw) ? raw : [raw];
  if (chans.length === 0 || chans.length !== Math.max(1, channels)) {
    throw new PromptError('WAV without audio channels');
  }
  const length = chans[0]!.length;
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const c of chans) sum += c[i] ?? 0;
    const v = Math.round((sum / chans.length) * 32767);
    out[i] = Math.min(32767, Math.max(-32768, v));
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
    return Buffer.from(g711.buffer, g711.byteOffset, g711.byteLength);
  }
}

/** Describe a WAV file on disk as a `PromptAudio` (hash of its bytes), e.g. for the CLI. */
export async function promptFromFile(path: string, name = path): Promise<PromptAudio> {
  const bytes = await readFile(path);
  return { name, path, hash: sha256(bytes) };
}
