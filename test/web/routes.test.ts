import { LoginThrottle } from '../../src/domain/login-throttle';
import { createUser, getUser } from '../../src/store/repo/users';
import { FakeThrottleClock } from '../support/throttle-clock';
import { until } from '../support/until';
import { TEST_ADMIN_KEY } from './support/scripted-actions';
import { startWebFixture, type WebFixture } from './support/web-fixture';

let fx: WebFixture;
/** The admin-login throttle's clock: delays are checked exactly without waiting for them. */
const throttleClock = new FakeThrottleClock();
beforeAll(async () => {
  fx = await startWebFixture({ loginThrottle: new LoginThrottle({}, throttleClock) });
});
afterAll(async () => {
  await fx?.close();
});

// Real HTTP (not `inject`): what a browser sees, headers and all.
function get(path: string, headers: Record<string, string> = {}) {
  return fetch(fx.baseUrl + path, { redirect: 'manual', headers });
}

describe('web routes over HTTP', () => {
  it('redeems an enrollment link once into a session cookie', async () => {
    const user = createUser(fx.store.db, { username: 'u1', displayName: 'U', language: 'sv-SE' });
    const token = fx.actions.enrollmentLink(user.id);
    const r = await get(`/enroll/${token}`);
    expect([r.status, r.headers.get('location')]).toEqual([303, '/me/enroll']);
    const cookie = String(r.headers.get('set-cookie'));
    expect(cookie).toMatch(/^fyrkant_self=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const page = await get('/me/enroll', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Steg 1: Hur ska vi kontakta dig?');
    const again = await get(`/enroll/${token}`);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('Länken kan inte användas');
  });
});

async function selfSession(username: string): Promise<{ cookie: string; csrf: string; userId: string }> {
  const user = createUser(fx.store.db, { username, displayName: username, language: 'sv-SE' });
  const r = await get(`/enroll/${fx.actions.enrollmentLink(user.id)}`);
  const cookie = String(r.headers.get('set-cookie')).split(';')[0]!;
  const page = await (await get('/me/enroll', { cookie })).text();
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]!, userId: user.id };
}

function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(fx.baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function adminSession(): Promise<{ cookie: string; csrf: string }> {
  const login = await get('/admin/login');
  const loginCookie = String(login.headers.get('set-cookie')).split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const ok = await post('/admin/login', { _csrf: token, key: TEST_ADMIN_KEY }, { cookie: loginCookie });
  const cookie = ok.headers
    .getSetCookie()
    .find((c) => c.startsWith('fyrkant_admin='))!
    .split(';')[0]!;
  const page = await (await get('/admin/users', { cookie })).text();
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! };
}

// Before the login-throttling test below (its failures share the throttle for 127.0.0.1).
describe('admin user actions', () => {
  it('creates a user, blocks, unblocks, issues a bypass and an enrollment link — each with the CSRF token', async () => {
    const a = await adminSession();
    const h = { cookie: a.cookie, 'accept-language': 'en' };
    const bad = await post('/admin/users', { _csrf: a.csrf, username: 'x y', displayName: '', language: 'sv-SE' }, h);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('The username must not contain spaces (U+0020).');
    const created = await post(
      '/admin/users',
      { _csrf: a.csrf, username: 'carl', displayName: 'Carl', language: 'en-GB' },
      h,
    );
    expect(created.status).toBe(303);
    const userPath = created.headers.get('location')!;
    const userId = userPath.split('/').pop()!;

    expect((await post(`${userPath}/block`, { days: '2', reason: 'x' }, h)).status).toBe(403);
    expect(getUser(fx.store.db, userId)?.blockedUntil).toBeNull();
    // A block needs a reason: refused with the reason in words, nothing changed.
    expect((await post(`${userPath}/block`, { _csrf: a.csrf, days: '2' }, h)).status).toBe(303);
    expect(getUser(fx.store.db, userId)?.blockedUntil).toBeNull();
    expect(await (await get(userPath, h)).text()).toContain('Write why the user is blocked.');
    expect((await post(`${userPath}/block`, { _csrf: a.csrf, days: '2', reason: 'lost phone' }, h)).status).toBe(303);
    const until = getUser(fx.store.db, userId)?.blockedUntil ?? 0;
    expect(until - Date.now()).toBeGreaterThan(47 * 3600_000);
    const blockedPage = await (await get(userPath, h)).text();
    expect(blockedPage).toContain('Blocked until');
    expect(blockedPage).toContain('lost phone');
    expect((await post(`${userPath}/unblock`, { _csrf: a.csrf, reason: 'found' }, h)).status).toBe(303);
    expect(getUser(fx.store.db, userId)?.blockedUntil).toBeNull();

    // A bypass needs an explanation too.
    await post(`${userPath}/bypass`, { _csrf: a.csrf, minutes: '10' }, h);
    expect(await (await get(userPath, h)).text()).toContain('Write why the user may sign in without a call');
    await post(`${userPath}/bypass`, { _csrf: a.csrf, minutes: '10', reason: 'ticket 4711' }, h);
    expect(await (await get(userPath, h)).text()).toContain('A one-time bypass is valid until');
    // The new link rides to the user page in a short-lived signed cookie (any node can show it).
    const made = await post(`${userPath}/enrollment-link`, { _csrf: a.csrf }, h);
    expect([made.status, made.headers.get('location')]).toEqual([303, userPath]);
    const setLink = made.headers.getSetCookie().find((c) => c.startsWith('fyrkant_link='))!;
    expect(setLink).toMatch(/; Path=\/admin\/users\/[^;]+; Max-Age=300; HttpOnly; SameSite=Strict$/);
    expect(setLink).toContain(`Path=${userPath};`);
    const linkCookie = setLink.split(';')[0]!;
    const shown = await get(userPath, { ...h, cookie: `${a.cookie}; ${linkCookie}` });
    expect(await shown.text()).toMatch(
      /<output class="mono" id="enroll-link">http:\/\/127\.0\.0\.1\/enroll\/[A-Za-z0-9_-]+<\/output>/,
    );
    // Shown once: the page clears the cookie, so the next visit has no link.
    expect(shown.headers.getSetCookie()).toContain(
      `fyrkant_link=; Path=${userPath}; Max-Age=0; HttpOnly; SameSite=Strict`,
    );
    expect(await (await get(userPath, h)).text()).not.toContain('id="enroll-link"');
    // The cookie is bound to the admin session and the user that made it.
    const other = await adminSession();
    const elsewhere = await get(userPath, { ...h, cookie: `${other.cookie}; ${linkCookie}` });
    expect(await elsewhere.text()).not.toContain('id="enroll-link"');
    const otherUser = createUser(fx.store.db, { username: 'dora', language: 'en-GB' });
    const onOtherUser = await get(`/admin/users/${otherUser.id}`, { ...h, cookie: `${a.cookie}; ${linkCookie}` });
    expect(await onOtherUser.text()).not.toContain('id="enroll-link"');
  });
});

describe('security of the web UI', () => {
  it('sends a strict CSP, no-store and no cross-site referrer on pages', async () => {
    const r = await get('/admin/login');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
    const html = await r.text();
    expect(html).not.toMatch(/<script>|style="| on[a-z]+="/);
  });

  it('refuses form posts without the session token or from another site', async () => {
    const s = await selfSession('csrf-user');
    const form = { kind: 'office', country: 'SE', number: '08-123 456 78' };
    expect((await post('/me/enroll', form, { cookie: s.cookie })).status).toBe(403);
    expect((await post('/me/enroll', { ...form, _csrf: `${s.csrf}x` }, { cookie: s.cookie })).status).toBe(403);
    const cross = await post(
      '/me/enroll',
      { ...form, _csrf: s.csrf },
      { cookie: s.cookie, 'sec-fetch-site': 'cross-site' },
    );
    expect(cross.status).toBe(403);
    const evil = await post(
      '/me/enroll',
      { ...form, _csrf: s.csrf },
      { cookie: s.cookie, origin: 'https://evil.example' },
    );
    expect(evil.status).toBe(403);
    expect(fx.actions.calls.filter((c) => c.userId === s.userId)).toHaveLength(0);
    fx.actions.plans.push([]);
    const ok = await post('/me/enroll', { ...form, _csrf: s.csrf }, { cookie: s.cookie, origin: fx.baseUrl });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/me\/calls\/[0-9a-f-]{36}$/);
  });

  it('keeps self-service pages and event streams to the session user', async () => {
    expect((await get('/me/security')).status).toBe(401);
    const a = await selfSession('owner');
    const b = await selfSession('other');
    fx.actions.plans.push([]);
    const started = await post(
      '/me/enroll',
      { _csrf: a.csrf, kind: 'office', country: 'SE', number: '08-123 456 70' },
      { cookie: a.cookie },
    );
    const callPath = started.headers.get('location')!;
    const attemptId = callPath.split('/').pop()!;
    expect((await get(callPath, { cookie: a.cookie })).status).toBe(200);
    expect((await get(callPath, { cookie: b.cookie })).status).toBe(404);
    expect((await get(`/me/attempts/${attemptId}/events`, { cookie: b.cookie })).status).toBe(404);
  });

  it('streams the call status as Server-Sent Events until it is final', async () => {
    const s = await selfSession('sse-user');
    fx.actions.plans.push([
      { waitMs: 200, to: 'dialling' },
      { waitMs: 50, to: 'ringing' },
      { waitMs: 50, to: 'ended', outcome: 'no-answer', sipStatus: 480 },
    ]);
    const started = await post(
      '/me/enroll',
      { _csrf: s.csrf, kind: 'office', country: 'SE', number: '08-123 456 71' },
      { cookie: s.cookie },
    );
    const attemptId = started.headers.get('location')!.split('/').pop()!;
    const r = await get(`/me/attempts/${attemptId}/events`, { cookie: s.cookie, 'accept-language': 'en' });
    expect(r.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = await r.text(); // the server ends the stream after the final status
    const events = body
      .split('\n\n')
      .filter((b) => b.startsWith('event: status'))
      .map((b) => JSON.parse(b.split('\ndata: ')[1]!));
    expect(events.map((e) => e.phase)).toEqual(['queued', 'dialling', 'ringing', 'failed']);
    expect(events.at(-1)).toMatchObject({
      final: true,
      reason: 'What happened: The phone is not available right now (480).',
    });
  });

  it('logs admins in with an API key only, into an HttpOnly SameSite=Strict session', async () => {
    expect((await get('/admin')).headers.get('location')).toBe('/admin/login');
    const login = await get('/admin/login');
    const loginCookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
    expect((await post('/admin/login', { _csrf: 'wrong', key: TEST_ADMIN_KEY }, { cookie: loginCookie })).status).toBe(
      403,
    );
    expect((await post('/admin/login', { _csrf: token, key: 'nope' }, { cookie: loginCookie })).status).toBe(401);
    const ok = await post('/admin/login', { _csrf: token, key: TEST_ADMIN_KEY }, { cookie: loginCookie });
    expect(ok.status).toBe(303);
    const set = ok.headers.getSetCookie().find((c) => c.startsWith('fyrkant_admin='))!;
    expect(set).toMatch(/^fyrkant_admin=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const dash = await get('/admin', { cookie: set.split(';')[0]! });
    expect(dash.status).toBe(200);
    expect(await dash.text()).not.toContain(TEST_ADMIN_KEY);
    // A self-service session is not an admin session.
    const s = await selfSession('not-admin');
    expect((await get('/admin', { cookie: s.cookie.replace('fyrkant_self', 'fyrkant_admin') })).status).toBe(303);
  });

  it('slows repeated failed admin logins down, and the right key still gets in after the wait', async () => {
    const login = await get('/admin/login');
    const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
    // Wrong keys with the real key's prefix (prefixes are not secret): the same account.
    const wrong = (i: number) => `${TEST_ADMIN_KEY.slice(0, 13)}${String(i).padStart(43, 'x')}`;
    const attempt = (key: string) => post('/admin/login', { _csrf: token, key }, { cookie });
    /** Sends a try; if the throttle makes it wait, checks the wait and lets the fake clock pass it. */
    async function tryKey(key: string, expectedWaitMs: number): Promise<number> {
      const before = throttleClock.sleeps.length;
      const pending = attempt(key);
      let status: number | undefined;
      void pending.then((r) => {
        status = r.status;
      });
      await until(() => status !== undefined || throttleClock.sleeping > 0, 'the answer or a wait');
      if (expectedWaitMs === 0) expect(throttleClock.sleeps.length).toBe(before);
      else {
        expect(throttleClock.sleeps.slice(before)).toEqual([expectedWaitMs]);
        throttleClock.advance(expectedWaitMs);
      }
      return (await pending).status;
    }
    // Three failures are free; then each try waits 1 s, 2 s, 4 s … (doubling, capped).
    for (let i = 0; i < 3; i++) expect(await tryKey(wrong(i), 0)).toBe(401);
    expect(await tryKey(wrong(3), 1000)).toBe(401);
    expect(await tryKey(wrong(4), 2000)).toBe(401);
    // The right key is never refused: it waits its turn, then signs in — no lock-out.
    expect(await tryKey(TEST_ADMIN_KEY, 4000)).toBe(303);
    // Success clears the count: the next failure is answered at once.
    expect(await tryKey(wrong(6), 0)).toBe(401);
  });
});

describe('language and assets', () => {
  it('follows Accept-Language, and the switch sets a cookie', async () => {
    expect(await (await get('/admin/login', { 'accept-language': 'en-US,en;q=0.9' })).text()).toContain(
      'Administrator sign-in',
    );
    expect(await (await get('/admin/login', { 'accept-language': 'sv' })).text()).toContain(
      'Inloggning för administratörer',
    );
    const switched = await get('/admin/login?lang=en', { 'accept-language': 'sv' });
    expect(await switched.text()).toContain('<html lang="en">');
    const langCookie = switched.headers.getSetCookie().find((c) => c.startsWith('fyrkant_lang='))!;
    expect(langCookie).toContain('fyrkant_lang=en');
    expect(
      await (await get('/admin/login', { 'accept-language': 'sv', cookie: langCookie.split(';')[0]! })).text(),
    ).toContain('Administrator sign-in');
  });

  it('serves the CSS and script with an ETag and nothing else from the assets path', async () => {
    const css = await get('/ui/assets/app.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const etag = css.headers.get('etag')!;
    expect((await get('/ui/assets/app.css', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/ui/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('/ui/assets/..%2fregister.ts')).status).toBe(404);
  });

  it('raised no unexpected handler errors', () => {
    expect(fx.errors).toEqual([]);
  });
});
