import { DialFailure, isDtmfDigit } from '../../src/telephony/port';

describe('telephony port types', () => {
  it('recognises the 16 DTMF digits and nothing else', () => {
    for (const d of '0123456789*#ABCD') expect(isDtmfDigit(d)).toBe(true);
    for (const d of ['a', 'E', '', '##', ' ']) expect(isDtmfDigit(d)).toBe(false);
  });
  it('carries the SIP status on a dial failure', () => {
    const f = new DialFailure('busy', 'callee busy', 486, 'Busy Here');
    expect(f).toBeInstanceOf(Error);
    expect([f.reason, f.sipStatus, f.sipReason]).toEqual(['busy', 486, 'Busy Here']);
  });
});
