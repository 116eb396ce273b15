import { listCountries, parseExtension, parsePhone } from '../../src/domain/phone';

function ok(input: string, opts: Parameters<typeof parsePhone>[1] = { country: 'SE' }) {
  const r = parsePhone(input, opts);
  if (!r.ok) throw new Error(`expected ${input} to parse: ${r.code} ${r.message.en}`);
  return r;
}

describe('parsing what people type', () => {
  it.each([
    ['08-123 456 78', '+46812345678', null],
    ['+46 8 123 456 78 ext. 123', '+46812345678', '123'],
    ['+46812345678 x123', '+46812345678', '123'],
    ['tel:+46-8-12345678;ext=123', '+46812345678', '123'],
    ['08-123 456 78 ext 12', '+46812345678', '12'],
    ['08 123 456 78 anknytning 4711', '+46812345678', '4711'],
    ['(08) 123 456 78', '+46812345678', null],
    ['0046 8 123 456 78', '+46812345678', null],
  ])('%s → %s ext %s', (input, e164, ext) => {
    const r = ok(input);
    expect([r.e164, r.extension, r.country, r.type]).toEqual([e164, ext, 'SE', 'fixed-line']);
    expect(r.national).toBe('08-123 456 78');
    expect(r.international).toBe('+46 8 123 456 78');
  });

  it('takes the extension from its own field, with pauses', () => {
    const r = ok('08-123 456 78', { country: 'SE', extension: '9,,1234#' });
    expect(r.extension).toBe('9,,1234#');
    expect(r.extensionSteps).toEqual([
      { kind: 'digits', digits: '9' },
      { kind: 'pause', ms: 2000 },
      { kind: 'digits', digits: '1234#' },
    ]);
  });

  it('accepts the same extension inline and in the field, refuses two different ones', () => {
    expect(ok('08-123 456 78 x12', { country: 'SE', extension: '12' }).extension).toBe('12');
    const r = parsePhone('08-123 456 78 x12', { country: 'SE', extension: '13' });
    expect(r).toMatchObject({ ok: false, code: 'extension-conflict', field: 'extension' });
  });

  it('knows number types from the full metadata', () => {
    expect(ok('070-123 45 67').type).toBe('mobile');
    expect(ok('0939-123 456').type).toBe('premium-rate');
    expect(ok('0900-123 45 67').type).toBe('premium-rate');
    expect(ok('0944-123 456').type).toBe('premium-rate');
    expect(ok('0771-123 456').type).toBe('shared-cost');
    expect(ok('075-123 45 67').type).toBe('personal');
    expect(ok('020-12 34 56').type).toBe('toll-free');
    expect(ok('09065 123456', { country: 'GB' }).type).toBe('premium-rate');
    expect(ok('0870 1234567', { country: 'GB' }).type).toBe('premium-rate');
    expect(ok('020 7946 0000', { country: 'GB' })).toMatchObject({
      type: 'fixed-line',
      country: 'GB',
      e164: '+442079460000',
    });
  });

  it('parses a number with + regardless of the default country', () => {
    expect(ok('+44 20 7946 0000', { country: 'SE' }).country).toBe('GB');
    expect(ok('+46 8 123 456 78', {}).country).toBe('SE');
  });

  it.each([
    ['', 'empty', 'number'],
    ['   ', 'empty', 'number'],
    ['anna', 'not-a-number', 'number'],
    ['08-CALL-ME', 'not-a-number', 'number'],
    ['08', 'too-short', 'number'],
    ['08 123 456 789 123 456', 'too-long', 'number'],
    ['+999 123 456', 'unknown-calling-code', 'number'],
    ['08-123 456 78 ext 1W2', 'extension-invalid-character', 'number'],
  ])('%j is refused with %s', (input, code, field) => {
    expect(parsePhone(input, { country: 'SE' })).toMatchObject({ ok: false, code, field });
  });

  it('refuses a number without country information, and an unknown country', () => {
    expect(parsePhone('08-123 456 78', {})).toMatchObject({ ok: false, code: 'invalid-country' });
    expect(parsePhone('08-123 456 78', { country: 'XX' })).toMatchObject({
      ok: false,
      code: 'invalid-country',
      field: 'country',
    });
  });

  it('says what is wrong in Swedish and English, naming the country', () => {
    const r = parsePhone('08-12', { country: 'SE' });
    if (r.ok) throw new Error('expected failure');
    expect(r.message.sv).toMatch(/för kort.*i Sverige/);
    expect(r.message.en).toMatch(/too short.*in Sweden/);
    const bad = parsePhone('0123', { country: 'SE', extension: 'abc' });
    if (bad.ok) throw new Error('expected failure');
    expect(bad.message.sv).toContain('Anknytningen');
  });

  it('rejects a valid-length number that is not in the numbering plan', () => {
    // +46 10 is a valid range, +46 6x with 5 digits after the area code is not.
    expect(parsePhone('+46 69 00 00', {})).toMatchObject({ ok: false });
  });
});

describe('extension syntax', () => {
  it('allows digits, *, #, comma and w; normalises spaces and dashes', () => {
    expect(parseExtension('12 34')).toMatchObject({ ok: true, extension: '1234' });
    expect(parseExtension('*9w#12')).toMatchObject({ ok: true, durationPauseMs: 500 });
    expect(parseExtension(',,w')).toMatchObject({ ok: false, code: 'extension-no-digits' });
    expect(parseExtension('1'.repeat(33))).toMatchObject({ ok: false, code: 'extension-too-long' });
    const w = parseExtension('12W3');
    expect(w).toMatchObject({ ok: false, code: 'extension-invalid-character' });
    if (!w.ok) expect(w.message.en).toMatch(/use w for a half-second pause/);
  });
});

describe('country list', () => {
  it('has names in sv and en with calling codes, sorted by name', () => {
    const sv = listCountries('sv');
    const en = listCountries('en');
    expect(sv.length).toBeGreaterThan(200);
    expect(sv.find((c) => c.code === 'SE')).toEqual({ code: 'SE', name: 'Sverige', callingCode: '46' });
    expect(en.find((c) => c.code === 'DE')).toEqual({ code: 'DE', name: 'Germany', callingCode: '49' });
    expect(sv.find((c) => c.code === 'DE')?.name).toBe('Tyskland');
    const names = sv.map((c) => c.name);
    expect([...names].sort(new Intl.Collator('sv-SE').compare)).toEqual(names);
  });
});
