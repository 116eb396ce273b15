import { chooseLanguage, fromAcceptLanguage, interpolate, messages } from '../../src/web/i18n';
import { en } from '../../src/web/i18n/en';
import { sv } from '../../src/web/i18n/sv';

const placeholders = (s: string) => [...s.matchAll(/\{([a-zA-Z0-9_]+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('have the same keys in Swedish and English', () => {
    expect(Object.keys(sv).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect([key, placeholders(sv[key])]).toEqual([key, placeholders(en[key])]);
    }
  });

  it('have no empty texts and Swedish texts that differ from English where words are involved', () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => sv[k] === en[k]);
    for (const k of Object.keys(en) as (keyof typeof en)[]) expect(sv[k].trim()).not.toBe('');
    // Names, codes and the brand are the same in both languages; prose is not.
    expect(same.sort()).toEqual(
      [
        'admin.nav', // "Administration"
        'admin.nav.entra', // "Entra ID", a product name
        'admin.title',
        'app.name',
        'att.backend',
        'att.callId',
        'att.col.fyrkant',
        'common.none',
        'dash.backend',
        'lang.en',
        'lang.sv',
        'scripts.col.status', // "Status"
        'scripts.col.version',
        'sec.col.status',
        // Protocol names: "RADIUS", "Message-Authenticator".
        'admin.nav.radius',
        'radius.col.mac',
        // issue 19: the nodes card — "Status" and protocol names.
        'dash.nodes.col.status',
        'dash.nodes.col.http',
        'dash.nodes.col.sip',
        'radius.title',
        // issue 18b: placeholders only ("{verified} / {total}", "{user}, {time}"), and "Webhook".
        'adm.users.phonesValue',
        'adm.fraud.report',
        'adm.keys.webhook',
      ].sort(),
    );
  });

  it('follows the seed wording for the three steps', () => {
    const m = messages('sv');
    expect(m.t('enroll.step1')).toBe('Steg 1: Hur ska vi kontakta dig?');
    expect(m.t('enroll.step3')).toBe('Steg 3: Fortsätt att använda dina befintliga program');
    expect(messages('en').t('enroll.step2')).toBe("Step 2: We're calling your phone");
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('Call {number} now {x}', { number: '+46 8 123' })).toBe('Call +46 8 123 now {x}');
    expect(messages('sv').t('call.rateLimited', { seconds: 30 })).toContain('30 sekunder');
  });
});

describe('language choice', () => {
  it('reads Accept-Language with quality values and regions', () => {
    expect(fromAcceptLanguage('sv-SE,sv;q=0.9,en-US;q=0.8')).toBe('sv');
    expect(fromAcceptLanguage('de-DE,en;q=0.5,sv;q=0.4')).toBe('en');
    expect(fromAcceptLanguage('en;q=0.2, sv;q=0.9')).toBe('sv');
    expect(fromAcceptLanguage('fr, de')).toBeUndefined();
    expect(fromAcceptLanguage('sv;q=0, en')).toBe('en');
    expect(fromAcceptLanguage('')).toBeUndefined();
    expect(fromAcceptLanguage(';;;,q=,=')).toBeUndefined();
  });

  it('prefers the explicit switch, then the cookie, then the browser, then the default', () => {
    expect(chooseLanguage({ query: 'en', cookie: 'sv', acceptLanguage: 'sv', fallback: 'sv' })).toBe('en');
    expect(chooseLanguage({ query: 'xx', cookie: 'en', acceptLanguage: 'sv', fallback: 'sv' })).toBe('en');
    expect(chooseLanguage({ cookie: 'bogus', acceptLanguage: 'en-GB', fallback: 'sv' })).toBe('en');
    expect(chooseLanguage({ acceptLanguage: 'fi', fallback: 'sv' })).toBe('sv');
  });
});
