/**
 * Issue 13 over HTTP (the real API on a real socket and SQLite file): usernames and display names
 * through the one rule, user search that takes `%`/`_` literally, and app-password checks whose
 * failures slow down per (client, username) — an attacker cannot lock a real user out, and a
 * password spray from one client is throttled. The throttle runs on a fake clock.
 */
import { type ApiHarness, createApiHarness } from '../support/api-harness';
import { FakeThrottleClock } from '../support/throttle-clock';
import { until } from '../support/until';

let h: ApiHarness;
afterEach(async () => {
  await h?.close();
});

describe('usernames and display names', () => {
  beforeEach(async () => {
    h = await createApiHarness();
  });

  it.each([
    ['a zero-width space', 'an\u200Bna', 'invisible-character'],
    ['a right-to-left override', 'anna\u202Etxt.exe', 'bidi-control'],
    ['a Cyrillic look-alike letter', 'p\u0430ypal', 'mixed-script'],
    ['a Hangul filler', 'anna\u3164', 'invisible-character'],
  ])('refuses a username with %s: 422 with the reason in sv and en', async (_what, username, code) => {
    const en = await h.req('POST', '/api/v1/users', { username }, { lang: 'en' });
    expect(en.status).toBe(422);
    expect(en.body.fields).toEqual([
      expect.objectContaining({
        field: 'username',
        code,
        messages: { sv: expect.stringMatching(/^Användarnamnet /), en: expect.stringMatching(/^The username /) },
      }),
    ]);
    const sv = await h.req('POST', '/api/v1/users', { username }, { lang: 'sv' });
    expect(sv.body.fields[0].message).toBe(sv.body.fields[0].messages.sv);
  });

  it('stores NFKC usernames and finds them by any compatible spelling', async () => {
    const c = await h.req('POST', '/api/v1/users', { username: 'ｍａｒｉａ', displayName: 'Maria' });
    expect(c.status).toBe(201);
    expect(c.body.username).toBe('maria');
    // The same name typed plainly is the same user, not a second one.
    expect((await h.req('POST', '/api/v1/users', { username: 'maria' })).status).toBe(409);
    const found = await h.req('GET', `/api/v1/users?username=${encodeURIComponent('ｍａｒｉａ')}`);
    expect(found.body.users.map((u: { id: string }) => u.id)).toEqual([c.body.id]);
  });

  it('refuses display names with control characters or bidi controls, on create and on update', async () => {
    const bad = await h.req('POST', '/api/v1/users', { username: 'olle', displayName: 'Olle\r\nSet-Cookie: x' });
    expect(bad.status).toBe(422);
    expect(bad.body.fields[0]).toMatchObject({ field: 'displayName', code: 'control-character' });
    const ok = await h.req('POST', '/api/v1/users', { username: 'olle', displayName: '  Olle Ek ' });
    expect(ok.body.displayName).toBe('Olle Ek');
    const patch = await h.req('PATCH', `/api/v1/users/${ok.body.id}`, { displayName: 'nimda\u202E' });
    expect(patch.status).toBe(422);
    expect(patch.body.fields[0]).toMatchObject({ field: 'displayName', code: 'bidi-control' });
  });
});

describe('user search', () => {
  it('takes % and _ literally (no LIKE wildcards from the query)', async () => {
    h = await createApiHarness();
    for (const username of ['a_b', 'axb', '100%', '1000', 'back\\slash', 'backxslash'])
      expect((await h.req('POST', '/api/v1/users', { username })).status).toBe(201);
    const search = async (q: string) =>
      (await h.req('GET', `/api/v1/users?search=${encodeURIComponent(q)}`)).body.users
        .map((u: { username: string }) => u.username)
        .sort();
    expect(await search('a_b')).toEqual(['a_b']);
    expect(await search('_')).toEqual(['a_b']);
    expect(await search('%')).toEqual(['100%']);
    expect(await search('0%')).toEqual(['100%']);
    expect(await search('k\\s')).toEqual(['back\\slash']);
    expect(await search('x')).toEqual(['axb', 'backxslash']);
  });
});

describe('app-password checks cannot be used to lock a user out', () => {
  let clock: FakeThrottleClock;

  async function userWithAppPassword(username: string): Promise<string> {
    const u = await h.req('POST', '/api/v1/users', { username });
    const c = await h.req('POST', `/api/v1/users/${u.body.id}/app-passwords`, { name: 'Mail' });
    expect(c.status).toBe(201);
    return c.body.password;
  }

  /** A check; if the throttle makes it wait, returns the wait after letting the fake clock pass it. */
  async function check(body: Record<string, string>): Promise<{ status: number; valid?: boolean; waited: number }> {
    const before = clock.sleeps.length;
    const p = h.req('POST', '/api/v1/app-passwords/check', body, { key: h.integrationKey });
    let done = false;
    void p.finally(() => {
      done = true;
    });
    await until(() => done || clock.sleeping > 0, 'an answer or a wait');
    const waited = clock.sleeps.slice(before).reduce((a, b) => a + b, 0);
    if (!done) clock.advance(waited);
    const r = await p;
    return { status: r.status, valid: r.body?.valid, waited };
  }

  beforeEach(async () => {
    clock = new FakeThrottleClock();
    h = await createApiHarness({
      appPasswords: { clock, throttle: { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000 } },
    });
  });

  it('an attacker failing on a username slows only themselves; the user signs in at once', async () => {
    const password = await userWithAppPassword('kim');
    const attacker = { username: 'kim', password: 'aaaa-bbbb-cccc-dddd', clientAddress: '203.0.113.66' };
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await check(attacker);
      expect([r.status, r.valid]).toEqual([200, false]);
      waits.push(r.waited);
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000]);
    // The real user, from their own address: no wait, no 429, valid.
    expect(await check({ username: 'kim', password, clientAddress: '198.51.100.7' })).toEqual({
      status: 200,
      valid: true,
      waited: 0,
    });
  });

  it('the right secret from the same address is delayed, never refused', async () => {
    const password = await userWithAppPassword('lo');
    for (let i = 0; i < 5; i++) await check({ username: 'lo', password: 'wrong', clientAddress: '10.0.0.5' });
    expect(await check({ username: 'lo', password, clientAddress: '10.0.0.5' })).toEqual({
      status: 200,
      valid: true,
      waited: 4000,
    });
    // Success clears the count.
    expect((await check({ username: 'lo', password: 'wrong', clientAddress: '10.0.0.5' })).waited).toBe(0);
  });

  it('throttles a password spray across usernames from one client', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 9; i++)
      waits.push((await check({ username: `user${i}`, password: 'Summer2026!', clientAddress: '192.0.2.1' })).waited);
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 1000, 2000, 4000]);
    // Another client is not slowed by the spray.
    expect((await check({ username: 'user0', password: 'x', clientAddress: '192.0.2.2' })).waited).toBe(0);
  });
});
