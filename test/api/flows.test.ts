import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifyWebhookSignature } from '../../src/domain/webhooks/signature';
import { openApiPath } from '../../src/http/api/openapi';
import { type ApiHarness, createApiHarness } from '../support/api-harness';
import { afterPrompt, press } from '../support/fake-telephony';

let h: ApiHarness;
afterEach(async () => {
  await h?.close();
});

async function waitEnded(id: string, key?: string) {
  for (let i = 0; i < 300; i++) {
    const r = await h.req('GET', `/api/v1/attempts/${id}`, undefined, key ? { key } : {});
    if (r.body.state === 'ended') return r.body;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`attempt ${id} did not end`);
}

async function userWithOffice(ext = '1234') {
  const u = await h.req('POST', '/api/v1/users', {
    username: `anna${Math.random().toString(36).slice(2, 7)}`,
    displayName: 'Anna Andersson',
    language: 'sv-SE',
  });
  expect(u.status).toBe(201);
  const m = await h.req('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
    kind: 'office',
    country: 'SE',
    number: '08-123 456 78',
    extension: ext,
  });
  expect(m.status).toBe(201);
  return { userId: u.body.id as string, methodId: m.body.id as string, username: u.body.username as string };
}

describe('the "done when" flow over HTTP (fake telephony)', () => {
  it('user → office phone → verify (approved) → app password once → check → sign-in approved → 0# fraud', async () => {
    h = await createApiHarness();
    const { userId, methodId, username } = await userWithOffice();
    const method = (await h.req('GET', `/api/v1/users/${userId}`)).body.phoneMethods[0];
    expect(method).toMatchObject({ e164: '+46812345678', extension: '1234', verified: false, isDefault: false });

    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    const v = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`, undefined, {
      key: h.integrationKey,
    });
    expect(v.status).toBe(202);
    const attempt = await waitEnded(v.body.attemptId, h.integrationKey);
    expect(attempt).toMatchObject({
      outcome: 'approved',
      purpose: 'enrollment',
      digitsSent: '1234',
      digitsReceived: '#',
    });
    expect(attempt.appPassword.password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const password = attempt.appPassword.password as string;
    const again = await h.req('GET', `/api/v1/attempts/${v.body.attemptId}`, undefined, { key: h.integrationKey });
    expect(again.body.appPassword).toBeUndefined();
    const after = (await h.req('GET', `/api/v1/users/${userId}`)).body.phoneMethods[0];
    expect(after).toMatchObject({ verified: true, isDefault: true });

    expect((await h.req('POST', '/api/v1/app-passwords/check', { username, password })).body).toEqual({ valid: true });
    expect(
      (await h.req('POST', '/api/v1/app-passwords/check', { username, password: password.toUpperCase() })).body,
    ).toEqual({ valid: true });
    expect(
      (await h.req('POST', '/api/v1/app-passwords/check', { username, password: 'abcd-efgh-jkmn-pqrs' })).body,
    ).toEqual({ valid: false });
    expect((await h.req('POST', '/api/v1/app-passwords/check', { username: 'nobody', password })).body).toEqual({
      valid: false,
    });

    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    const s = await h.req('POST', '/api/v1/verifications', { username });
    expect(s.status).toBe(202);
    expect(await waitEnded(s.body.attemptId)).toMatchObject({ outcome: 'approved', purpose: 'sign-in' });

    h.backend.enqueue({ steps: [press('0#', afterPrompt(), 5)] });
    const f = await h.req('POST', '/api/v1/verifications', { userId });
    const fraud = await waitEnded(f.body.attemptId);
    expect(fraud).toMatchObject({ outcome: 'fraud', digitsReceived: '0#' });
    const reports = await h.req('GET', `/api/v1/fraud-reports?userId=${userId}`);
    expect(reports.body.fraudReports).toHaveLength(1);
    expect(reports.body.fraudReports[0].attemptId).toBe(f.body.attemptId);
  });

  it('a premium-rate number is refused with 422 and a reason code, in Swedish or English; nothing is dialled', async () => {
    h = await createApiHarness();
    const { userId } = await userWithOffice();
    const sv = await h.req(
      'POST',
      `/api/v1/users/${userId}/phone-methods`,
      { kind: 'office', country: 'SE', number: '0939-123 456' },
      { lang: 'sv-SE,sv;q=0.9,en;q=0.5' },
    );
    expect(sv.status).toBe(422);
    expect(sv.body).toMatchObject({ error: 'policy-denied', reasonCode: 'blocked-number-type' });
    expect(sv.body.fields[0]).toMatchObject({ field: 'number', code: 'blocked-number-type' });
    expect(sv.body.fields[0].messages.sv).toMatch(/betalnummer|premium/i);
    expect(sv.body.fields[0].message).toBe(sv.body.fields[0].messages.sv);
    const en = await h.req(
      'POST',
      `/api/v1/users/${userId}/phone-methods`,
      { kind: 'office', country: 'SE', number: '0939-123 456' },
      { lang: 'en' },
    );
    expect(en.body.fields[0].message).toBe(en.body.fields[0].messages.en);
    expect(h.backend.dials).toHaveLength(0);
  });

  it('bad input → 422 with one message per field in both languages', async () => {
    h = await createApiHarness();
    const { userId } = await userWithOffice();
    const r = await h.req(
      'POST',
      `/api/v1/users/${userId}/phone-methods`,
      { kind: 'desk', country: 'Sweden', extension: '12a', pin: '1', extra: 1 },
      { lang: 'sv' },
    );
    expect(r.status).toBe(422);
    const byField = Object.fromEntries(r.body.fields.map((f: { field: string; code: string }) => [f.field, f.code]));
    expect(byField).toEqual({
      kind: 'invalid_value',
      country: 'invalid_format',
      number: 'required',
      extension: 'invalid_format',
      pin: 'invalid_format',
      extra: 'unknown_field',
    });
    for (const f of r.body.fields) {
      expect(f.messages.sv.length).toBeGreaterThan(3);
      expect(f.messages.en.length).toBeGreaterThan(3);
      expect(f.message).toBe(f.messages.sv);
    }
    const notNumber = await h.req('POST', `/api/v1/users/${userId}/phone-methods`, {
      kind: 'office',
      country: 'SE',
      number: 'hello',
    });
    expect(notNumber.status).toBe(422);
    expect(notNumber.body.fields[0].field).toBe('number');
    const who = await h.req('POST', '/api/v1/verifications', {});
    expect(who.status).toBe(422);
    expect(who.body.fields[0]).toMatchObject({ field: 'userId', code: 'user-required' });
  });

  it('users: create, duplicate 409, find by username, patch, block via admin, delete', async () => {
    h = await createApiHarness();
    const c = await h.req('POST', '/api/v1/users', { username: 'bo', displayName: 'Bo' });
    expect(c.status).toBe(201);
    expect((await h.req('POST', '/api/v1/users', { username: 'bo' })).status).toBe(409);
    expect((await h.req('GET', '/api/v1/users?username=bo')).body.users.map((u: { id: string }) => u.id)).toEqual([
      c.body.id,
    ]);
    expect((await h.req('GET', '/api/v1/users?username=nobody')).body.users).toEqual([]);
    const p = await h.req('PATCH', `/api/v1/users/${c.body.id}`, { displayName: 'Bo B', language: 'en-US' });
    expect(p.body).toMatchObject({ displayName: 'Bo B', language: 'en-US' });
    const blocked = await h.req(
      'PATCH',
      `/api/v1/users/${c.body.id}`,
      { blockedUntil: Date.now() + 60_000 },
      { key: h.integrationKey },
    );
    expect(blocked.status).toBe(403);
    expect((await h.req('DELETE', `/api/v1/users/${c.body.id}`)).status).toBe(204);
    expect((await h.req('GET', `/api/v1/users/${c.body.id}`)).status).toBe(404);
    const actions = (await h.req('GET', '/api/v1/audit')).body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.update', 'user.delete']));
  });

  it('phone methods: only a verified phone can be default; a changed number must be re-verified', async () => {
    h = await createApiHarness();
    const { userId, methodId } = await userWithOffice();
    const d = await h.req('PATCH', `/api/v1/users/${userId}/phone-methods/${methodId}`, { isDefault: true });
    expect(d.status).toBe(422);
    expect(d.body.fields[0].code).toBe('not-verified');
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    const v = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    await waitEnded(v.body.attemptId);
    const changed = await h.req('PATCH', `/api/v1/users/${userId}/phone-methods/${methodId}`, { extension: '99' });
    expect(changed.body).toMatchObject({ extension: '99', verified: false, isDefault: false });
    expect((await h.req('DELETE', `/api/v1/users/${userId}/phone-methods/${methodId}`)).status).toBe(204);
    expect((await h.req('DELETE', `/api/v1/users/${userId}/phone-methods/${methodId}`)).status).toBe(404);
  });

  it('app passwords: create (shown once), list without secrets, revoke; failures elsewhere never lock out', async () => {
    h = await createApiHarness({ appPasswords: { throttle: { freeFailures: 2 } } });
    const { userId, username } = await userWithOffice();
    const c = await h.req('POST', `/api/v1/users/${userId}/app-passwords`, { name: 'Outlook' });
    expect(c.status).toBe(201);
    const list = await h.req('GET', `/api/v1/users/${userId}/app-passwords`);
    expect(list.body.appPasswords).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(c.body.password);
    expect(JSON.stringify(list.body)).not.toMatch(/hash|scrypt/);
    expect(
      (await h.req('POST', '/api/v1/app-passwords/check', { username, password: c.body.password })).body.valid,
    ).toBe(true);
    expect((await h.req('DELETE', `/api/v1/users/${userId}/app-passwords/${c.body.id}`)).status).toBe(204);
    expect(
      (await h.req('POST', '/api/v1/app-passwords/check', { username, password: c.body.password })).body.valid,
    ).toBe(false);
    // Someone elsewhere fails on the user's name; the user's own client is not slowed or refused.
    const mallory = { username, password: 'wrong', clientAddress: '203.0.113.66' };
    for (let i = 0; i < 2; i++)
      expect((await h.req('POST', '/api/v1/app-passwords/check', mallory)).body).toEqual({ valid: false });
    const c2 = await h.req('POST', `/api/v1/users/${userId}/app-passwords`, { name: 'Mail' });
    const own = await h.req('POST', '/api/v1/app-passwords/check', {
      username,
      password: c2.body.password,
      clientAddress: '198.51.100.7',
    });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ valid: true });
  });

  it('enrollment links and one-time bypass', async () => {
    h = await createApiHarness();
    const { userId, methodId } = await userWithOffice();
    const link = await h.req('POST', '/api/v1/enrollment-links', { userId }, { key: h.integrationKey });
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(/^https:\/\/mfa\.example\.test\/enroll\/[A-Za-z0-9_-]{32}$/);
    expect(link.body.expiresAt).toBeGreaterThan(Date.now());
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    await waitEnded((await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`)).body.attemptId);
    expect(
      (await h.req('POST', `/api/v1/users/${userId}/bypass`, { reason: 'phone broken' }, { key: h.integrationKey }))
        .status,
    ).toBe(403);
    const b = await h.req('POST', `/api/v1/users/${userId}/bypass`, { reason: 'phone broken', ttlSeconds: 300 });
    expect(b.status).toBe(201);
    const s = await h.req('POST', '/api/v1/verifications', { userId });
    expect(s.body).toMatchObject({ state: 'ended', outcome: 'approved' });
    expect(h.backend.dials).toHaveLength(1);
    const audit = (await h.req('GET', `/api/v1/audit?target=user:${userId}`)).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toEqual(expect.arrayContaining(['bypass.create', 'bypass.use', 'enrollment-link.create']));
  });

  it('rate limits answer 429 with Retry-After and record the attempt', async () => {
    h = await createApiHarness({ rateLimits: { perUser: { max: 1, windowSeconds: 300 } } });
    const { userId, methodId } = await userWithOffice();
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    const first = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    expect(first.status).toBe(202);
    const second = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    expect(second.status).toBe(429);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(290);
    expect(second.body).toMatchObject({ error: 'rate-limited', reasonCode: 'rate-limit-user' });
    const rec = await h.req('GET', `/api/v1/attempts/${second.body.attemptId}`);
    expect(rec.body).toMatchObject({ state: 'ended', outcome: 'rate-limited' });
  });
});

describe('attempt reading', () => {
  it('detail has timings and plain words; list filters; trace has the ladder events', async () => {
    h = await createApiHarness();
    const { userId, methodId } = await userWithOffice();
    h.backend.enqueue({ dial: { kind: 'fail', reason: 'busy', sipStatus: 486, sipReason: 'Busy Here' } });
    const v = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    const sv = await waitEnded(v.body.attemptId);
    const a = (await h.req('GET', `/api/v1/attempts/${v.body.attemptId}`, undefined, { lang: 'sv' })).body;
    expect(sv.outcome).toBe('busy');
    expect(a.reason).toBe('Det var upptaget (486 Busy Here).');
    expect(a.reasons.en).toBe('The line was busy (486 Busy Here).');
    expect(a.timings.queuedAt).toBeLessThanOrEqual(a.timings.endedAt);
    const list = await h.req('GET', `/api/v1/attempts?userId=${userId}&outcome=busy&since=0`);
    expect(list.body.attempts.map((x: { id: string }) => x.id)).toEqual([v.body.attemptId]);
    expect((await h.req('GET', '/api/v1/attempts?outcome=nonsense')).status).toBe(422);
    const trace = await h.req('GET', `/api/v1/attempts/${v.body.attemptId}/trace`);
    const summaries = trace.body.events.map((e: { summary: string }) => e.summary);
    expect(summaries[0]).toBe('state → queued');
    expect(summaries.some((s: string) => s.includes('INVITE'))).toBe(true);
    expect(summaries.at(-1)).toMatch(/^state → ended \(busy 486/);
  });

  it('Server-Sent Events stream the live trace and the final attempt, then end', async () => {
    h = await createApiHarness();
    const { userId, methodId } = await userWithOffice('');
    h.backend.enqueue({ dial: { kind: 'answer', afterMs: 80 }, steps: [press('#', afterPrompt(), 30)] });
    const v = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`, undefined, {
      key: h.integrationKey,
    });
    const res = await fetch(`${h.baseUrl}/api/v1/attempts/${v.body.attemptId}/events`, {
      headers: { authorization: `Bearer ${h.integrationKey}` },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const events = text
      .split('\n\n')
      .filter((b) => b.includes('event:'))
      .map((b) => ({
        event: /event: (.*)/.exec(b)![1],
        id: /id: (.*)/.exec(b)?.[1],
        data: JSON.parse(/data: (.*)/.exec(b)![1]!),
      }));
    const traceStates = events
      .filter((e) => e.event === 'trace' && e.data.kind === 'state' && e.data.summary.startsWith('state'))
      .map((e) => e.data.summary.split(' ')[2]);
    expect(traceStates).toEqual(['queued', 'dialling', 'answered', 'in-script', 'ended']);
    // Every state reaches the follower as a `state` event too, in order, though answered and
    // in-script commit together (issue 20); repeats are snapshots of the current state.
    const liveStates = events.filter((e) => e.event === 'state').map((e) => e.data.state as string);
    expect(liveStates.filter((x, i) => x !== liveStates[i - 1])).toEqual([
      'queued',
      'dialling',
      'answered',
      'in-script',
    ]);
    const ids = events.filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    const final = events.find((e) => e.event === 'attempt')!;
    expect(final.data.outcome).toBe('approved');
    expect(final.data.appPassword.password).toMatch(/^[a-z2-9-]{19}$/);
    expect(events.at(-1)!.event).toBe('end');

    // Resuming with Last-Event-ID sends only what came after.
    const resumed = await fetch(`${h.baseUrl}/api/v1/attempts/${v.body.attemptId}/events`, {
      headers: { authorization: `Bearer ${h.integrationKey}`, 'last-event-id': String(ids.at(-2)) },
    });
    const rtext = await resumed.text();
    expect((rtext.match(/event: trace/g) ?? []).length).toBe(1);
    expect(rtext).not.toContain('appPassword');
  });
});

describe('webhooks', () => {
  it('the key that started an attempt receives its result, signed, and redelivery after a failure is visible', async () => {
    const received: { body: string; signature: string }[] = [];
    let failFirst = true;
    const server: Server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (failFirst) {
          failFirst = false;
          res.writeHead(500).end();
          return;
        }
        received.push({ body, signature: String(req.headers['fyrkant-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      h = await createApiHarness({
        webhookUrl: `http://127.0.0.1:${port}/hook`,
        webhooks: { backoff: { initialMs: 20, factor: 1, maxMs: 20, maxTries: 3 } },
      });
      const { userId, methodId } = await userWithOffice();
      h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
      const v = await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`, undefined, {
        key: h.integrationKey,
      });
      await waitEnded(v.body.attemptId, h.integrationKey);
      expect(await h.ctx.webhooks.deliverDue()).toBe(1);
      let d = (await h.req('GET', `/api/v1/webhook-deliveries?attemptId=${v.body.attemptId}`)).body.deliveries;
      expect(d[0]).toMatchObject({ status: 'pending', tries: 1, lastHttpStatus: 500 });
      await new Promise((r) => setTimeout(r, 40));
      await h.ctx.jobs.runNow('retry-queue');
      d = (await h.req('GET', `/api/v1/webhook-deliveries?attemptId=${v.body.attemptId}`)).body.deliveries;
      expect(d[0]).toMatchObject({ status: 'delivered', tries: 2, lastHttpStatus: 204 });
      expect(received).toHaveLength(1);
      const payload = JSON.parse(received[0]!.body);
      expect(payload).toMatchObject({ type: 'attempt.ended', attempt: { id: v.body.attemptId, outcome: 'approved' } });
      expect(
        verifyWebhookSignature('whsec_test', received[0]!.body, received[0]!.signature, Math.floor(Date.now() / 1000)),
      ).toEqual({ ok: true });
      expect((await h.metrics.webhookFailures.get()).values[0]!.value).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('OpenAPI, readiness, metrics, jobs', () => {
  it('the OpenAPI document describes every route with its parameters, body and responses', async () => {
    h = await createApiHarness();
    const doc = (await h.req('GET', '/api/openapi.json', undefined, { key: h.integrationKey })).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of h.routes) {
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      expect({ route: `${r.method} ${r.url}`, described: !!op }).toEqual({
        route: `${r.method} ${r.url}`,
        described: true,
      });
      expect(op.operationId).toBe(r.operationId);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      for (const name of r.url.match(/:([A-Za-z]+)/g) ?? [])
        expect(op.parameters.map((p: { name: string }) => p.name)).toContain(name.slice(1));
      if (r.body) expect(op.requestBody.content['application/json'].schema.type).toBe('object');
      expect(op.security).toEqual(r.auth === 'public' ? [] : [{ apiKey: [r.auth] }]);
    }
    const add = doc.paths['/api/v1/users/{id}/phone-methods'].post.requestBody.content['application/json'].schema;
    expect(add.properties.kind.enum).toEqual(['office', 'mobile', 'alternate']);
    expect(add.required).toEqual(expect.arrayContaining(['kind', 'country', 'number']));
  });

  it('/readyz reports database, backend and trunk; /metrics speaks Prometheus', async () => {
    h = await createApiHarness({ telephony: { health: { trunk: 'unreachable' } } });
    await h.backend.start();
    const notReady = await h.req('GET', '/readyz', undefined, { key: null });
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toMatchObject({ database: { ok: true }, backend: { ok: true }, trunk: { ok: false } });
    const { userId, methodId } = await userWithOffice();
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    await waitEnded((await h.req('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`)).body.attemptId);
    await h.req('POST', `/api/v1/users/${userId}/phone-methods`, {
      kind: 'office',
      country: 'SE',
      number: '0939123456',
    });
    const m = await h.req('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toMatch(/^text\/plain/);
    expect(m.body).toContain('fyrkant_attempts_total{purpose="enrollment",outcome="approved"} 1');
    expect(m.body).toContain('fyrkant_dtmf_digits_total{source="rfc4733"} 1');
    expect(m.body).toMatch(/fyrkant_call_setup_seconds_count 1/);
    expect(m.body).toMatch(/fyrkant_time_to_dtmf_seconds_count 1/);
    for (const name of [
      'fyrkant_active_calls',
      'fyrkant_queue_length',
      'fyrkant_policy_denials_total',
      'fyrkant_webhook_failures_total',
    ])
      expect(m.body).toContain(`# TYPE ${name}`);
    const status = await h.ctx.jobs.runNow('trunk-health');
    expect(status).toMatchObject({ lastOk: false, runs: 1 });
    expect(status.lastError).toMatch(/trunk unreachable/);
    const jobs = (await h.req('GET', '/api/v1/jobs')).body.jobs;
    expect(jobs.map((j: { name: string }) => j.name).sort()).toEqual([
      'expire',
      'retention',
      'retry-queue',
      'trunk-health',
    ]);
  });
});
