/**
 * A phone that reports each key press twice — RFC 4733 events and the tones left in the audio — fed
 * through the real receiver, detector and merger: one digit per press must come out.
 */
import {
  DtmfMerger,
  InbandDetector,
  Rfc4733Receiver,
  Rfc4733Sender,
  ToneGenerator,
} from '../../src/telephony/embedded/media/dtmf';
import type { DtmfEvent } from '../../src/telephony/port';
import { digitsOf, seededRandom } from './helpers';

interface Scenario {
  dial: string;
  toneMs: number;
  gapMs: number;
  /** Extra delay of the audio path against the event packets (e.g. a jitter buffer), ms. */
  audioDelayMs: number;
  /** Probability of losing an RFC 4733 packet. */
  loss: number;
  seed: number;
}

function simulate(s: Scenario): DtmfEvent[] {
  const out: DtmfEvent[] = [];
  const merger = new DtmfMerger({ onDigit: (e) => out.push(e) });
  const rx = new Rfc4733Receiver({ payloadType: 101, onDigit: (e) => merger.push(e) });
  const det = new InbandDetector({ onDigit: (e) => merger.push(e) });
  const sender = new Rfc4733Sender(s.dial, { startTimestamp: 1, toneMs: s.toneMs, gapMs: s.gapMs });
  const tones = new ToneGenerator(s.dial, { toneMs: s.toneMs, gapMs: s.gapMs });
  const frame = new Int16Array(160);
  const rnd = seededRandom(s.seed);
  const delayTicks = Math.round(s.audioDelayMs / 20);
  const t0 = 1_700_000_000_000;
  for (let n = 0; n < sender.totalTicks + 60; n++) {
    const now = t0 + n * 20;
    const t = sender.at(n);
    if (t.kind === 'event' && rnd() >= s.loss) {
      rx.onPacket({ payloadType: 101, sequence: n, timestamp: t.timestamp, marker: t.marker, payload: t.payload }, now);
    }
    rx.poll(now);
    tones.fill(frame, (n - delayTicks) * 160);
    det.onSamples(frame, now);
  }
  return out;
}

describe('RFC 4733 + in-band for the same key presses', () => {
  it('yields one digit per press, tagged with the source that reported it first', () => {
    const out = simulate({ dial: '1001#', toneMs: 100, gapMs: 100, audioDelayMs: 0, loss: 0, seed: 1 });
    expect(digitsOf(out)).toBe('1001#');
    expect(new Set(out.map((e) => e.source))).toEqual(new Set(['rfc4733']));
  });

  it('holds for tight timing, audio delay and lost event packets (in-band then reports first)', () => {
    const firstSources = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      for (const [toneMs, gapMs] of [
        [60, 60],
        [100, 100],
        [250, 80],
      ] as const) {
        for (const audioDelayMs of [0, 60, 200]) {
          const s = { dial: '1001##0', toneMs, gapMs, audioDelayMs, loss: 0.3, seed };
          const out = simulate(s);
          for (const e of out) firstSources.add(e.source);
          expect({ ...s, got: digitsOf(out) }).toEqual({ ...s, got: '1001##0' });
        }
      }
    }
    // Both orders happened: sometimes the event packets won, sometimes the tones.
    expect(firstSources).toEqual(new Set(['rfc4733', 'inband']));
  });
});
