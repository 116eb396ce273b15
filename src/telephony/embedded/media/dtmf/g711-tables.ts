/**
 * G.711 decode tables for the in-band detector, built once from `alawmulaw` (no hand-written codec):
 * a 256-entry lookup per law keeps per-packet decoding allocation-free.
 */
import { alaw, mulaw } from 'alawmulaw';

function table(decodeSample: (sample: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) t[i] = decodeSample(i);
  return t;
}

export const MULAW_TO_LINEAR: Int16Array = table(mulaw.decodeSample);
export const ALAW_TO_LINEAR: Int16Array = table(alaw.decodeSample);
