/** The small rules behind the admin pages: registration status, CSV cells, filter dates, mail texts. */
import { bulkLinksCsv, csvCell } from '../../src/services/enrollment/bulk-links';
import { enrollmentMail, mailLanguage } from '../../src/services/mail/templates';
import { coverageOf, registrationStatus } from '../../src/services/users/registration';
import { parseDay } from '../../src/web/attempt-filter';

const NOW = 1_800_000_000_000;
const facts = (f: Partial<Parameters<typeof registrationStatus>[0]>) => ({
  blockedUntil: null,
  methods: 0,
  verifiedMethods: 0,
  openLinks: 0,
  ...f,
});

describe('registration status', () => {
  it('blocked wins, then verified, then pending (phone or open link), else none', () => {
    expect(registrationStatus(facts({}), NOW)).toBe('none');
    expect(registrationStatus(facts({ openLinks: 1 }), NOW)).toBe('pending');
    expect(registrationStatus(facts({ methods: 1 }), NOW)).toBe('pending');
    expect(registrationStatus(facts({ methods: 2, verifiedMethods: 1 }), NOW)).toBe('verified');
    expect(registrationStatus(facts({ methods: 1, verifiedMethods: 1, blockedUntil: NOW + 1 }), NOW)).toBe('blocked');
    // A block that has ended no longer counts.
    expect(registrationStatus(facts({ methods: 1, verifiedMethods: 1, blockedUntil: NOW }), NOW)).toBe('verified');
    expect(coverageOf(['none', 'verified', 'verified', 'blocked'])).toEqual({
      none: 1,
      pending: 0,
      verified: 2,
      blocked: 1,
      total: 4,
    });
  });
});

describe('CSV of enrollment links', () => {
  it('quotes per RFC 4180 and neutralises spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    for (const f of ['=1+1', '+1', '-1', '@SUM(A1)']) expect(csvCell(f).startsWith("'")).toBe(true);
    const csv = bulkLinksCsv([
      {
        userId: 'u1',
        username: 'åsa',
        displayName: 'Åsa Öberg',
        email: null,
        language: 'sv-SE',
        url: 'https://x/enroll/t',
        expiresAt: Date.UTC(2027, 0, 2, 3, 4, 5),
      },
    ]);
    expect(csv).toBe(
      '\uFEFFusername,displayName,email,language,enrollmentUrl,expiresAt\r\nåsa,Åsa Öberg,,sv-SE,https://x/enroll/t,2027-01-02T03:04:05.000Z\r\n',
    );
  });
});

describe('filter dates', () => {
  it('accepts real calendar days only', () => {
    expect(Number.isFinite(parseDay('2026-02-28'))).toBe(true);
    for (const bad of ['2026-02-30', '2026-13-01', '26-01-01', 'yesterday', '2026-1-1'])
      expect([bad, Number.isFinite(parseDay(bad))]).toEqual([bad, false]);
  });
});

describe('enrollment mail texts', () => {
  it('follows the user language, Swedish for sv-*, English otherwise', () => {
    expect(mailLanguage('sv-SE')).toBe('sv');
    expect(mailLanguage('SV')).toBe('sv');
    expect(mailLanguage('en-US')).toBe('en');
    expect(mailLanguage('fi-FI')).toBe('en');
    const vars = { name: 'Åsa', company: 'Exempel AB', url: 'https://x/enroll/t', expiresAt: NOW };
    const sv = enrollmentMail('sv', vars);
    const en = enrollmentMail('en', vars);
    expect(sv.text).toContain('https://x/enroll/t');
    expect(sv.text).toContain('Länken kan användas en gång och gäller till');
    expect(en.text).toContain('The link works once and is valid until');
    expect(sv.subject).not.toBe(en.subject);
  });
});
