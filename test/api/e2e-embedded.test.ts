/**
 * The "done when" over HTTP: the whole app (startApp: store, policy, embedded SIP + RTP
 * backend, IVR scripts, REST API) against sipp on 127.0.0.1 playing the shipped RFC 2833 pcaps.
 * The trunk points at one fixed free port; each test starts its own sipp there.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiRuntime } from '../../src/app/api-runtime';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { createApiKey } from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { rfc2833Scenario, timedInfoScenario } from '../support/peers/sipp-media-scenarios';
import { response, scenario } from '../support/peers/sipp-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';

// Prompts play in real time; a loaded 2-core machine needs headroom.
jest.setTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), 'fyrkant-api-e2e-'));
let app: RunningApp;
let key: string;
let trunkPort: number;
const peers: SippPeer[] = [];

/** The shipped scripts with shorter input timeouts and one try, so "no input" ends in seconds. */
function quickScripts(): string {
  const src = resolve(__dirname, '..', '..', 'ivr-scripts');
  const out = join(dir, 'scripts');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(src).filter((n) => n.endsWith('.yaml') || n === 'schema.json'))
    writeFileSync(
      join(out, f),
      readFileSync(join(src, f), 'utf8')
        .replace(/timeoutMs: 8000/g, 'timeoutMs: 2500')
        .replace(/tries: 3/g, 'tries: 1'),
    );
  return out;
}

beforeAll(async () => {
  trunkPort = await freePort();
  const promptCacheDir = join(dir, 'prompts');
  const file = await writeCallConfig({
    dir,
    promptCacheDir,
    allowSipUriDial: false,
    // sipp answers at once; the margin is for a loaded machine, not for the callee.
    ringTimeoutSeconds: 30,
    trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    extra: {
      companyName: 'Example AB',
      homeCountry: 'SE',
      http: { address: '127.0.0.1', port: 0 },
      ivr: { scriptsDir: quickScripts(), promptCacheDir },
      dialPlan: { requestUri: 'sip:{e164}@{host}', extension: { preDelayMs: 200, postDelayMs: 300 } },
      // No trunk probe during a test: sipp would take the OPTIONS for a call it does not expect.
      jobs: { trunkHealthCron: '0 0 1 1 *' },
    },
  });
  const config = loadConfig({ file }).config;
  app = await startApp(
    { ...config, telephony: { ...config.telephony, backend: 'embedded' } },
    { logger: silentLogger() },
  );
  expect(app.ctx.backendStatus.available).toBe(true);
  key = createApiKey(app.ctx.store.db, { name: 'e2e', scopes: ['admin'] }).key;
  // Let the start-up trunk probe (to a port nobody holds yet) finish before sipp takes the port:
  // wait for the job's first run to be recorded, not for a fixed time. Nothing answers, so the probe
  // ends at its OPTIONS transaction timeout (Timer F, 64 × T1 = 32 s): the deadline must be above that.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const jobs = (await api('GET', '/api/v1/jobs')).body.jobs as { name: string; runs: number }[];
    if ((jobs.find((j) => j.name === 'trunk-health')?.runs ?? 0) > 0) break;
    if (Date.now() > deadline) throw new Error('the start-up trunk probe never finished');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

async function sipp(xml: string, calls = 1): Promise<SippPeer> {
  // An attempt ends at the callee's answer while its call still plays the goodbye and hangs up:
  // that call must be over before a new sipp takes the trunk port, or the new one gets its BYE.
  await Promise.race([apiRuntime(app.ctx).verification.queue.whenIdle(), new Promise((r) => setTimeout(r, 30_000))]);
  const peer = await startSippUas({
    scenarioXml: xml,
    port: trunkPort,
    mediaPort: await freeEvenPortPair(),
    calls,
    timeoutS: 100,
  });
  peers.push(peer);
  return peer;
}

async function ended(attemptId: string) {
  for (let i = 0; i < 1000; i++) {
    const r = await api('GET', `/api/v1/attempts/${attemptId}`);
    if (r.body.state === 'ended') return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`attempt ${attemptId} did not end`);
}

async function newUser(name: string, extension?: string) {
  const u = await api('POST', '/api/v1/users', { username: name, displayName: name, language: 'en-US' });
  expect(u.status).toBe(201);
  const m = await api('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
    kind: 'office',
    country: 'SE',
    number: '08-123 456 78',
    ...(extension ? { extension } : {}),
  });
  expect(m.status).toBe(201);
  return { userId: u.body.id as string, methodId: m.body.id as string };
}

/**
 * Presses # (SIP INFO) every second from 6 s after the answer; the first one the script gets decides
 * (keys pressed earlier in the call count too, see test/e2e/early-pound.test.ts).
 * (Replaying the same RFC 2833 pcap would repeat its RTP timestamp: rightly taken as one key press.)
 */
const POUND_REPEATEDLY = timedInfoScenario(
  Array.from({ length: 20 }, (_, i) => ({ waitMs: i === 0 ? 6000 : 1000, signals: ['#'] })),
);

const BUSY = scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`);

describe('over HTTP with the embedded backend against sipp', () => {
  it('#: office phone with extension verified, app password once and checked, sign-in approved', async () => {
    const peer = await sipp(POUND_REPEATEDLY);
    const { userId, methodId } = await newUser('anna', '1234');
    const v = await api('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    expect(v.status).toBe(202);
    const attempt = await ended(v.body.attemptId);
    if (attempt.outcome !== 'approved')
      console.log(
        (await api('GET', `/api/v1/attempts/${v.body.attemptId}/trace`)).body.events
          .map((e: { offsetMs: number; summary: string }) => `${e.offsetMs} ${e.summary}`)
          .join('\n'),
      );
    expect(attempt).toMatchObject({
      outcome: 'approved',
      digitsReceived: '#',
      dtmfSource: 'info',
      digitsSent: '1234',
      dialledTarget: `sip:+46812345678@127.0.0.1:${trunkPort}`,
      scriptId: 'office-phone-verify',
      backend: 'embedded',
    });
    const password = attempt.appPassword.password as string;
    expect((await api('GET', `/api/v1/attempts/${v.body.attemptId}`)).body.appPassword).toBeUndefined();
    const user = (await api('GET', `/api/v1/users/${userId}`)).body;
    expect(user.phoneMethods[0]).toMatchObject({ verified: true, isDefault: true, extension: '1234' });
    expect((await api('POST', '/api/v1/app-passwords/check', { username: 'anna', password })).body).toEqual({
      valid: true,
    });
    expect(
      (await api('POST', '/api/v1/app-passwords/check', { username: 'anna', password: 'abcd-efgh-jkmn-pqrs' })).body,
    ).toEqual({
      valid: false,
    });
    // The attempt ends at the '#'; the call (goodbye prompt, BYE) goes on a little: wait for its BYE.
    let trace: string[] = [];
    for (let i = 0; i < 300 && !trace.some((t) => /→ BYE|BYE/.test(t)); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      trace = (await api('GET', `/api/v1/attempts/${v.body.attemptId}/trace`)).body.events.map(
        (e: { summary: string }) => e.summary,
      );
    }
    for (const m of [/→ INVITE sip:\+46812345678@/, /← SIP\/2\.0 200|← 200/, /→ ACK/, /→ BYE|BYE/])
      expect(trace.some((s: string) => m.test(s))).toBe(true);

    await peer.stop();

    // Sign-in on the now verified default phone: a fresh sipp on the trunk port.
    const second = await sipp(POUND_REPEATEDLY);
    const s = await api('POST', '/api/v1/verifications', { username: 'anna' });
    expect(s.status).toBe(202);
    expect(await ended(s.body.attemptId)).toMatchObject({
      outcome: 'approved',
      purpose: 'sign-in',
      digitsReceived: '#',
    });
    await second.stop();
  });

  it('0#: the fraud report is recorded with the attempt', async () => {
    const peer = await sipp(rfc2833Scenario(['dtmf_2833_0.pcap', 'dtmf_2833_pound.pcap']));
    const { userId, methodId } = await newUser('bo');
    const v = await api('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    expect(await ended(v.body.attemptId)).toMatchObject({ outcome: 'fraud', digitsReceived: '0#' });
    const reports = (await api('GET', `/api/v1/fraud-reports?userId=${userId}`)).body.fraudReports;
    expect(reports.map((r: { attemptId: string }) => r.attemptId)).toEqual([v.body.attemptId]);
    expect((await api('GET', `/api/v1/users/${userId}`)).body.phoneMethods[0].verified).toBe(false);
    expect(await peer.finished()).toBe(0);
  });

  it('nothing pressed: no-input, the phone stays unverified', async () => {
    const peer = await sipp(rfc2833Scenario([], 60_000));
    const { userId, methodId } = await newUser('cia');
    const v = await api('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/verify`);
    const a = await ended(v.body.attemptId);
    expect(a).toMatchObject({ outcome: 'no-input', reason: 'The call was answered but no key was pressed.' });
    expect(a.timings.answeredAt).not.toBeNull();
    expect((await api('GET', `/api/v1/users/${userId}`)).body.phoneMethods[0].verified).toBe(false);
    await peer.stop();
  });

  it('486: busy, with the reason in plain words', async () => {
    const peer = await sipp(BUSY);
    const { userId, methodId } = await newUser('dan');
    const v = await api('POST', `/api/v1/users/${userId}/phone-methods/${methodId}/test`);
    const a = await ended(v.body.attemptId);
    expect(a).toMatchObject({ outcome: 'busy', sipStatus: 486, reason: 'The line was busy (486 Busy Here).' });
    expect(a.timings.answeredAt).toBeNull();
    expect(await peer.finished()).toBe(0);
  });
});
