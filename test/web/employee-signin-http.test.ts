/**
 * Employee sign-in over plain HTTP (issue 18a), against a real slapd: the LDAP form's CSRF defence,
 * throttling of failed passwords, and an OpenID provider that cannot be reached (a clear 502 page,
 * no crash; the next sign-in tries discovery again).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoginThrottle } from '../../src/domain/login-throttle';
import { createUser } from '../../src/store/repo/users';
import { LDAP_SUFFIX, personLdif, type SlapdPeer, startSlapd } from '../support/peers/slapd';
import { freePort } from '../support/ports';
import { FakeThrottleClock } from '../support/throttle-clock';
import { until } from '../support/until';
import { type SignInRig, startSignInRig } from './support/signin-rig';

jest.setTimeout(60_000);

let slapd: SlapdPeer;
let rig: SignInRig;
let deadIssuerPort: number;
const throttleClock = new FakeThrottleClock();
const LOGO = join(mkdtempSync(join(tmpdir(), 'fyrkant-logo-')), 'logo.svg');
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
writeFileSync(LOGO, LOGO_SVG);

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.add(personLdif('anna', 'Rätt-lösen-1'));
  deadIssuerPort = await freePort(); // nothing listens here
  rig = await startSignInRig({
    port: await freePort(),
    now: Date.now,
    loginThrottle: new LoginThrottle({}, throttleClock),
    logoFile: LOGO,
    oidc: {
      issuer: `http://127.0.0.1:${deadIssuerPort}`,
      clientId: 'fyrkant',
      clientSecret: 'x',
      userClaim: 'preferred_username',
      requiredGroup: null,
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
  createUser(rig.store.db, { username: 'anna' });
});

afterAll(async () => {
  await rig?.close();
  await slapd?.stop();
});

afterEach(() => expect(rig.errors).toEqual([]));

/** The sign-in page's CSRF token and its cookie. */
async function signInForm(): Promise<{ csrf: string; cookie: string }> {
  const r = await fetch(`${rig.baseUrl}/me/signin`);
  const body = await r.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  const cookie =
    r.headers
      .getSetCookie()
      .find((c) => c.startsWith('fyrkant_signin='))
      ?.split(';')[0] ?? '';
  return { csrf, cookie };
}

function post(form: Record<string, string>, cookie: string, headers: Record<string, string> = {}) {
  return fetch(`${rig.baseUrl}/me/signin/ldap`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

describe('LDAP sign-in form', () => {
  it('needs the double-submit token and a same-origin post', async () => {
    const { csrf, cookie } = await signInForm();
    expect(csrf).not.toBe('');
    const good = { _csrf: csrf, username: 'anna', password: 'Rätt-lösen-1' };
    expect((await post(good, '')).status).toBe(403);
    expect((await post({ ...good, _csrf: 'forged' }, cookie)).status).toBe(403);
    expect((await post(good, cookie, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const ok = await post(good, cookie);
    expect([ok.status, ok.headers.get('location')]).toEqual([303, '/me/security']);
    const session = ok.headers.getSetCookie().find((c) => c.startsWith('fyrkant_self='));
    expect(session).toMatch(/^fyrkant_self=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('slows wrong passwords down (the shared login throttle) but never locks the real user out', async () => {
    const { csrf, cookie } = await signInForm();
    /** Posts, moving the throttle's fake clock through any wait; returns the response and the wait. */
    async function tryPassword(password: string): Promise<{ status: number; text: string; waited: number }> {
      const before = throttleClock.sleeps.length;
      const pending = post({ _csrf: csrf, username: 'anna', password }, cookie);
      let res: Response | undefined;
      void pending.then((r) => {
        res = r;
      });
      await until(() => res !== undefined || throttleClock.sleeping > 0, 'the answer or a wait', 10_000);
      const waited = throttleClock.sleeps.slice(before).reduce((a, b) => a + b, 0);
      if (throttleClock.sleeping > 0) throttleClock.advance(waited);
      const r = await pending;
      return { status: r.status, text: await r.text(), waited };
    }
    for (let i = 0; i < 3; i++) {
      const r = await tryPassword(`wrong-${i}`);
      expect([r.status, r.waited]).toEqual([401, 0]);
      expect(r.text).toContain('Fel användarnamn eller lösenord.');
    }
    // From the fourth wrong try on, each try from this address for this name waits longer.
    expect((await tryPassword('wrong-3')).waited).toBe(1000);
    expect((await tryPassword('wrong-4')).waited).toBe(2000);
    // The right password still gets in after its wait, and success clears the count.
    const ok = await tryPassword('Rätt-lösen-1');
    expect([ok.status, ok.waited]).toEqual([303, 4000]);
    expect((await tryPassword('Rätt-lösen-1')).waited).toBe(0);
  });
});

describe('company name and logo', () => {
  it('are in the header of every page, and the logo is served sandboxed', async () => {
    for (const path of ['/me/signin', '/admin/login', '/enroll/no-such-link']) {
      const page = await (await fetch(`${rig.baseUrl}${path}`)).text();
      expect(page).toContain('<span class="company-name">Exempel AB</span>');
      expect(page).toContain('<img src="/ui/brand/logo" alt="" class="logo"');
      expect(page).not.toContain('<!--fyrkant:company-->');
    }
    const logo = await fetch(`${rig.baseUrl}/ui/brand/logo`);
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
    expect(logo.headers.get('content-security-policy')).toContain('sandbox');
    expect(await logo.text()).toBe(LOGO_SVG);
  });
});

describe('enrollment links with sign-in configured', () => {
  it('a used link points to the sign-in page instead of a dead end', async () => {
    const user = createUser(rig.store.db, { username: 'cecilia' });
    const token = rig.actions.enrollmentLink(user.id);
    const first = await fetch(`${rig.baseUrl}/enroll/${token}`, { redirect: 'manual' });
    expect([first.status, first.headers.get('location')]).toEqual([303, '/me/enroll']);
    const again = await fetch(`${rig.baseUrl}/enroll/${token}`, { redirect: 'manual' });
    expect(again.status).toBe(404);
    const page = await again.text();
    expect(page).toContain('Redan registrerad?');
    expect(page).toContain('href="/me/signin"');
    // Without a session, Security info leads to the sign-in page.
    const sec = await fetch(`${rig.baseUrl}/me/security`, { redirect: 'manual' });
    expect([sec.status, sec.headers.get('location')]).toEqual([303, '/me/signin']);
  });
});

describe('OpenID provider out of reach', () => {
  it('shows a clear 502 page, and tries discovery again on the next sign-in', async () => {
    const r = await fetch(`${rig.baseUrl}/me/signin/oidc`, { redirect: 'manual' });
    expect(r.status).toBe(502);
    expect(await r.text()).toContain('Det gick inte att nå inloggningen hos ditt företag.');

    // Something now answers discovery at the issuer, with garbage: still a clear page, no crash.
    const garbage: Server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{not json'),
    );
    await new Promise<void>((resolve) => garbage.listen(deadIssuerPort, '127.0.0.1', resolve));
    try {
      const again = await fetch(`${rig.baseUrl}/me/signin/oidc`, { redirect: 'manual' });
      expect(again.status).toBe(502);
      expect(await again.text()).toContain('Det gick inte att nå inloggningen');
    } finally {
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it('a callback with a forged pending cookie is "start again", not an error', async () => {
    const r = await fetch(`${rig.baseUrl}/me/signin/oidc/callback?code=x&state=y`, {
      headers: { cookie: 'fyrkant_oidc=eyJ2Ijp7fX0.forged-signature' },
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('Börja om.');
  });
});
