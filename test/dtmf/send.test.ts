import {
  DialStringError,
  planDigits,
  Rfc4733Receiver,
  Rfc4733Sender,
  type Rfc4733Tick,
  ToneGenerator,
} from '../../src/telephony/embedded/media/dtmf';
import { DTMF_DIGITS, type DtmfEvent } from '../../src/telephony/port';
import { detect } from './audio';
import { digitsOf, seededRandom } from './helpers';

interface Sent {
  tick: number;
  timestamp: number;
  marker: boolean;
  end: boolean;
  code: number;
  duration: number;
  payload: Uint8Array;
}

function collect(sender: Rfc4733Sender): { sent: Sent[]; audioTicks: number[]; doneAt: number } {
  const sent: Sent[] = [];
  const audioTicks: number[] = [];
  for (let n = 0; ; n++) {
    const t: Rfc4733Tick = sender.at(n);
    if (t.kind === 'done') return { sent, audioTicks, doneAt: n };
    if (t.kind === 'audio') audioTicks.push(n);
    else {
      const p = t.payload;
      sent.push({
        tick: n,
        timestamp: t.timestamp,
        marker: t.marker,
        end: t.end,
        code: p[0]!,
        duration: (p[2]! << 8) | p[3]!,
        payload: new Uint8Array(p),
      });
    }
  }
}

describe('planDigits', () => {
  it('lays out tones, gaps and the , / w pauses', () => {
    const plan = planDigits('1,2w#', { toneMs: 80, gapMs: 60 });
    expect(plan.steps.map((s) => [s.kind, s.kind === 'tone' ? s.digit : '', s.startMs, s.durationMs])).toEqual([
      ['tone', '1', 0, 80],
      ['silence', '', 80, 60],
      ['silence', '', 140, 1000],
      ['tone', '2', 1140, 80],
      ['silence', '', 1220, 60],
      ['silence', '', 1280, 500],
      ['tone', '#', 1780, 80],
      ['silence', '', 1860, 60],
    ]);
    expect(plan.totalMs).toBe(1920);
    expect(
      planDigits('abcd')
        .steps.filter((s) => s.kind === 'tone')
        .map((s) => (s.kind === 'tone' ? s.digit : '')),
    ).toEqual(['A', 'B', 'C', 'D']);
  });
  it('rejects invalid characters and timings with a clear error', () => {
    expect(() => planDigits('12x4')).toThrow(DialStringError);
    expect(() => planDigits('12x4')).toThrow(/invalid character "x" at position 3/);
    expect(() => planDigits('1', { toneMs: 10 })).toThrow(/tone length/);
    expect(() => planDigits('1', { gapMs: 0 })).toThrow(/gap/);
    expect(() => planDigits('1'.repeat(65))).toThrow(/longer than/);
    expect(planDigits('').steps).toHaveLength(0);
  });
});

describe('Rfc4733Sender', () => {
  it('sends a key press as RFC 4733 describes: fixed timestamp, growing duration, marker, 3 end packets', () => {
    const { sent, audioTicks, doneAt } = collect(new Rfc4733Sender('#', { startTimestamp: 1000 }));
    expect(sent.map((s) => [s.tick, s.timestamp, s.marker, s.end, s.code, s.duration])).toEqual([
      [0, 1000, true, false, 11, 160],
      [1, 1000, false, false, 11, 320],
      [2, 1000, false, false, 11, 480],
      [3, 1000, false, false, 11, 640],
      [4, 1000, false, true, 11, 800],
      [5, 1000, false, true, 11, 800],
      [6, 1000, false, true, 11, 800],
    ]);
    expect(sent[0]!.payload[1]).toBe(10); // volume −10 dBm0, E and R clear
    expect(sent[4]!.payload[1]).toBe(0x80 | 10);
    expect(audioTicks).toEqual([7, 8, 9]);
    expect(doneAt).toBe(10);
  });

  it('starts each digit at its planned tick, honours pauses, and wraps timestamps', () => {
    const start = 0xffffff00;
    const { sent } = collect(new Rfc4733Sender('1,2w3', { startTimestamp: start, toneMs: 60, gapMs: 60 }));
    const firsts = sent.filter((s) => s.marker);
    expect(firsts.map((s) => [s.code, s.tick])).toEqual([
      [1, 0],
      [2, 6 + 50],
      [3, 6 + 50 + 6 + 25],
    ]);
    expect(firsts[1]!.timestamp).toBe((start + 56 * 160) >>> 0);
    for (const s of sent) expect(s.timestamp).toBe(firsts.find((f) => f.code === s.code)!.timestamp);
    expect(sent.filter((s) => s.end)).toHaveLength(9);
  });

  it('round-trips every digit through the receiver', () => {
    for (const digit of DTMF_DIGITS) {
      const events = loopback(new Rfc4733Sender(digit, { startTimestamp: 42 }));
      expect(events).toEqual([{ digit, source: 'rfc4733', at: expect.any(Number), durationMs: 100 }]);
    }
  });

  it('round-trips a dial string with repeated digits, also under 20 % loss', () => {
    const dial = '0123456789*#ABCD1001##';
    expect(digitsOf(loopback(new Rfc4733Sender(dial, { startTimestamp: 7 })))).toBe(dial);
    for (let seed = 1; seed <= 100; seed++) {
      const rnd = seededRandom(seed);
      const got = digitsOf(loopback(new Rfc4733Sender(dial, { startTimestamp: seed * 1000 }), () => rnd() < 0.2));
      expect({ seed, got }).toEqual({ seed, got: dial });
    }
  });
});

/** Sender → receiver as the RTP layer would wire them, one packet per 20 ms tick. */
function loopback(sender: Rfc4733Sender, drop: () => boolean = () => false): DtmfEvent[] {
  const events: DtmfEvent[] = [];
  const rx = new Rfc4733Receiver({ payloadType: 101, onDigit: (e) => events.push(e) });
  let seq = 0;
  for (let n = 0; ; n++) {
    const t = sender.at(n);
    if (t.kind === 'done') break;
    seq++;
    if (t.kind === 'event' && !drop()) {
      rx.onPacket(
        { payloadType: 101, sequence: seq, timestamp: t.timestamp, marker: t.marker, payload: t.payload },
        n * 20,
      );
    }
    rx.poll(n * 20);
  }
  for (let n = 0; n < 50; n++) rx.poll(1e6 + n * 20);
  return events;
}

describe('ToneGenerator', () => {
  it('renders the plan: tones at Q.23 levels, silence in the gaps', () => {
    const g = new ToneGenerator('5,5', { toneMs: 100, gapMs: 100 });
    const pcm = g.render();
    expect(pcm.length).toBe(g.totalSamples);
    expect(pcm.length).toBe(8 * (100 + 100 + 1000 + 100 + 100));
    const rms = (a: number, b: number) => Math.sqrt(pcm.subarray(a, b).reduce((s, v) => s + v * v, 0) / (b - a));
    // −7 and −5 dBm0 sines: RMS ≈ 22301·(10^(−7/20)² + 10^(−5/20)²)^½ / √2 ≈ 11 160.
    expect(rms(0, 800)).toBeGreaterThan(10_500);
    expect(rms(0, 800)).toBeLessThan(11_800);
    expect(rms(800, 1600 + 8000)).toBe(0);
  });
  it('fills arbitrary chunks consistently with render()', () => {
    const g = new ToneGenerator('12');
    const whole = g.render();
    const chunk = new Int16Array(160);
    for (let from = 0; from < whole.length + 320; from += 160) {
      const n = g.fill(chunk, from);
      expect(n).toBe(Math.max(0, Math.min(160, whole.length - from)));
      expect(Array.from(chunk.subarray(0, n))).toEqual(Array.from(whole.subarray(from, from + n)));
    }
  });
  it('round-trips every digit through the in-band detector, at the shortest allowed timing too', () => {
    for (const digit of DTMF_DIGITS) expect(digitsOf(detect(new ToneGenerator(digit).render()))).toBe(digit);
    const dial = '0123456789*#ABCD1001##';
    expect(digitsOf(detect(new ToneGenerator(dial).render()))).toBe(dial);
    expect(digitsOf(detect(new ToneGenerator(dial, { toneMs: 40, gapMs: 40 }).render()))).toBe(dial);
  });
});
