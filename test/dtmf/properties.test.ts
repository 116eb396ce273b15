/** Property tests over random inputs: what must hold for every dial string, press sequence or byte soup. */
import fc from 'fast-check';
import {
  DialStringError,
  DtmfMerger,
  InbandDetector,
  planDigits,
  Rfc4733Receiver,
  Rfc4733Sender,
} from '../../src/telephony/embedded/media/dtmf';
import { DTMF_DIGITS, type DtmfDigit, type DtmfEvent, type DtmfSource } from '../../src/telephony/port';
import { digitsOf } from './helpers';

const digit = fc.constantFrom(...DTMF_DIGITS);

describe('properties', () => {
  it('any dial string either plans cleanly or fails with DialStringError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.integer({ min: 0, max: 6000 }),
        fc.integer({ min: 0, max: 11_000 }),
        (s, toneMs, gapMs) => {
          try {
            const plan = planDigits(s, { toneMs, gapMs });
            let t = 0;
            for (const step of plan.steps) {
              expect(step.startMs).toBe(t);
              t += step.durationMs;
            }
            expect(plan.totalMs).toBe(t);
          } catch (e) {
            expect(e).toBeInstanceOf(DialStringError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('sender → receiver reproduces any valid dial string', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 8, arbitrary: digit }, { weight: 1, arbitrary: fc.constantFrom(',', 'w') }), {
          maxLength: 20,
        }),
        fc.integer({ min: 40, max: 400 }),
        fc.integer({ min: 40, max: 300 }),
        fc.nat(0xffffffff),
        (chars, toneMs, gapMs, startTimestamp) => {
          const dial = chars.join('');
          const sender = new Rfc4733Sender(dial, { toneMs, gapMs, startTimestamp });
          const events: DtmfEvent[] = [];
          const rx = new Rfc4733Receiver({ payloadType: 101, onDigit: (e) => events.push(e) });
          for (let n = 0; ; n++) {
            const t = sender.at(n);
            if (t.kind === 'done') break;
            if (t.kind === 'event') {
              rx.onPacket(
                { payloadType: 101, sequence: n, timestamp: t.timestamp, marker: t.marker, payload: t.payload },
                n * 20,
              );
            }
            rx.poll(n * 20);
          }
          rx.poll(1e12);
          expect(digitsOf(events)).toBe(dial.replace(/[,w]/g, ''));
          for (const e of events) expect(Math.abs(e.durationMs! - toneMs)).toBeLessThanOrEqual(10);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the merger yields each press once when two sources report every press with skewed latency', () => {
    const press = fc.record({
      digit: fc.constantFrom<DtmfDigit>('0', '#'),
      durationMs: fc.integer({ min: 40, max: 300 }),
      gapMs: fc.integer({ min: 40, max: 400 }),
    });
    const sourcePair = fc.constantFrom<[DtmfSource, DtmfSource]>(
      ['rfc4733', 'inband'],
      ['rfc4733', 'info'],
      ['info', 'inband'],
    );
    fc.assert(
      fc.property(
        fc.array(press, { minLength: 1, maxLength: 12 }),
        sourcePair,
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 48, maxLength: 48 }),
        (presses, [a, b], lat) => {
          const reports: { e: DtmfEvent; order: number }[] = [];
          let t = 0;
          let last: Record<string, number> = { a: -1, b: -1 };
          presses.forEach((p, i) => {
            t += p.gapMs;
            const end = t + p.durationMs;
            t = end;
            // Each source reports in press order (its own latency may vary, never reorders its own presses).
            for (const [key, source, l] of [
              ['a', a, lat[i * 2]!],
              ['b', b, lat[i * 2 + 1]!],
            ] as const) {
              const at = Math.max(end + l, last[key]! + 1);
              last = { ...last, [key]: at };
              reports.push({ e: { digit: p.digit, source, at, durationMs: p.durationMs }, order: reports.length });
            }
          });
          reports.sort((x, y) => x.e.at - y.e.at || x.order - y.order);
          const out: DtmfEvent[] = [];
          const m = new DtmfMerger({ onDigit: (e) => out.push(e) });
          for (const r of reports) m.push(r.e);
          expect(digitsOf(out)).toBe(presses.map((p) => p.digit).join(''));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('the in-band detector survives any sample soup and chunking without throwing or stalling', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }),
        fc.nat(),
        (chunks, seed) => {
          const det = new InbandDetector({ onDigit: (e) => expect(DTMF_DIGITS).toContain(e.digit) });
          let x = seed;
          let now = 0;
          for (const [len, kind] of chunks) {
            const pcm = new Int16Array(len);
            for (let i = 0; i < len; i++) {
              x = (Math.imul(x, 1103515245) + 12345) >>> 0;
              pcm[i] = kind === 0 ? 0 : kind === 1 ? (x >>> 16) - 32768 : kind === 2 ? 32767 : -32768;
            }
            now += len / 8;
            det.onSamples(pcm, now);
            const bytes = new Uint8Array(pcm.buffer);
            det.onMulaw(bytes, now, 3, Math.max(0, bytes.length - 5));
            det.onAlaw(bytes, now, bytes.length + 10, 4);
          }
          det.flush(now);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
