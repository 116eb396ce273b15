/**
 * G.711 through `alawmulaw` (no hand-written codec). The per-sample functions are used on the hot
 * paths because they write into caller buffers without allocating.
 */
import { alaw, mulaw } from 'alawmulaw';
import type { G711Codec } from './sdp/negotiate';

/** The byte a G.711 encoder produces for digital silence (µ-law 0xFF, A-law 0xD5). */
export const SILENCE_BYTE: Readonly<Record<G711Codec, number>> = { PCMU: 0xff, PCMA: 0xd5 };

export function encodePcm(codec: G711Codec, samples: Int16Array): Uint8Array {
  return codec === 'PCMU' ? mulaw.encode(samples) : alaw.encode(samples);
}

/** Encode one sample to its G.711 byte (0–255). */
export function encodeSample(codec: G711Codec, sample: number): number {
  return (codec === 'PCMU' ? mulaw.encodeSample(sample) : alaw.encodeSample(sample)) & 0xff;
}

/** A 256-entry decode table per codec, so decoding a packet is a lookup per byte. */
const DECODE: Readonly<Record<G711Codec, Int16Array>> = {
  PCMU: mulaw.decode(Uint8Array.from({ length: 256 }, (_, i) => i)),
  PCMA: alaw.decode(Uint8Array.from({ length: 256 }, (_, i) => i)),
};

/** Decode `length` G.711 bytes from `src` at `offset` into `out` (which must be long enough). */
export function decodeInto(codec: G711Codec, src: Uint8Array, offset: number, length: number, out: Int16Array): void {
  const table = DECODE[codec];
  for (let i = 0; i < length; i++) out[i] = table[src[offset + i]!]!;
}
