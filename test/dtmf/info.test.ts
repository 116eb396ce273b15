import fc from 'fast-check';
import { buildDtmfInfo, isDtmfInfoContentType, parseDtmfInfo } from '../../src/telephony/embedded/media/dtmf';
import { DTMF_DIGITS } from '../../src/telephony/port';

describe('parseDtmfInfo', () => {
  it('reads application/dtmf-relay as linphone and Cisco send it', () => {
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=#\r\nDuration=250\r\n')).toEqual({
      ok: true,
      digit: '#',
      durationMs: 250,
    });
    expect(parseDtmfInfo('Application/DTMF-Relay; charset=utf-8', 'signal= 5 \nduration=160')).toEqual({
      ok: true,
      digit: '5',
      durationMs: 160,
    });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=*')).toEqual({ ok: true, digit: '*' });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=11\r\nDuration=100')).toMatchObject({
      ok: true,
      digit: '#',
    });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=10')).toMatchObject({ ok: true, digit: '*' });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=a')).toMatchObject({ ok: true, digit: 'A' });
    // A bad duration does not lose the digit.
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=1\r\nDuration=soon')).toEqual({ ok: true, digit: '1' });
  });
  it('reads application/dtmf', () => {
    expect(parseDtmfInfo('application/dtmf', '#')).toEqual({ ok: true, digit: '#' });
    expect(parseDtmfInfo('application/dtmf', ' 7\r\n')).toEqual({ ok: true, digit: '7' });
    expect(parseDtmfInfo('application/dtmf', '11')).toEqual({ ok: true, digit: '#' });
  });
  it('explains what is wrong instead of throwing', () => {
    expect(parseDtmfInfo('application/sdp', 'v=0')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not a DTMF INFO/),
    });
    expect(parseDtmfInfo('application/dtmf-relay', 'Duration=250')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/without Signal/),
    });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=16')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/invalid Signal value "16"/),
    });
    expect(parseDtmfInfo('application/dtmf-relay', 'Signal=##')).toMatchObject({ ok: false });
    expect(parseDtmfInfo('application/dtmf', '')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/invalid application\/dtmf body/),
    });
    expect(parseDtmfInfo('application/dtmf', 'x'.repeat(5000))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/too long/),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('application/dtmf-relay', 'application/dtmf', 'text/plain', ''),
        fc.string({ maxLength: 300 }),
        (ct, body) => {
          const r = parseDtmfInfo(ct, body);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 100_000 },
    );
  });
  it('recognises the content types', () => {
    expect(isDtmfInfoContentType('application/dtmf-relay')).toBe(true);
    expect(isDtmfInfoContentType('APPLICATION/DTMF ; x=1')).toBe(true);
    expect(isDtmfInfoContentType('application/sdp')).toBe(false);
  });
});

describe('buildDtmfInfo', () => {
  it('builds bodies the parser (and linphone-style receivers) read back', () => {
    expect(buildDtmfInfo('#', 250)).toEqual({
      contentType: 'application/dtmf-relay',
      content: 'Signal=#\r\nDuration=250\r\n',
    });
    expect(buildDtmfInfo('5', 100, 'application/dtmf')).toEqual({ contentType: 'application/dtmf', content: '5' });
    for (const d of DTMF_DIGITS) {
      for (const type of ['application/dtmf-relay', 'application/dtmf'] as const) {
        const body = buildDtmfInfo(d, 160, type);
        expect(parseDtmfInfo(body.contentType, body.content)).toMatchObject({ ok: true, digit: d });
      }
    }
  });
});
