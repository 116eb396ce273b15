import { DtmfMerger } from '../../src/telephony/embedded/media/dtmf';
import type { DtmfDigit, DtmfEvent, DtmfSource } from '../../src/telephony/port';
import { digitsOf } from './helpers';

const ev = (digit: DtmfDigit, source: DtmfSource, at: number, durationMs?: number): DtmfEvent =>
  durationMs === undefined ? { digit, source, at } : { digit, source, at, durationMs };

function merge(events: DtmfEvent[], windowMs?: number) {
  const out: DtmfEvent[] = [];
  const m = new DtmfMerger({ windowMs, onDigit: (e) => out.push(e) });
  const accepted = events.map((e) => m.push(e));
  return { out, accepted, m };
}

describe('DtmfMerger', () => {
  it('passes every digit of a single source through, repeated digits included', () => {
    const { out } = merge([
      ev('1', 'rfc4733', 0, 100),
      ev('0', 'rfc4733', 200, 100),
      ev('0', 'rfc4733', 300, 80),
      ev('1', 'rfc4733', 500, 100),
    ]);
    expect(digitsOf(out)).toBe('1001');
  });

  it('drops the in-band copy of a key press also sent as RFC 4733, and tags the first source', () => {
    const { out, accepted, m } = merge([ev('#', 'rfc4733', 1100, 100), ev('#', 'inband', 1140, 110)]);
    expect(out).toEqual([ev('#', 'rfc4733', 1100, 100)]);
    expect(accepted).toEqual([true, false]);
    expect(m.suppressed.inband).toBe(1);
  });

  it('drops an INFO copy arriving before the RFC 4733 report (INFO sent at key down)', () => {
    const { out } = merge([ev('5', 'info', 1000, 250), ev('5', 'rfc4733', 1260, 250)]);
    expect(out).toEqual([ev('5', 'info', 1000, 250)]);
  });

  it('pairs repeated digits press by press when two sources report them', () => {
    // "00" from RFC 4733 and in-band, reports interleaved in different orders.
    const a = merge([
      ev('0', 'rfc4733', 100, 80),
      ev('0', 'inband', 130, 90),
      ev('0', 'rfc4733', 260, 80),
      ev('0', 'inband', 300, 90),
    ]);
    expect(digitsOf(a.out)).toBe('00');
    const b = merge([
      ev('0', 'rfc4733', 100, 80),
      ev('0', 'rfc4733', 260, 80),
      ev('0', 'inband', 290, 90),
      ev('0', 'inband', 450, 90),
    ]);
    expect(digitsOf(b.out)).toBe('00');
    expect(b.m.suppressed.inband).toBe(2);
  });

  it('keeps the same digit from another source when it is outside the window', () => {
    const { out } = merge([ev('#', 'rfc4733', 1000, 100), ev('#', 'info', 3000, 250)]);
    expect(out.map((e) => e.source)).toEqual(['rfc4733', 'info']);
  });

  it('keeps different digits from different sources', () => {
    const { out } = merge([ev('1', 'rfc4733', 1000, 100), ev('2', 'inband', 1010, 100)]);
    expect(digitsOf(out)).toBe('12');
  });

  it('honours a configured window', () => {
    expect(digitsOf(merge([ev('#', 'rfc4733', 1000, 100), ev('#', 'inband', 1300, 100)], 100).out)).toBe('##');
    expect(digitsOf(merge([ev('#', 'rfc4733', 1000, 100), ev('#', 'inband', 1300, 100)], 500).out)).toBe('#');
  });

  it('handles all three sources for one key press', () => {
    const { out } = merge([ev('#', 'info', 1000, 250), ev('#', 'rfc4733', 1250, 240), ev('#', 'inband', 1290, 250)]);
    expect(out).toHaveLength(1);
  });
});
