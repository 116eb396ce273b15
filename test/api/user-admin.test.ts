/**
 * Admin operations on people over the REST API (issue 18b), on a real SQLite file: registration
 * status and coverage, profile edit, reset / re-require methods (the user must register again),
 * block / unblock with a reason, bypass with an explanation, bulk links (JSON and CSV), fraud
 * review, API keys. Every change must be in the audit log; integration keys are refused.
 */
import { findUsableEnrollmentLink, listAudit, markPhoneMethodVerified, updateUser } from '../../src/store';
import { insertFraudReport } from '../../src/store/repo/fraud-reports';
import { type ApiHarness, createApiHarness } from '../support/api-harness';

let h: ApiHarness;
beforeEach(async () => {
  h = await createApiHarness();
});
afterEach(async () => {
  await h?.close();
});

async function newUser(username: string, extra: Record<string, unknown> = {}) {
  const u = await h.req('POST', '/api/v1/users', {
    username,
    displayName: `${username} Test`,
    language: 'sv-SE',
    ...extra,
  });
  expect(u.status).toBe(201);
  return u.body.id as string;
}

async function addOffice(userId: string, verified: boolean) {
  const m = await h.req('POST', `/api/v1/users/${userId}/phone-methods`, {
    kind: 'office',
    country: 'SE',
    number: '08-123 456 78',
    extension: '12',
  });
  expect(m.status).toBe(201);
  if (verified) markPhoneMethodVerified(h.store.db, m.body.id);
  return m.body.id as string;
}

const actions = () => listAudit(h.store.db, { limit: 1000 }).map((a) => a.action);

describe('registration status, filters and coverage', () => {
  it('derives none / pending / verified / blocked and filters by status and search', async () => {
    const none = await newUser('nils');
    const linked = await newUser('lisa');
    const pending = await newUser('per');
    const verified = await newUser('vera');
    const blocked = await newUser('bo');
    expect((await h.req('POST', '/api/v1/enrollment-links', { userId: linked })).status).toBe(201);
    await addOffice(pending, false);
    await addOffice(verified, true);
    await addOffice(blocked, true);
    expect((await h.req('POST', `/api/v1/users/${blocked}/block`, { days: 2, reason: 'stolen laptop' })).status).toBe(
      200,
    );

    const all = await h.req('GET', '/api/v1/registrations');
    expect(all.status).toBe(200);
    const status = Object.fromEntries(all.body.users.map((u: { id: string; status: string }) => [u.id, u.status]));
    expect(status).toEqual({
      [none]: 'none',
      [linked]: 'pending',
      [pending]: 'pending',
      [verified]: 'verified',
      [blocked]: 'blocked',
    });
    const onlyPending = await h.req('GET', '/api/v1/registrations?status=pending');
    expect(onlyPending.body.users.map((u: { username: string }) => u.username)).toEqual(['lisa', 'per']);
    const search = await h.req('GET', '/api/v1/registrations?search=ve');
    expect(search.body.users.map((u: { username: string }) => u.username)).toEqual(['vera']);
    const bad = await h.req('GET', '/api/v1/registrations?status=maybe', undefined, { lang: 'sv' });
    expect(bad.status).toBe(422);

    const cov = await h.req('GET', '/api/v1/registrations/coverage');
    expect(cov.body).toEqual({ total: 5, none: 1, pending: 2, verified: 1, blocked: 1 });
  });

  it('refuses integration keys on every admin operation', async () => {
    const id = await newUser('ida');
    const key = { key: h.integrationKey };
    expect((await h.req('GET', '/api/v1/registrations', undefined, key)).status).toBe(403);
    expect((await h.req('POST', `/api/v1/users/${id}/reset-methods`, undefined, key)).status).toBe(403);
    expect((await h.req('POST', `/api/v1/users/${id}/block`, { days: 1, reason: 'x' }, key)).status).toBe(403);
    expect((await h.req('GET', '/api/v1/api-keys', undefined, key)).status).toBe(403);
  });
});

describe('per-user operations', () => {
  it('edits the profile (e-mail checked, audited) and deletes the user (audited)', async () => {
    const id = await newUser('eva');
    const bad = await h.req('PATCH', `/api/v1/users/${id}/profile`, { email: 'not an address' }, { lang: 'sv' });
    expect(bad.status).toBe(422);
    expect(bad.body.fields[0]).toMatchObject({ field: 'email', message: 'Skriv en e-postadress som namn@exempel.se.' });
    const ok = await h.req('PATCH', `/api/v1/users/${id}/profile`, {
      email: 'eva@example.com',
      displayName: 'Eva Ek',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ email: 'eva@example.com', displayName: 'Eva Ek', status: 'none' });
    expect((await h.req('DELETE', `/api/v1/users/${id}`)).status).toBe(204);
    expect((await h.req('GET', `/api/v1/users/${id}/profile`)).status).toBe(404);
    expect(actions()).toEqual(expect.arrayContaining(['user.update', 'user.delete']));
  });

  it('reset: methods gone, old links dead, sign-in refused until the user registers again', async () => {
    const id = await newUser('rut');
    await addOffice(id, true);
    const link = await h.req('POST', '/api/v1/enrollment-links', { userId: id });
    const token = String(link.body.url).split('/enroll/')[1]!;
    const reset = await h.req('POST', `/api/v1/users/${id}/reset-methods`);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ removed: 1, user: { status: 'none', methods: 0, openLinks: 0 } });
    expect(reset.body.user.reregisterRequestedAt).toEqual(expect.any(Number));
    // The old link no longer works; sign-in has no phone to call.
    expect(findUsableEnrollmentLink(h.store.db, token)).toBeUndefined();
    const signIn = await h.req('POST', '/api/v1/verifications', { userId: id });
    expect(signIn.status).toBe(409);
    // Registering again: a new phone, verified → verified.
    await addOffice(id, true);
    expect((await h.req('GET', `/api/v1/users/${id}/profile`)).body.status).toBe('verified');
    expect(actions()).toContain('user.reset-methods');
  });

  it('require re-registration keeps the phones but unverified; sign-in refused', async () => {
    const id = await newUser('rolf');
    await addOffice(id, true);
    const r = await h.req('POST', `/api/v1/users/${id}/require-reregistration`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ unverified: 1, user: { status: 'pending', methods: 1, verifiedMethods: 0 } });
    const detail = await h.req('GET', `/api/v1/users/${id}`);
    expect(detail.body.phoneMethods[0]).toMatchObject({ verified: false, isDefault: false });
    expect((await h.req('POST', '/api/v1/verifications', { userId: id })).status).toBe(409);
    expect(actions()).toContain('user.require-reregistration');
  });

  it('block needs a reason; unblock lifts it; both audited with the reason', async () => {
    const id = await newUser('ben');
    await addOffice(id, true);
    const noReason = await h.req('POST', `/api/v1/users/${id}/block`, { days: 3, reason: '  ' }, { lang: 'sv' });
    expect(noReason.status).toBe(422);
    expect(noReason.body.fields[0].message).toBe('Skriv varför användaren spärras.');
    const blocked = await h.req('POST', `/api/v1/users/${id}/block`, { days: 3, reason: 'lost phone' });
    expect(blocked.body).toMatchObject({ status: 'blocked', blockReason: 'lost phone' });
    const signIn = await h.req('POST', '/api/v1/verifications', { userId: id });
    expect(signIn.status).toBe(422);
    expect(signIn.body.reasonCode).toBe('user-blocked');
    const un = await h.req('POST', `/api/v1/users/${id}/unblock`, { reason: 'found it' });
    expect(un.body).toMatchObject({ status: 'verified', blockedUntil: null, blockReason: null });
    const log = listAudit(h.store.db, { target: `user:${id}` });
    expect(log.find((a) => a.action === 'user.block')?.detail).toMatchObject({ reason: 'lost phone' });
    expect(log.find((a) => a.action === 'user.unblock')?.detail).toMatchObject({ reason: 'found it' });
  });

  it('a bypass needs an explanation', async () => {
    const id = await newUser('bea');
    const r = await h.req('POST', `/api/v1/users/${id}/bypass`, {}, { lang: 'en' });
    expect(r.status).toBe(422);
    expect(r.body.fields[0].field).toBe('reason');
    const ok = await h.req('POST', `/api/v1/users/${id}/bypass`, { reason: 'ticket 4711' });
    expect(ok.status).toBe(201);
    expect(ok.body.reason).toBe('ticket 4711');
  });
});

describe('bulk enrollment links', () => {
  it('JSON and CSV for chosen users or a status; unknown ids reported; each link audited', async () => {
    const a = await newUser('anna');
    const b = await newUser('=cmd', {});
    await h.req('PATCH', `/api/v1/users/${a}/profile`, { email: 'anna@example.com', displayName: 'Anna, "A"' });
    const json = await h.req('POST', '/api/v1/enrollment-links/bulk', { userIds: [a, 'nope'] });
    expect(json.status).toBe(201);
    expect(json.body.unknown).toEqual(['nope']);
    expect(json.body.links).toEqual([
      expect.objectContaining({
        username: 'anna',
        email: 'anna@example.com',
        url: expect.stringMatching(/\/enroll\//),
      }),
    ]);
    const res = await fetch(`${h.baseUrl}/api/v1/enrollment-links/bulk?format=csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'pending' }),
    });
    if (res.status !== 200) throw new Error(await res.text());
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await res.text();
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    // Both users are pending now (anna has an open link from the JSON call, =cmd did not) → only anna.
    expect(lines[0]).toBe('username,displayName,email,language,enrollmentUrl,expiresAt');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^anna,"Anna, ""A""",anna@example.com,sv-SE,https:\/\/mfa\.example\.test\/enroll\/[\w-]+,\d{4}-/,
    );
    const none = await fetch(`${h.baseUrl}/api/v1/enrollment-links/bulk?format=csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userIds: [b] }),
    });
    // A spreadsheet formula in a username is neutralised.
    expect((await none.text()).split('\r\n')[1]).toMatch(/^'=cmd,/);
    expect(actions().filter((x) => x === 'enrollment-link.create')).toHaveLength(3);
  });

  it('e-mail sending is refused with a clear message when mail is off', async () => {
    const a = await newUser('anna');
    const r = await h.req('POST', '/api/v1/enrollment-mails', { userIds: [a] }, { lang: 'sv' });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/mail\.enabled/);
  });
});

describe('fraud review and API keys', () => {
  it('dismissing a report unblocks the user; confirming keeps and extends the block', async () => {
    const id = await newUser('fia');
    const until = Date.now() + 86_400_000;
    updateUser(h.store.db, id, { blockedUntil: until });
    const r1 = insertFraudReport(h.store.db, { attemptId: null, userId: id, digits: '0#', blockedUntil: until });
    const d = await h.req('POST', `/api/v1/fraud-reports/${r1.id}/review`, {
      verdict: 'dismissed',
      note: 'pocket dial',
    });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ verdict: 'dismissed', note: 'pocket dial', reviewedAt: expect.any(Number) });
    expect((await h.req('GET', `/api/v1/users/${id}/profile`)).body.status).toBe('none');
    const r2 = insertFraudReport(h.store.db, { attemptId: null, userId: id, digits: '0#', blockedUntil: null });
    const c = await h.req('POST', `/api/v1/fraud-reports/${r2.id}/review`, { verdict: 'confirmed', blockDays: 30 });
    expect(c.body.verdict).toBe('confirmed');
    const p = (await h.req('GET', `/api/v1/users/${id}/profile`)).body;
    expect(p.status).toBe('blocked');
    expect(p.blockedUntil).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(actions()).toEqual(expect.arrayContaining(['fraud.dismiss', 'fraud.confirm']));
    expect((await h.req('POST', '/api/v1/fraud-reports/nope/review', { verdict: 'confirmed' })).status).toBe(404);
  });

  it('creates a key (shown once), lists without secrets, revokes it so it stops working', async () => {
    const bad = await h.req('POST', '/api/v1/api-keys', { name: '', scope: 'integration' }, { lang: 'sv' });
    expect(bad.status).toBe(422);
    const c = await h.req('POST', '/api/v1/api-keys', {
      name: 'VPN portal',
      scope: 'integration',
      webhookUrl: 'https://idp.example.test/hook',
    });
    expect(c.status).toBe(201);
    expect(c.body.key).toMatch(/^fyk_/);
    expect(c.body.webhookSecret).toEqual(expect.any(String));
    expect((await h.req('GET', '/api/v1/users', undefined, { key: c.body.key })).status).toBe(200);
    const list = await h.req('GET', '/api/v1/api-keys');
    const listed = list.body.apiKeys.find((k: { id: string }) => k.id === c.body.id);
    expect(listed).toMatchObject({ name: 'VPN portal', hasWebhookSecret: true });
    expect(JSON.stringify(list.body)).not.toContain(c.body.key);
    expect(JSON.stringify(list.body)).not.toContain(c.body.webhookSecret);
    expect((await h.req('DELETE', `/api/v1/api-keys/${c.body.id}`)).body.revokedAt).toEqual(expect.any(Number));
    expect((await h.req('GET', '/api/v1/users', undefined, { key: c.body.key })).status).toBe(401);
    expect(actions()).toEqual(expect.arrayContaining(['apikey.create', 'apikey.revoke']));
  });
});
