/**
 * The issue-18b admin routes over real HTTP: every new form refuses a post without the session's
 * CSRF token (and changes nothing), pages need an admin session, the sign-in view lists sign-in
 * calls with who asked, and bad filters answer 422 with the problem in words.
 */
import { createApiKey, insertFraudReport, listAudit } from '../../src/store';
import { createAttempt, transitionAttempt } from '../../src/store/repo/attempts';
import { addPhoneMethod, listPhoneMethods, markPhoneMethodVerified } from '../../src/store/repo/phone-methods';
import { createUser, getUser } from '../../src/store/repo/users';
import { TEST_ADMIN_KEY } from './support/scripted-actions';
import { startWebFixture, type WebFixture } from './support/web-fixture';

let fx: WebFixture;
let admin: { cookie: string; csrf: string };

function get(path: string, headers: Record<string, string> = {}) {
  return fetch(fx.baseUrl + path, { redirect: 'manual', headers });
}
function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(fx.baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

beforeAll(async () => {
  fx = await startWebFixture();
  const login = await get('/admin/login');
  const loginCookie = String(login.headers.get('set-cookie')).split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
  const ok = await post('/admin/login', { _csrf: token, key: TEST_ADMIN_KEY }, { cookie: loginCookie });
  const cookie = ok.headers
    .getSetCookie()
    .find((c) => c.startsWith('fyrkant_admin='))!
    .split(';')[0]!;
  const page = await (await get('/admin/users', { cookie })).text();
  admin = { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! };
});
afterAll(async () => {
  await fx?.close();
});

describe('issue 18b admin routes', () => {
  it('need an admin session for every page', async () => {
    for (const path of ['/admin/sign-ins', '/admin/audit', '/admin/fraud', '/admin/keys', '/admin/mail/x']) {
      const r = await get(path);
      expect([path, r.status, r.headers.get('location')]).toEqual([path, 303, '/admin/login']);
    }
  });

  it('refuse every new form without the CSRF token, changing nothing', async () => {
    const u = createUser(fx.store.db, { username: 'csrf-target', displayName: 'C', language: 'sv-SE' });
    const m = addPhoneMethod(fx.store.db, { userId: u.id, kind: 'office', country: 'SE', e164: '+46812345678' });
    markPhoneMethodVerified(fx.store.db, m.id);
    const report = insertFraudReport(fx.store.db, { attemptId: null, userId: u.id, digits: '0#', blockedUntil: null });
    const key = createApiKey(fx.store.db, { name: 'keep-me', scopes: ['integration'] });
    const before = listAudit(fx.store.db, { limit: 1000 }).length;
    const h = { cookie: admin.cookie };
    const forms: [string, Record<string, string>][] = [
      [`/admin/users/${u.id}/edit`, { displayName: 'X', email: 'x@example.com', language: 'sv-SE' }],
      [`/admin/users/${u.id}/delete`, {}],
      [`/admin/users/${u.id}/reset-methods`, {}],
      [`/admin/users/${u.id}/require-reregistration`, {}],
      [`/admin/users/${u.id}/block`, { days: '2', reason: 'x' }],
      [`/admin/users/${u.id}/unblock`, {}],
      [`/admin/users/${u.id}/bypass`, { minutes: '5', reason: 'x' }],
      [`/admin/users/${u.id}/methods/${m.id}/remove`, {}],
      ['/admin/users/bulk', { [`u:${u.id}`]: '1', do: 'csv' }],
      ['/admin/mail/x/retry', {}],
      [`/admin/fraud/${report.id}/review`, { verdict: 'dismissed' }],
      ['/admin/keys', { name: 'sneaky', scope: 'admin' }],
      [`/admin/keys/${key.row.id}/revoke`, {}],
    ];
    for (const [path, form] of forms) {
      expect([path, (await post(path, form, h)).status]).toEqual([path, 403]);
      expect([path, (await post(path, { ...form, _csrf: `${admin.csrf}x` }, h)).status]).toEqual([path, 403]);
    }
    expect(getUser(fx.store.db, u.id)).toMatchObject({ displayName: 'C', blockedUntil: null, email: null });
    expect(listPhoneMethods(fx.store.db, u.id)).toHaveLength(1);
    expect(listAudit(fx.store.db, { limit: 1000 })).toHaveLength(before);
  });

  it('lists sign-in verifications with who asked, and answers bad filters with 422 in words', async () => {
    const u = createUser(fx.store.db, { username: 'signer', displayName: 'S', language: 'sv-SE' });
    const key = createApiKey(fx.store.db, { name: 'VPN-portalen', scopes: ['integration'] });
    const a = createAttempt(fx.store.db, {
      purpose: 'sign-in',
      userId: u.id,
      destination: '+46812345678',
    });
    // As the verification service records who asked (see services/verification).
    fx.store.sqlite.prepare('UPDATE attempts SET requested_by = ? WHERE id = ?').run(`apikey:${key.row.id}`, a.id);
    transitionAttempt(fx.store.db, a.id, { to: 'dialling', dialledTarget: 'sip:x', backend: 'embedded' });
    transitionAttempt(fx.store.db, a.id, { to: 'ended', outcome: 'approved' });
    createAttempt(fx.store.db, { purpose: 'enrollment', userId: u.id, destination: '+46812345679' });
    const page = await get('/admin/sign-ins?user=signer', { cookie: admin.cookie, 'accept-language': 'sv' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Inloggningsverifieringar');
    expect(html).toContain('VPN-portalen');
    expect(html).toContain('+46812345678');
    expect(html).not.toContain('+46812345679'); // the enrollment call is not a sign-in

    const bad = await get('/admin/sign-ins?since=yesterday', { cookie: admin.cookie, 'accept-language': 'en' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('“yesterday” is not a date: write it as YYYY-MM-DD');
    const badAudit = await get('/admin/audit?target=nonsense', { cookie: admin.cookie, 'accept-language': 'en' });
    expect(badAudit.status).toBe(422);
    expect(await badAudit.text()).toContain('“nonsense” is not a target');
    const badStatus = await get('/admin/users?status=maybe', { cookie: admin.cookie, 'accept-language': 'en' });
    expect(badStatus.status).toBe(422);
    expect(await badStatus.text()).toContain('Unknown registration status');
  });

  it('bulk CSV for everyone listed, and e-mail refused in words when mail is off', async () => {
    for (const n of ['bulk-a', 'bulk-b', 'bulk-c'])
      createUser(fx.store.db, { username: n, displayName: n, language: 'en-GB' });
    const h = { cookie: admin.cookie, 'accept-language': 'en' };
    const csv = await post('/admin/users/bulk', { _csrf: admin.csrf, scope: 'listed', q: 'bulk-', status: '' }, h);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="fyrkant-enrollment-links-/);
    expect(csv.headers.get('cache-control')).toBe('no-store');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['bulk-a', 'bulk-b', 'bulk-c']);
    const none = await post('/admin/users/bulk', { _csrf: admin.csrf, do: 'csv' }, h);
    expect([none.status, none.headers.get('location')]).toEqual([303, '/admin/users']);
    expect(await (await get('/admin/users', h)).text()).toContain('Choose at least one user first.');
    // E-mail is off in this fixture: refused with what to configure.
    const a = createUser(fx.store.db, { username: 'mail-off', displayName: 'M', language: 'en-GB' });
    const mail = await post('/admin/users/bulk', { _csrf: admin.csrf, do: 'email', [`u:${a.id}`]: '1' }, h);
    expect(mail.status).toBe(303);
    expect(await (await get('/admin/users', h)).text()).toContain('E-mail is not enabled');
  });
});
