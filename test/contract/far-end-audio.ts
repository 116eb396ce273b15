/**
 * What a contract far end makes of the RTP it receives, independent of fyrkant's own media code:
 * G.711 decoded with the `alawmulaw` package, tones measured with a plain Goertzel filter per 20 ms
 * frame. Encrypted (SRTP) payloads decode to noise, so they show up as no tone at all.
 */
import { alaw, mulaw } from 'alawmulaw';

const RATE = 8000;
const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];
/** The contract prompts are a 440 Hz sine (both harnesses render them so). */
export const PROMPT_HZ = 440;

function goertzelPower(x: Int16Array, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  // |X|² scaled so a full sine of amplitude A gives about (A²/4)·N²; normalise by N²/2 → A²/2.
  return ((s1 * s1 + s2 * s2 - k * s1 * s2) * 2) / (x.length * x.length);
}

function meanSquare(x: Int16Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return e / x.length;
}

export interface AudioReport {
  /** RTP packets received, and their payload types (sorted, distinct). */
  readonly packets: number;
  readonly payloadTypes: readonly number[];
  /** Milliseconds of received audio in which the prompt's 440 Hz tone clearly dominates. */
  readonly promptToneMs: number;
  /** Digits heard as tones in the audio (Q.23 pairs, ≥ 40 ms). */
  readonly inbandDigits: string;
}

/** Collects one call's received RTP audio (PT 0/8) frame by frame. */
export class FarEndAudio {
  private packets = 0;
  private readonly pts = new Set<number>();
  private toneFrames = 0;
  private digits = '';
  private current: string | undefined;
  private run = 0;
  private reported = false;

  push(pt: number, payload: Buffer): void {
    this.packets++;
    this.pts.add(pt);
    if ((pt !== 0 && pt !== 8) || payload.length === 0) return;
    const pcm = pt === 0 ? mulaw.decode(new Uint8Array(payload)) : alaw.decode(new Uint8Array(payload));
    this.frame(pcm);
  }

  private frame(pcm: Int16Array): void {
    const total = meanSquare(pcm);
    const loud = total > 100 * 100; // about −50 dBov: clearly more than idle noise
    if (loud && goertzelPower(pcm, PROMPT_HZ) / total > 0.7) this.toneFrames++;
    const digit = loud ? this.dtmf(pcm, total) : undefined;
    if (digit && digit === this.current) {
      this.run++;
      if (this.run >= 2 && !this.reported) {
        this.digits += digit;
        this.reported = true;
      }
    } else {
      this.current = digit;
      this.run = digit ? 1 : 0;
      this.reported = false;
    }
  }

  private dtmf(pcm: Int16Array, total: number): string | undefined {
    const best = (freqs: number[]) => {
      const p = freqs.map((f) => goertzelPower(pcm, f));
      const i = p.indexOf(Math.max(...p));
      return { i, p: p[i]! };
    };
    const r = best(ROWS);
    const c = best(COLS);
    if ((r.p + c.p) / total < 0.6) return undefined;
    return KEYPAD[r.i]?.[c.i];
  }

  report(): AudioReport {
    return {
      packets: this.packets,
      payloadTypes: [...this.pts].sort((a, b) => a - b),
      promptToneMs: this.toneFrames * 20,
      inbandDigits: this.digits,
    };
  }
}
