/**
 * Toll-fraud defence, measured on the wire: the whole app with the embedded backend, its trunk
 * pointing at a UDP socket of ours that records every SIP request (and answers INVITEs 486 so the
 * allowed calls end). 1,000 API requests for blocked destinations and over the rate limits must put
 * no INVITE on the wire and get 422 / 429 answers.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { addPhoneMethod, createApiKey, listAttempts } from '../../src/store';
import { writeCallConfig } from '../support/call-config';

// 1,000 HTTP requests plus two real calls: about a minute on an idle 2-core machine, more under load.
jest.setTimeout(400_000);

const dir = mkdtempSync(join(tmpdir(), 'fyrkant-toll-'));
let app: RunningApp;
let key: string;
let trunk: Socket;
const invites = new Set<string>();
let datagrams = 0;

/** A minimal UAS: remembers each INVITE's Call-ID and answers it 486 (and 200 to anything else). */
function answer(msg: Buffer, rinfo: { address: string; port: number }) {
  datagrams++;
  const text = msg.toString('latin1');
  const [startLine] = text.split('\r\n');
  if (!startLine || startLine.startsWith('SIP/2.0')) return;
  const method = startLine.split(' ')[0];
  const headers = text.split('\r\n\r\n')[0]!.split('\r\n').slice(1);
  const pick = (name: RegExp) => headers.filter((h) => name.test(h));
  const callId = pick(/^(call-id|i)\s*:/i)[0]?.replace(/^[^:]+:\s*/, '') ?? '';
  if (method === 'INVITE') invites.add(callId);
  if (method === 'ACK') return;
  const status = method === 'INVITE' ? '486 Busy Here' : '200 OK';
  const to = pick(/^(to|t)\s*:/i)[0] ?? 'To: <sip:x@127.0.0.1>';
  const reply = [
    `SIP/2.0 ${status}`,
    ...pick(/^(via|v)\s*:/i),
    ...pick(/^(from|f)\s*:/i),
    /tag=/.test(to) ? to : `${to};tag=toll${invites.size}`,
    ...pick(/^(call-id|i)\s*:/i),
    ...pick(/^cseq\s*:/i),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  trunk.send(reply, rinfo.port, rinfo.address);
}

beforeAll(async () => {
  trunk = createSocket('udp4');
  trunk.on('message', answer);
  await new Promise<void>((r) => trunk.bind(0, '127.0.0.1', r));
  const trunkPort = trunk.address().port;
  const file = await writeCallConfig({
    dir,
    promptCacheDir: join(dir, 'prompts'),
    allowSipUriDial: false,
    trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    extra: {
      homeCountry: 'SE',
      http: { address: '127.0.0.1', port: 0 },
      ivr: { scriptsDir: resolve(__dirname, '..', '..', 'ivr-scripts'), promptCacheDir: join(dir, 'prompts') },
      dialPlan: { requestUri: 'sip:{e164}@{host}' },
      policy: {
        allowedCountries: [],
        blockedTypes: ['premium-rate', 'shared-cost', 'personal', 'uan', 'pager', 'unknown'],
        allowPrefixes: [],
        denyPrefixes: ['+46771'],
        rateLimits: {
          perUser: { max: 2, windowSeconds: 300 },
          perNumber: { max: 5, windowSeconds: 300 },
          globalConcurrent: 10,
          globalPerMinute: 1000,
        },
      },
      verification: {
        fraudAutoBlockDays: 0,
        retry: { maxRetries: 0, backoffSeconds: 60 },
        enrollmentLinkTtlMinutes: 60,
        bypassTtlSeconds: 300,
      },
      jobs: { retentionDays: 30, trunkHealthCron: '0 0 1 1 *', expiryCron: '*/5 * * * *', retentionCron: '17 3 * * *' },
    },
  });
  const config = loadConfig({ file }).config;
  app = await startApp(
    { ...config, telephony: { ...config.telephony, backend: 'embedded' } },
    { logger: silentLogger() },
  );
  expect(app.ctx.backendStatus.available).toBe(true);
  key = createApiKey(app.ctx.store.db, { name: 'toll', scopes: ['admin'] }).key;
  // The start-up trunk probe is an OPTIONS, not an INVITE; let it pass before counting.
  await new Promise((r) => setTimeout(r, 500));
});

afterAll(async () => {
  await app?.stop();
  trunk?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => undefined)) as any };
}

async function ended(attemptId: string) {
  for (let i = 0; i < 300; i++) {
    const r = await api('GET', `/api/v1/attempts/${attemptId}`);
    if (r.body.state === 'ended') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`attempt ${attemptId} did not end`);
}

const BLOCKED = [
  { number: '0939-123 456', reason: 'blocked-number-type' }, // Swedish premium rate
  { number: '0900-123 45 67', reason: 'blocked-number-type' }, // Swedish premium rate
  { number: '0944-123 456', reason: 'blocked-number-type' }, // Swedish premium rate
  { number: '+44 909 879 0000', reason: 'country-not-allowed' }, // UK premium rate (09): refused already by country
  { number: '+49 30 12345678', reason: 'country-not-allowed' }, // Germany: not an allowed country
  { number: '+252 61 1234567', reason: 'country-not-allowed' }, // Somalia: an IRSF favourite
  { number: '0771-123 456', reason: 'denied-prefix' }, // on the deny list
];

describe('toll-fraud defence on the wire', () => {
  it('1,000 requests to blocked destinations and over the limits: 0 INVITEs, correct 422/429', async () => {
    // Two allowed calls prove the socket does see INVITEs (and use up the per-user limit of 2).
    const u = await api('POST', '/api/v1/users', { username: 'mallory', language: 'en-US' });
    const m = await api('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
      kind: 'office',
      country: 'SE',
      number: '08-123 456 78',
    });
    expect(m.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const v = await api('POST', `/api/v1/users/${u.body.id}/phone-methods/${m.body.id}/verify`);
      expect(v.status).toBe(202);
      expect((await ended(v.body.attemptId)).outcome).toBe('busy');
    }
    expect(invites.size).toBe(2);
    app.ctx.store.sqlite
      .prepare('UPDATE phone_methods SET verified_at = 1, is_default = 1 WHERE id = ?')
      .run(m.body.id);
    // A premium number stored before the policy forbade it (e.g. imported or config changed since).
    const victim = await api('POST', '/api/v1/users', { username: 'victim', language: 'en-US' });
    const stored = addPhoneMethod(app.ctx.store.db, {
      userId: victim.body.id,
      kind: 'office',
      country: 'SE',
      e164: '+46939123456',
    });
    const invitesBefore = invites.size;
    const datagramsBefore = datagrams;

    const requests: (() => Promise<{
      kind: string;
      status: number;
      reasonCode?: string;
      retryAfter?: string | null;
    }>)[] = [];
    for (let i = 0; i < 400; i++) {
      const b = BLOCKED[i % BLOCKED.length]!;
      requests.push(async () => {
        const r = await api('POST', `/api/v1/users/${victim.body.id}/phone-methods`, {
          kind: 'office',
          country: 'SE',
          number: b.number,
        });
        expect(r.body.reasonCode).toBe(b.reason);
        return { kind: 'add-blocked', status: r.status, reasonCode: r.body.reasonCode };
      });
    }
    for (let i = 0; i < 300; i++)
      requests.push(async () => {
        const r = await api('POST', `/api/v1/users/${victim.body.id}/phone-methods/${stored.id}/verify`);
        return { kind: 'verify-blocked', status: r.status, reasonCode: r.body.reasonCode };
      });
    for (let i = 0; i < 300; i++)
      requests.push(async () => {
        const r = await api('POST', '/api/v1/verifications', { username: 'mallory' });
        return {
          kind: 'over-limit',
          status: r.status,
          reasonCode: r.body.reasonCode,
          retryAfter: r.headers.get('retry-after'),
        };
      });
    const results: Awaited<ReturnType<(typeof requests)[number]>>[] = [];
    for (let i = 0; i < requests.length; i += 50)
      results.push(...(await Promise.all(requests.slice(i, i + 50).map((f) => f()))));

    expect(results).toHaveLength(1000);
    const by = (kind: string) => results.filter((r) => r.kind === kind);
    expect(by('add-blocked').every((r) => r.status === 422)).toBe(true);
    expect(by('verify-blocked').every((r) => r.status === 422 && r.reasonCode === 'blocked-number-type')).toBe(true);
    expect(
      by('over-limit').every((r) => r.status === 429 && r.reasonCode === 'rate-limit-user' && Number(r.retryAfter) > 0),
    ).toBe(true);
    // Give anything that might have slipped through time to reach the wire.
    await new Promise((r) => setTimeout(r, 1000));
    expect(invites.size - invitesBefore).toBe(0);
    expect(datagrams - datagramsBefore).toBe(0);
    // Every refused call is on record, none of them ever dialled.
    const denied = listAttempts(app.ctx.store.db, { outcome: 'policy-denied', limit: 1000 });
    const limited = listAttempts(app.ctx.store.db, { outcome: 'rate-limited', limit: 1000 });
    expect([denied.length, limited.length]).toEqual([300, 300]);
    expect([...denied, ...limited].every((a) => a.dialledAt === null && a.dialledTarget === null)).toBe(true);
  });
});
