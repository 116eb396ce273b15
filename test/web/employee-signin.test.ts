/**
 * Employees sign in to Security info (issue 18a) in Chromium against real peers: a real OpenID
 * provider (npm oidc-provider, its own process) and a real OpenLDAP slapd. Each way in survives a
 * fyrkant restart without signing in again and ends with sign-out; bad OpenID Connect answers
 * (wrong state, nonce, issuer, signature — an attacker rewriting the IdP's token response) get a
 * clear page and never a crash; sessions end after the idle time on the sessions' fake clock.
 */

import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { LdapSignIn } from '../../src/integrations/employee-signin/ldap';
import { setAttemptOrigin } from '../../src/store/repo/attempt-chain';
import { createAttempt } from '../../src/store/repo/attempts';
import { addPhoneMethod, markPhoneMethodVerified, setDefaultPhoneMethod } from '../../src/store/repo/phone-methods';
import { createUser } from '../../src/store/repo/users';
import { launchChromium, type TestBrowser } from '../support/browser';
import { type OidcIdp, startOidcIdp } from '../support/peers/oidc-idp';
import {
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  personLdif,
  type SlapdPeer,
  startSlapd,
} from '../support/peers/slapd';
import { freePort } from '../support/ports';
import { IDLE_MS, SESSION_SECRET, type SignInRig, startSignInRig } from './support/signin-rig';

jest.setTimeout(120_000);

let idp: OidcIdp;
let slapd: SlapdPeer;
let rig: SignInRig;
let chrome: TestBrowser;
let t = Date.now();
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const port = await freePort();
  [idp, slapd, chrome] = await Promise.all([
    startOidcIdp({
      redirectUris: [`http://127.0.0.1:${port}/me/signin/oidc/callback`],
      accounts: {
        olle: { preferred_username: 'Olle', email: 'olle@example.test', groups: ['fyrkant-users'] },
        stranger: { preferred_username: 'stranger', groups: ['fyrkant-users'] },
        outsider: { preferred_username: 'outsider', groups: ['sales'] },
      },
    }),
    startSlapd(),
    launchChromium(),
  ]);
  await slapd.add(
    `${personLdif('anna', 'Rätt-lösen-1')}\ndn: uid=b.svensson,ou=people,${LDAP_SUFFIX}\nobjectClass: inetOrgPerson\nuid: b.svensson\ncn: Bertil\nsn: Svensson\nmail: bertil@example.test\nuserPassword: bertils-lösen\n`,
  );
  rig = await startSignInRig({
    port,
    now: () => t,
    oidc: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      userClaim: 'preferred_username',
      requiredGroup: 'fyrkant-users',
      groupsClaim: 'groups',
    },
    ldap: {
      url: slapd.url,
      bindDnTemplate: `uid={username},ou=people,${LDAP_SUFFIX}`,
      searchBase: null,
      searchFilter: '(uid={username})',
      searchBindDn: null,
      searchBindPassword: null,
      userAttribute: 'uid',
      startTls: false,
      caFile: null,
      rejectUnauthorized: true,
    },
  });
  // "olle" at the IdP is user "olle" here (the IdP says "Olle": matched in any letter case).
  const olle = createUser(rig.store.db, { username: 'olle', displayName: 'Olle Olsson' });
  const pm = addPhoneMethod(rig.store.db, { userId: olle.id, kind: 'office', country: 'SE', e164: '+46812345000' });
  markPhoneMethodVerified(rig.store.db, pm.id);
  setDefaultPhoneMethod(rig.store.db, pm.id);
  createUser(rig.store.db, { username: 'anna', displayName: 'Anna Andersson' });
  createUser(rig.store.db, { username: 'outsider' });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await chrome?.close();
  await rig?.close();
  await idp?.stop();
  await slapd?.stop();
});

afterEach(() => {
  // Nothing a browser or the IdP sent made a handler throw.
  expect(rig.errors).toEqual([]);
});

async function newPage(): Promise<Page> {
  const ctx = await chrome.newContext({ locale: 'sv-SE', acceptLanguage: 'sv-SE' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.on('dialog', (d) => void d.accept());
  return page;
}

/** Back at fyrkant after the IdP: Security info or a sign-in problem page. */
function backAtFyrkant(u: URL): boolean {
  return u.origin === rig.baseUrl && u.pathname !== '/me/signin' && u.pathname !== '/me/signin/oidc';
}

/** At the IdP's login or consent page, or back at fyrkant (the IdP remembered this browser). */
function idpPageOrBack(u: URL): boolean {
  return (u.origin === idp.issuer && u.pathname.startsWith('/interaction/')) || backAtFyrkant(u);
}

/** Through oidc-provider's login and consent pages (whichever it shows) back to fyrkant. */
async function throughIdp(page: Page, login: string): Promise<void> {
  await page.waitForURL(idpPageOrBack);
  if (await page.locator('input[name="login"]').count()) {
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any-password');
    await page.click('button[type="submit"]');
    await page.waitForURL(idpPageOrBack);
  }
  // First sign-in of this browser at the IdP: the consent page ("Continue").
  if (!backAtFyrkant(new URL(page.url()))) await page.click('button[type="submit"]');
  await page.waitForURL(backAtFyrkant);
}

/** From fyrkant's sign-in page through the IdP and back. */
async function oidcSignIn(page: Page, login: string): Promise<void> {
  await page.goto(`${rig.baseUrl}/me/signin`);
  await page.click('#signin-oidc');
  await throughIdp(page, login);
}

/** Adds a directory entry for the user and signs in with it. */
async function ldapSignInAs(page: Page, username: string): Promise<void> {
  await slapd.add(personLdif(username, `${username}-lösen`));
  await page.goto(`${rig.baseUrl}/me/signin`);
  await page.fill('#username', username);
  await page.fill('#password', `${username}-lösen`);
  await page.click('form[action="/me/signin/ldap"] button[type="submit"]');
  await page.waitForURL('**/me/security');
}

async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').first().textContent())?.trim() ?? '';
}

describe('OpenID Connect sign-in (real oidc-provider)', () => {
  it('signs in, stays signed in across a restart, signs out', async () => {
    const page = await newPage();
    await page.goto(`${rig.baseUrl}/me/security`);
    expect(new URL(page.url()).pathname).toBe('/me/signin');
    expect(await heading(page)).toBe('Logga in till Säkerhetsinformation');

    await oidcSignIn(page, 'olle');
    expect(new URL(page.url()).pathname).toBe('/me/security');
    expect(await heading(page)).toBe('Säkerhetsinformation');
    expect(await page.locator('header .company-name').textContent()).toBe('Exempel AB');
    expect(await page.locator('#default-method-text').textContent()).toContain('+46 8 123 450 00');
    expect(await page.locator('#sessions tbody tr').count()).toBe(1);
    expect(await page.locator('#sessions').textContent()).toContain('Jobbkonto');

    await rig.restart();
    await page.goto(`${rig.baseUrl}/me/security`);
    expect(new URL(page.url()).pathname).toBe('/me/security');
    expect(await heading(page)).toBe('Säkerhetsinformation');

    await page.getByRole('button', { name: 'Logga ut', exact: true }).first().click();
    await page.waitForURL('**/me/signin?signedOut=1');
    expect(await page.locator('.notice').textContent()).toBe('Du är utloggad.');
    await page.goto(`${rig.baseUrl}/me/security`);
    expect(new URL(page.url()).pathname).toBe('/me/signin');
  });

  it('tells someone the IdP knows but fyrkant does not that they are not set up', async () => {
    const page = await newPage();
    await oidcSignIn(page, 'stranger');
    expect(await heading(page)).toBe('Du finns inte i fyrkant');
    expect(await page.locator('#signin-problem').textContent()).toContain('Du loggade in som stranger');
  });

  it.each([
    ['iss', 'a rewritten issuer', /unexpected iss value/],
    ['nonce', 'a nonce fyrkant never sent', /nonce mismatch/],
    ['signature', 'a broken signature', /failed to validate JWT signature/],
  ] as const)('refuses an ID token with %s (%s) with a clear page', async (mode, _what, check) => {
    await idp.tamper(mode);
    try {
      const page = await newPage();
      const answered = page.waitForResponse((r) => r.url().includes('/me/signin/oidc/callback'));
      await oidcSignIn(page, 'olle');
      expect((await answered).status()).toBe(400);
      expect(await heading(page)).toBe('Inloggningen fungerade inte');
      const text = (await page.locator('#signin-problem').textContent()) ?? '';
      expect(text).toContain('gick inte att lita på');
      // The library's own check named what was wrong (shown as the detail for IT).
      expect(text).toMatch(check);
      await page.goto(`${rig.baseUrl}/me/security`);
      expect(new URL(page.url()).pathname).toBe('/me/signin');
    } finally {
      await idp.tamper('none');
    }
  });

  it('refuses a callback whose state is not the one sent, and one without a sign-in in flight', async () => {
    // Sign-in A is started in one tab, sign-in B in another (its pending request replaces A's);
    // the IdP then answers A: the state that comes back is not the one fyrkant is waiting for.
    const page = await newPage();
    await page.goto(`${rig.baseUrl}/me/signin`);
    await page.click('#signin-oidc');
    await page.waitForURL(idpPageOrBack);
    const tabB = await page.context().newPage();
    await tabB.goto(`${rig.baseUrl}/me/signin/oidc`);
    await tabB.waitForURL(idpPageOrBack);
    await throughIdp(page, 'olle');
    expect(await heading(page)).toBe('Inloggningen fungerade inte');
    expect(await page.locator('#signin-problem').textContent()).toContain('state mismatch');
    await tabB.close();

    const r = await page.goto(`${rig.baseUrl}/me/signin/oidc/callback?code=abc&state=xyz`);
    expect(r?.status()).toBe(400);
    expect(await page.locator('#signin-problem').textContent()).toContain('tog för lång tid');
    // After all that, a proper sign-in still works.
    await oidcSignIn(page, 'olle');
    expect(await heading(page)).toBe('Säkerhetsinformation');
  });
});

describe('OpenID Connect refusals that are not attacks', () => {
  it('someone outside the required group is told so', async () => {
    const page = await newPage();
    await oidcSignIn(page, 'outsider');
    expect(await heading(page)).toBe('Inloggningen fungerade inte');
    expect(await page.locator('#signin-problem').textContent()).toContain('inte med i gruppen');
  });

  it('cancelling at the IdP (access_denied) is a plain page, and "Try again" starts over', async () => {
    const page = await newPage();
    await page.goto(`${rig.baseUrl}/me/signin`);
    await page.click('#signin-oidc');
    await page.waitForURL(idpPageOrBack);
    await page.click('a[href$="/abort"]');
    await page.waitForURL(backAtFyrkant);
    expect(await heading(page)).toBe('Inloggningen fungerade inte');
    expect(await page.locator('#signin-problem').textContent()).toContain('access_denied');
    await page.getByRole('link', { name: 'Försök igen' }).click();
    expect(await heading(page)).toBe('Logga in till Säkerhetsinformation');
  });

  it('an enrollment link still starts the first enrollment', async () => {
    const user = createUser(rig.store.db, { username: 'nyanstalld' });
    const token = rig.actions.enrollmentLink(user.id);
    const page = await newPage();
    await page.goto(`${rig.baseUrl}/enroll/${token}`);
    expect(new URL(page.url()).pathname).toBe('/me/enroll');
    expect(await heading(page)).toBe('Steg 1: Hur ska vi kontakta dig?');
  });
});

describe('Security info like Microsoft’s', () => {
  it('changes the default method, refuses to remove the last verified one, lists activity and where from', async () => {
    const db = rig.store.db;
    const user = createUser(db, { username: 'maja', displayName: 'Maja' });
    const office = addPhoneMethod(db, { userId: user.id, kind: 'office', country: 'SE', e164: '+46812345001' });
    markPhoneMethodVerified(db, office.id);
    setDefaultPhoneMethod(db, office.id);
    const mobile = addPhoneMethod(db, { userId: user.id, kind: 'mobile', country: 'SE', e164: '+46701234567' });
    const call = createAttempt(db, {
      purpose: 'sign-in',
      userId: user.id,
      phoneMethodId: office.id,
      endedWith: { outcome: 'approved' },
    });
    setAttemptOrigin(db, call.id, { requestedBy: 'radius:vpn-1', tryNo: 1, retryOf: null });

    const page = await newPage();
    await ldapSignInAs(page, 'maja');
    expect(await page.locator('#default-method-text').textContent()).toBe('Arbetstelefon: +46 8 123 450 01');
    const activity = (await page.locator('#activity').textContent()) ?? '';
    expect(activity).toContain('Inloggning');
    expect(activity).toContain('VPN / RADIUS-klient (vpn-1)');

    // The office phone is the only verified one: removing it is refused with what to do.
    await page.click(`form[action="/me/security/methods/${office.id}/remove"] button`);
    await page.waitForURL('**/me/security');
    expect(await page.locator('.notice').first().textContent()).toBe(
      'Du kan inte ta bort din sista verifierade metod. Lägg till en annan telefon och verifiera den först.',
    );
    expect(await page.locator(`form[action="/me/security/methods/${office.id}/remove"]`).count()).toBe(1);

    // Once the mobile is verified too, it can become the default ("Ändra") and the office phone can go.
    markPhoneMethodVerified(db, mobile.id);
    await page.goto(`${rig.baseUrl}/me/security`);
    await page.click('#change-default');
    await page.selectOption('#default-method', mobile.id);
    await page.click('#default-form button[type="submit"]');
    await page.waitForURL('**/me/security');
    expect(await page.locator('#default-method-text').textContent()).toBe('Mobiltelefon: +46 70 123 45 67');
    await page.click(`form[action="/me/security/methods/${office.id}/remove"] button`);
    await page.waitForURL('**/me/security');
    expect(await page.locator(`form[action="/me/security/methods/${office.id}/remove"]`).count()).toBe(0);
  });
});

describe('LDAP sign-in (real slapd)', () => {
  it('refuses a wrong password, signs in, survives a restart, signs out everywhere', async () => {
    const page = await newPage();
    await page.goto(`${rig.baseUrl}/me/signin`);
    await page.fill('#username', 'anna');
    await page.fill('#password', 'fel-lösen');
    await page.click('form[action="/me/signin/ldap"] button[type="submit"]');
    expect(await page.locator('#signin-error').textContent()).toBe('Fel användarnamn eller lösenord.');
    await page.fill('#password', 'Rätt-lösen-1');
    await page.click('form[action="/me/signin/ldap"] button[type="submit"]');
    await page.waitForURL('**/me/security');
    expect(await heading(page)).toBe('Säkerhetsinformation');

    // A second browser signs in too: two rows in "Where you are signed in".
    const other = await newPage();
    await other.goto(`${rig.baseUrl}/me/signin`);
    await other.fill('#username', 'anna');
    await other.fill('#password', 'Rätt-lösen-1');
    await other.click('form[action="/me/signin/ldap"] button[type="submit"]');
    await other.waitForURL('**/me/security');

    await rig.restart();
    await page.goto(`${rig.baseUrl}/me/security`);
    expect(await heading(page)).toBe('Säkerhetsinformation');
    expect(await page.locator('#sessions tbody tr').count()).toBe(2);
    expect(await page.locator('#sessions').textContent()).toContain('Användarnamn och lösenord');

    await page.click('#signout-everywhere');
    await page.waitForURL('**/me/signin?signedOut=1');
    await other.goto(`${rig.baseUrl}/me/security`);
    expect(new URL(other.url()).pathname).toBe('/me/signin');
  });

  it('ends a session after exactly the idle time (sessions’ fake clock)', async () => {
    const page = await newPage();
    await page.goto(`${rig.baseUrl}/me/signin`);
    await page.fill('#username', 'anna');
    await page.fill('#password', 'Rätt-lösen-1');
    await page.click('form[action="/me/signin/ldap"] button[type="submit"]');
    await page.waitForURL('**/me/security');
    t += IDLE_MS;
    await page.goto(`${rig.baseUrl}/me/security`);
    expect(new URL(page.url()).pathname).toBe('/me/security');
    t += IDLE_MS + 1;
    await page.goto(`${rig.baseUrl}/me/security`);
    expect(new URL(page.url()).pathname).toBe('/me/signin');
  });
});

describe('LDAP sign-in by search (real slapd, no browser)', () => {
  const ldap = () =>
    new LdapSignIn(
      {
        url: slapd.url,
        bindDnTemplate: null,
        searchBase: `ou=people,${LDAP_SUFFIX}`,
        searchFilter: '(uid={username})',
        searchBindDn: LDAP_ROOT_DN,
        searchBindPassword: LDAP_ROOT_PASSWORD,
        userAttribute: 'mail',
        startTls: false,
        caFile: null,
        rejectUnauthorized: true,
        timeoutMs: 5000,
      },
      pino({ level: 'silent' }),
    );

  it('finds the entry, binds as it, and names the user by the configured attribute', async () => {
    expect(await ldap().check('b.svensson', 'bertils-lösen')).toEqual({ ok: true, name: 'bertil@example.test' });
    expect(await ldap().check('b.svensson', 'fel')).toMatchObject({ ok: false, reason: 'wrong-password' });
  });

  it('escapes the filter: "*" and "b*" match nobody', async () => {
    expect(await ldap().check('*', 'bertils-lösen')).toMatchObject({ ok: false, reason: 'wrong-password' });
    expect(await ldap().check('b*', 'bertils-lösen')).toMatchObject({ ok: false, reason: 'wrong-password' });
    expect(await ldap().check('b.svensson)(uid=*', 'bertils-lösen')).toMatchObject({ ok: false });
  });

  it('an entry without the attribute is "no-name", an empty password never binds', async () => {
    expect(await ldap().check('anna', 'Rätt-lösen-1')).toMatchObject({ ok: false, reason: 'no-name' });
    expect(await ldap().check('b.svensson', '')).toMatchObject({ ok: false, reason: 'wrong-password' });
  });
});

describe('logs', () => {
  it('hold no password, client secret, session cookie or authorization code', async () => {
    const all = rig.logs.join('');
    expect(all).toContain('employee signed in to Security info');
    for (const secret of ['Rätt-lösen-1', 'fel-lösen', 'bertils-lösen', idp.clientSecret, SESSION_SECRET])
      expect(all).not.toContain(secret);
    for (const ctx of contexts) {
      for (const c of await ctx.cookies().catch(() => [])) {
        if (c.name.startsWith('fyrkant_') && c.value.length > 20) expect(all).not.toContain(c.value);
      }
    }
    expect(all).not.toMatch(/[?&]code=[A-Za-z0-9_-]{10,}/);
  });
});
