/** The username / display-name rule (issue 13): NFKC, nothing invisible or deceptive, one script. */
import { checkDisplayName, checkUsername, normaliseUsername } from '../../src/domain/identity-text';

const code = (s: string) => {
  const r = checkUsername(s);
  return r.ok ? `ok:${r.value}` : r.code;
};

describe('checkUsername', () => {
  it('accepts ordinary usernames in one script, and the mixes UTS #39 allows', () => {
    for (const u of [
      'anna',
      'anna.berg@example.se',
      'Åsa_Öberg-2',
      'сергей',
      'δημήτρης',
      '山田太郎',
      'yamada山田たろう',
      '김민준kim',
    ])
      expect(code(u)).toBe(`ok:${u}`);
  });

  it('NFKC-normalises: full-width letters, ligatures and compatibility forms fold', () => {
    expect(code('ａｎｎａ')).toBe('ok:anna');
    expect(code('ﬁnn')).toBe('ok:finn');
    expect(code('A\u030Asa')).toBe('ok:Åsa'); // combining ring composes
    expect(normaliseUsername('ｂｏｂ')).toBe('bob');
  });

  it.each([
    ['zero-width space', 'an\u200Bna', 'invisible-character', 'U+200B'],
    ['zero-width joiner', 'an\u200Dna', 'invisible-character', 'U+200D'],
    ['zero-width non-joiner', 'an\u200Cna', 'invisible-character', 'U+200C'],
    ['BOM / ZWNBSP', '\uFEFFanna', 'invisible-character', 'U+FEFF'],
    ['soft hyphen', 'an\u00ADna', 'invisible-character', 'U+00AD'],
    ['word joiner', 'an\u2060na', 'invisible-character', 'U+2060'],
    ['Hangul filler (NFKC: U+1160)', 'anna\u3164', 'invisible-character', 'U+1160'],
    ['variation selector', 'anna\uFE0F', 'invisible-character', 'U+FE0F'],
    ['right-to-left override', 'anna\u202Egpj.exe', 'bidi-control', 'U+202E'],
    ['left-to-right isolate', '\u2066anna', 'bidi-control', 'U+2066'],
    ['right-to-left mark', 'anna\u200F', 'bidi-control', 'U+200F'],
    ['control character', 'an\u0007na', 'control-character', 'U+0007'],
    ['NUL', 'anna\u0000', 'control-character', 'U+0000'],
    ['space', 'anna berg', 'whitespace', 'U+0020'],
    ['no-break space (NFKC: a space)', 'anna\u00A0berg', 'whitespace', 'U+0020'],
    ['ideographic space', 'anna\u3000berg', 'whitespace', 'U+0020'], // NFKC folds U+3000 to a space
  ])('refuses a %s, naming the character in sv and en', (_what, input, expected, cp) => {
    const r = checkUsername(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(expected);
    expect(r.message.en).toContain(cp);
    expect(r.message.sv).toContain(cp);
    expect(r.message.sv).toMatch(/Användarnamnet/);
  });

  it('refuses mixed-script confusables and wholly look-alike Cyrillic/Greek names', () => {
    expect(code('pаypal')).toBe('mixed-script'); // Cyrillic а in Latin
    expect(code('admіn')).toBe('mixed-script'); // Cyrillic і
    expect(code('Αlice')).toBe('mixed-script'); // Greek Alpha
    expect(code('аsе')).toBe('mixed-script'); // Cyrillic а, е + Latin s
    expect(code('асе')).toBe('confusable'); // all Cyrillic, all Latin look-alikes
    expect(code('ΑΒΕ')).toBe('confusable');
    const r = checkUsername('pаypal');
    expect(!r.ok && r.message.en).toContain('Latin, Cyrillic');
    expect(!r.ok && r.message.sv).toContain('blandar skriftsystem');
  });

  it('refuses empty and over-long usernames', () => {
    expect(code('')).toBe('required');
    expect(code('a'.repeat(201))).toBe('too-long');
    expect(code('a'.repeat(200))).toBe(`ok:${'a'.repeat(200)}`);
  });
});

describe('checkDisplayName', () => {
  it('accepts any printable name, emoji with joiners included, trimmed', () => {
    expect(checkDisplayName('  Anna Berg  ')).toEqual({ ok: true, value: 'Anna Berg' });
    expect(checkDisplayName('👩‍💻 Kim Ström')).toEqual({ ok: true, value: '👩‍💻 Kim Ström' });
    expect(checkDisplayName('')).toEqual({ ok: true, value: '' });
  });

  it('refuses control characters and bidi controls, in sv and en', () => {
    for (const [input, expected] of [
      ['Anna\nBerg', 'control-character'],
      ['Anna\u0000', 'control-character'],
      ['Anna\u001B[31m', 'control-character'],
      ['Anna \u202Enimda', 'bidi-control'],
    ] as const) {
      const r = checkDisplayName(input);
      expect(r.ok ? 'ok' : r.code).toBe(expected);
      if (!r.ok) expect(r.message.sv).toMatch(/^Namnet /);
    }
    expect(checkDisplayName('x'.repeat(201)).ok).toBe(false);
  });
});
