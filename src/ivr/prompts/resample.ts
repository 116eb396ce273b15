/**
 * Windowed-sinc resampling to 8 kHz. wavefile's `toSampleRate` takes ~0.4 s for 3 s of audio (all
 * methods), which made every TTS render and upload slow; this direct form band-limits below the new
 * Nyquist (no aliasing of sibilants into the phone band), is deterministic, and uses a precomputed
 * kernel table so the inner loop is only multiply-adds. The inner loop avoids `Math.*` calls: they are
 * ~40× slower inside jest's VM context, and bit operations do the same job for these positive values.
 */
const HALF_TAPS = 16;
const PHASES = 512;

export function resample(x: Float64Array, from: number, to: number): Float64Array {
  if (from === to) return x;
  const ratio = from / to;
  // Cut off a little below the lower Nyquist frequency, relative to the input rate.
  const cutoff = Math.min(1, to / from) * 0.92;
  const half = Math.ceil(HALF_TAPS / cutoff);
  const table = kernel(cutoff, half);
  const n = Math.floor(x.length / ratio);
  const len = x.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i * ratio;
    const center = t | 0;
    const lo = Math.max(0, center - half + 1);
    const hi = Math.min(len - 1, center + half);
    let acc = 0;
    let norm = 0;
    for (let k = lo; k <= hi; k++) {
      const h = table[((t - k + half) * PHASES + 0.5) | 0] as number;
      acc += (x[k] as number) * h;
      norm += h;
    }
    y[i] = norm !== 0 ? acc / norm : 0;
  }
  return y;
}

const kernels = new Map<string, Float64Array>();

function kernel(cutoff: number, half: number): Float64Array {
  const key = `${cutoff}/${half}`;
  let t = kernels.get(key);
  if (t) return t;
  t = new Float64Array(2 * half * PHASES + 1);
  for (let j = 0; j < t.length; j++) {
    const d = j / PHASES - half;
    const arg = Math.PI * cutoff * d;
    const sinc = d === 0 ? 1 : Math.sin(arg) / arg;
    // Blackman window over the kernel span.
    const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / half) + 0.08 * Math.cos((2 * Math.PI * d) / half);
    t[j] = sinc * w;
  }
  kernels.set(key, t);
  return t;
}
