import { alaw, mulaw } from 'alawmulaw';
import { digitFrequencies, InbandDetector, ToneGenerator } from '../../src/telephony/embedded/media/dtmf';
import { DTMF_DIGITS, type DtmfEvent } from '../../src/telephony/port';
import { concat, detect, dualTone, mix, noise, renderSox, renderSpeech, silence, toPcm } from './audio';
import { digitsOf } from './helpers';

const digitsIn = (pcm: Int16Array, options = {}) => digitsOf(detect(pcm, options));
/** A tone framed by silence, starting `offsetSamples` into the first 10 ms block. */
const framed = (tone: Float64Array, offsetSamples = 0) =>
  toPcm(concat(silence(50), new Float64Array(offsetSamples), tone, silence(60)));

describe('InbandDetector: the 16 digits', () => {
  it.each([...DTMF_DIGITS])('detects %s once, with its duration', (digit) => {
    const f = digitFrequencies(digit);
    const events = detect(framed(dualTone({ ...f, ms: 120 })));
    expect(digitsOf(events)).toBe(digit);
    expect(events[0]!.source).toBe('inband');
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(110);
    expect(events[0]!.durationMs).toBeLessThanOrEqual(150);
  });

  it('reads a whole digit string', () => {
    const parts: Float64Array[] = [];
    for (const d of '0123456789*#ABCD') parts.push(dualTone({ ...digitFrequencies(d as '0'), ms: 80 }), silence(80));
    expect(digitsIn(toPcm(concat(...parts)))).toBe('0123456789*#ABCD');
  });
});

describe('InbandDetector: Q.24 frequency tolerance', () => {
  const signs: [number, number][] = [
    [1, 1],
    [1, -1],
    [-1, 1],
    [-1, -1],
  ];
  it.each([...DTMF_DIGITS])('%s: accepts both tones off by ±1.5 %%', (digit) => {
    const f = digitFrequencies(digit);
    for (const [sl, sh] of signs) {
      const tone = dualTone({ low: f.low * (1 + sl * 0.015), high: f.high * (1 + sh * 0.015), ms: 100 });
      expect({ sl, sh, got: digitsIn(framed(tone)) }).toEqual({ sl, sh, got: digit });
    }
  });
  it.each([...DTMF_DIGITS])('%s: rejects either tone off by ±3.5 %%', (digit) => {
    const f = digitFrequencies(digit);
    for (const s of [1, -1]) {
      const lowOff = dualTone({ low: f.low * (1 + s * 0.035), high: f.high, ms: 100 });
      const highOff = dualTone({ low: f.low, high: f.high * (1 + s * 0.035), ms: 100 });
      expect({ s, low: digitsIn(framed(lowOff)), high: digitsIn(framed(highOff)) }).toEqual({ s, low: '', high: '' });
    }
  });
});

describe('InbandDetector: twist and level', () => {
  // D = 941 + 1633 Hz: the widest spread, where twist matters most.
  const d = digitFrequencies('D');
  const twisted = (lowMinusHighDb: number) =>
    framed(dualTone({ ...d, lowDbm0: -10 + lowMinusHighDb / 2, highDbm0: -10 - lowMinusHighDb / 2, ms: 100 }));

  it('accepts normal twist (low group louder) up to 8 dB and rejects 10 dB', () => {
    expect(digitsIn(twisted(7))).toBe('D');
    expect(digitsIn(twisted(10))).toBe('');
  });
  it('accepts reverse twist (high group louder) up to 4 dB and rejects 6 dB', () => {
    expect(digitsIn(twisted(-3))).toBe('D');
    expect(digitsIn(twisted(-6))).toBe('');
  });
  it('follows configured twist limits', () => {
    expect(digitsIn(twisted(10), { normalTwistDb: 12 })).toBe('D');
    expect(digitsIn(twisted(-3), { reverseTwistDb: 2 })).toBe('');
  });
  it('detects tones down to −30 dBm0 and ignores them at −40 dBm0', () => {
    const f = digitFrequencies('5');
    expect(digitsIn(framed(dualTone({ ...f, lowDbm0: -30, highDbm0: -30, ms: 100 })))).toBe('5');
    expect(digitsIn(framed(dualTone({ ...f, lowDbm0: -40, highDbm0: -40, ms: 100 })))).toBe('');
  });
  it('rejects a single tone', () => {
    const f = digitFrequencies('1');
    expect(digitsIn(framed(dualTone({ low: f.low, high: 0, highDbm0: -100, ms: 200 })))).toBe('');
    expect(digitsIn(framed(dualTone({ low: 0, lowDbm0: -100, high: f.high, ms: 200 })))).toBe('');
  });
});

describe('InbandDetector: Q.24 timing (40 ms on / 40 ms off)', () => {
  const f = digitFrequencies('9');
  const offsets = Array.from({ length: 10 }, (_, i) => i * 8);
  it('detects a 40 ms tone at every alignment', () => {
    for (const off of offsets)
      expect({ off, got: digitsIn(framed(dualTone({ ...f, ms: 40 }), off)) }).toEqual({ off, got: '9' });
  });
  it('ignores a 20 ms tone at every alignment', () => {
    for (const off of offsets)
      expect({ off, got: digitsIn(framed(dualTone({ ...f, ms: 20 }), off)) }).toEqual({ off, got: '' });
  });
  const twoTones = (pauseMs: number, off: number) =>
    framed(concat(dualTone({ ...f, ms: 100 }), silence(pauseMs), dualTone({ ...f, ms: 100 })), off);
  it('sees two presses across a 40 ms pause', () => {
    for (const off of offsets) expect({ off, got: digitsIn(twoTones(40, off)) }).toEqual({ off, got: '99' });
  });
  it('bridges a drop-out of 20 ms or less', () => {
    for (const gap of [5, 10, 20]) {
      for (const off of offsets)
        expect({ gap, off, got: digitsIn(twoTones(gap, off)) }).toEqual({ gap, off, got: '9' });
    }
  });
  it('drops digits that begin inside a suppressUntil period (echo of our own in-band dialling)', () => {
    const events: DtmfEvent[] = [];
    const det = new InbandDetector({ onDigit: (e) => events.push(e) });
    const own = new ToneGenerator('1001').render();
    det.suppressUntil(own.length / 8 + 250);
    det.onSamples(own, own.length / 8);
    det.onSamples(
      toPcm(concat(silence(300), dualTone({ ...digitFrequencies('#'), ms: 100 }), silence(100))),
      own.length / 8 + 500,
    );
    expect(digitsOf(events)).toBe('#');
    expect(det.stats.suppressed).toBe(4);
  });

  it('reports a digit still sounding when flushed', () => {
    const events: DtmfEvent[] = [];
    const det = new InbandDetector({ onDigit: (e) => events.push(e) });
    det.onSamples(toPcm(dualTone({ ...f, ms: 200 })), 1000);
    expect(events).toHaveLength(0);
    det.flush(1000);
    expect(digitsOf(events)).toBe('9');
  });
});

describe('InbandDetector: noise, speech and music', () => {
  it('detects a digit in white noise at 20 dB SNR', () => {
    const tone = concat(
      silence(100),
      dualTone({ ...digitFrequencies('#'), lowDbm0: -12, highDbm0: -10, ms: 100 }),
      silence(100),
    );
    for (let seed = 1; seed <= 20; seed++) {
      expect({ seed, got: digitsIn(toPcm(mix(tone, noise(300, -31, seed)))) }).toEqual({ seed, got: '#' });
    }
  });
  it('reports nothing on loud white noise', () => {
    for (let seed = 1; seed <= 3; seed++) expect(digitsIn(toPcm(noise(5000, -10, seed)))).toBe('');
  });

  const sentences: [string, string][] = [
    ['sv', 'Tryck fyrkant för att verifiera.'],
    ['sv', 'Välkommen till växeln. Ditt samtal är viktigt för oss, vänligen dröj kvar.'],
    ['sv', 'Sju, åtta, nio. Sjuhundrasjuttiosju sjösjuka sjömän.'],
    ['en-us', 'Press the pound key to verify.'],
    ['en-us', 'Welcome to the company switchboard. Please hold the line while we connect your call.'],
    ['en-gb', 'One, two, three, four, five. Beep beep. Hello, operator?'],
  ];
  it('reports no digits on speech (espeak-ng, sv and en, three speeds, three levels)', () => {
    let seconds = 0;
    for (const [voice, text] of sentences) {
      for (const speed of [120, 160, 220]) {
        const speech = renderSpeech(voice, text, speed);
        expect(speech.length).toBeGreaterThan(8000);
        for (const gain of [0.3, 1, 3]) {
          const pcm = toPcm(Float64Array.from(speech), gain);
          seconds += pcm.length / 8000;
          expect({ voice, text, speed, gain, got: digitsIn(pcm) }).toEqual({ voice, text, speed, gain, got: '' });
        }
      }
    }
    expect(seconds).toBeGreaterThan(60);
  });

  it('reports no digits on music-like chords', () => {
    const chords = [
      ['pluck', 'C4', 'pluck', 'E4', 'pluck', 'G4', 'pluck', 'C5'],
      ['pluck', 'F4', 'pluck', 'A4', 'pluck', 'C5', 'pluck', 'E5'],
      ['square', 'F4', 'square', 'A4'],
      ['sawtooth', 'D4', 'sawtooth', 'F#4', 'sawtooth', 'A4'],
      ['triangle', 'E5', 'triangle', 'G#5', 'triangle', 'B5'],
    ];
    for (const chord of chords) {
      const pcm = renderSox(['synth', '2', ...chord, 'vol', '0.5']);
      expect(pcm.length).toBe(16000);
      expect({ chord: chord.join(' '), got: digitsIn(pcm) }).toEqual({ chord: chord.join(' '), got: '' });
    }
    // An arpeggio of notes with harmonics, synthesised here.
    const notes = [261.63, 329.63, 392, 523.25, 659.25, 698.46, 783.99, 880, 1046.5];
    const parts: Float64Array[] = [];
    for (let i = 0; i < 24; i++) {
      const f0 = notes[i % notes.length]!;
      const f1 = notes[(i * 5 + 2) % notes.length]!;
      const n = 1600;
      const seg = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        const env = Math.exp((-3 * t) / n);
        for (let h = 1; h <= 4; h++) {
          seg[t]! += (env * 4000 * Math.sin((2 * Math.PI * f0 * h * t) / 8000)) / h;
          seg[t]! += (env * 3000 * Math.sin((2 * Math.PI * f1 * h * t) / 8000)) / h;
        }
      }
      parts.push(seg);
    }
    expect(digitsIn(toPcm(concat(...parts)))).toBe('');
  });

  it('finds the digit pressed right after speech', () => {
    const speech = renderSpeech('sv', 'Tryck fyrkant för att verifiera.', 160);
    const tone = dualTone({ ...digitFrequencies('#'), ms: 100 });
    expect(digitsIn(toPcm(concat(Float64Array.from(speech), silence(100), tone)))).toBe('#');
  });
});

describe('InbandDetector: G.711 input and packetisation', () => {
  const pcm = new ToneGenerator('1001#').render();
  it('reads µ-law and A-law payloads (decoded with alawmulaw)', () => {
    for (const [law, encode] of [
      ['mulaw', mulaw.encode],
      ['alaw', alaw.encode],
    ] as const) {
      const bytes = encode(pcm);
      const events: DtmfEvent[] = [];
      const det = new InbandDetector({ onDigit: (e) => events.push(e) });
      for (let i = 0; i < bytes.length; i += 160) {
        const packet = bytes.subarray(i, i + 160);
        if (law === 'mulaw') det.onMulaw(packet, i / 8);
        else det.onAlaw(packet, i / 8);
      }
      det.flush(1e9);
      expect({ law, got: digitsOf(events) }).toEqual({ law, got: '1001#' });
    }
  });
  it('reads G.711 payloads in place inside datagrams', () => {
    const bytes = mulaw.encode(pcm);
    const events: DtmfEvent[] = [];
    const det = new InbandDetector({ onDigit: (e) => events.push(e) });
    const datagram = new Uint8Array(12 + 160);
    for (let i = 0; i + 160 <= bytes.length; i += 160) {
      datagram.set(bytes.subarray(i, i + 160), 12);
      det.onMulaw(datagram, i / 8, 12, 160);
    }
    det.flush(1e9);
    expect(digitsOf(events)).toBe('1001#');
  });
  it('does not depend on how the audio is chunked', () => {
    for (const chunk of [1, 7, 80, 160, 240, 1000])
      expect({ chunk, got: digitsOf(detect(pcm, {}, chunk)) }).toEqual({ chunk, got: '1001#' });
  });
});
