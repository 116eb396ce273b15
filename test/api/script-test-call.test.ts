// biome-ignore-all lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
/**
 * Issue 15: "Test call" from the script editor runs the DRAFT (not saved), over the REST API on the
 * whole app (`startApp`) with a real sipp UAS answering and pressing '#' (RFC 2833).
 * The draft turns '#' into `denied` (the saved version approves), so the outcome shows which text
 * ran. A destination the policy refuses (a sip: URI while telephony.allowSipUriDial is off, a
 * premium-rate number) gets a 422 naming the reason and what to do, and nothing reaches the wire.
 */
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createApiKey, getAttempt, listAttemptEvents } from '../../src/store';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { rfc2833Scenario } from '../support/peers/sipp-media-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { until } from '../support/until';

jest.setTimeout(90_000);

let dir: string;
let app: RunningApp;
let key: string;
let sippPort: number;
const peers: SippPeer[] = [];

const SHIPPED = readFileSync(resolve(__dirname, '..', '..', 'ivr-scripts', 'office-phone-verify.yaml'), 'utf8');
/** The draft: '#' now ends in `denied` with the goodbye prompt; the saved version approves. */
const DRAFT = SHIPPED.replaceAll(
  '{ digits: "", result: approved, goto: success }',
  '{ digits: "", result: denied, goto: goodbye }',
);
const URL = '/api/v1/scripts/office-phone-verify/test-call';

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  requireTool('espeak-ng', 'espeak-ng');
  expect(DRAFT).not.toBe(SHIPPED);
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-api-test-call-'));
  sippPort = await freePort();
  const quietTrunk = await freePort();
  const rtp = await freePort();
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      database: { path: join(dir, 'data', 'fyrkant.db') },
      log: { level: 'warn' },
      http: { address: '127.0.0.1', port: await freePort() },
      telephony: { backend: 'embedded', ringTimeoutSeconds: 8, allowSipUriDial: false },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: `sip:127.0.0.1:${quietTrunk}`, keepaliveSeconds: 0 } },
      dialPlan: { requestUri: `sip:{e164}@127.0.0.1:${sippPort};user=phone` },
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 200) },
      ivr: { promptCacheDir: join(dir, 'prompts') },
      verification: { retry: { maxRetries: 0, backoffSeconds: 60 } },
    },
  });
  app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  key = createApiKey(app.ctx.store.db, { name: 'test-call admin', scopes: ['admin'] }).key;
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown, lang = 'en'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      'accept-language': lang,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

/** A UDP socket where an INVITE would land; collects whatever arrives. */
async function wire(port: number): Promise<{ socket: Socket; got: string[] }> {
  const socket = createSocket('udp4');
  const got: string[] = [];
  socket.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => socket.bind(port, '127.0.0.1', () => r()));
  return { socket, got };
}

describe('script editor test call (draft) over the REST API', () => {
  it('refuses a sip: URI while telephony.allowSipUriDial is off: 422, the setting named, nothing dialled', async () => {
    const w = await wire(sippPort);
    try {
      const body = { source: DRAFT, destination: `sip:probe@127.0.0.1:${sippPort}` };
      const en = await api('POST', URL, body, 'en');
      expect(en.status).toBe(422);
      expect(en.json.reasonCode).toBe('sip-uri-not-allowed');
      expect(en.json.message).toMatch(/telephony\.allowSipUriDial: true/);
      const sv = await api('POST', URL, body, 'sv');
      expect(sv.status).toBe(422);
      expect(sv.json.message).toMatch(/Att ringa SIP-adresser direkt är avstängt/);
      // Recorded as a refused test attempt that never dialled.
      const a = getAttempt(app.ctx.store.db, en.json.attemptId)!;
      expect(a).toMatchObject({ purpose: 'test', state: 'ended', outcome: 'policy-denied', dialledTarget: null });
      expect(a.destination).toBe(body.destination);
      // A premium-rate number: refused by the same destination policy.
      const premium = await api('POST', URL, { source: DRAFT, destination: '0900-123 45 67', country: 'SE' });
      expect(premium.status).toBe(422);
      expect(premium.json.reasonCode).toMatch(/blocked-number-type|denied-prefix/);
      // An address that is not a number at all: the parser's words, nothing dialled.
      const junk = await api('POST', URL, { source: DRAFT, destination: 'not a number' });
      expect(junk.status).toBe(422);
      expect(junk.json.reasonCode).toBe('invalid-number');
      // The UDP port the dial plan and the sip: URI point at: a datagram sent after the refusals arrives
      // here last, so any INVITE sent before it would be in `got` first.
      const probe = createSocket('udp4');
      await new Promise<void>((r) => probe.send('probe', sippPort, '127.0.0.1', () => r()));
      probe.close();
      await until(() => w.got.includes('probe'), 'the probe datagram', 5000);
      expect(w.got.filter((m) => /^INVITE /.test(m))).toEqual([]);
    } finally {
      w.socket.close();
    }
  });

  it('refuses an invalid draft with every problem (422) and places no call', async () => {
    const r = await api('POST', URL, {
      source: DRAFT.replace('    play: success', '    paly: success'),
      destination: '08-123 456 78',
    });
    expect(r.status).toBe(422);
    expect(r.json.error).toBe('script-invalid');
    expect(r.json.problems.length).toBeGreaterThan(0);
  });

  it('runs the draft (not the saved version) on a real call; the attempt records draft + hash', async () => {
    const sipp = await startSippUas({
      scenarioXml: rfc2833Scenario(['dtmf_2833_pound.pcap'], 4000),
      port: sippPort,
      mediaPort: await freeEvenPortPair(),
      timeoutS: 40,
    });
    peers.push(sipp);
    const started = await api('POST', URL, { source: DRAFT, destination: '08-123 456 78', language: 'sv-SE' });
    expect(started.status).toBe(202);
    const attemptId = started.json.attemptId as string;
    try {
      await until(() => getAttempt(app.ctx.store.db, attemptId)?.state === 'ended', 'the call to end', 45_000);
    } catch (err) {
      const events = listAttemptEvents(app.ctx.store.db, attemptId).map((e) => `${e.kind} ${e.summary}`);
      throw new Error(`${String(err)}\n${events.join('\n')}\n${sipp.output()}\n${sipp.logs()}`);
    }
    const a = getAttempt(app.ctx.store.db, attemptId)!;
    // The saved version would approve on '#'; the draft denies.
    expect(a.digitsReceived).toBe('#');
    expect(a.outcome).toBe('denied');
    expect(a).toMatchObject({ purpose: 'test', userId: null, scriptId: 'office-phone-verify' });
    expect(a.scriptHash).toBe(`draft:${createHash('sha256').update(DRAFT).digest('hex')}`);
    expect(a.dialledTarget).toMatch(new RegExp(`@127\\.0\\.0\\.1:${sippPort}`));
    const prompts = listAttemptEvents(app.ctx.store.db, attemptId)
      .filter((e) => e.kind === 'prompt')
      .map((e) => e.summary)
      .join('\n');
    expect(prompts).toContain('greeting@sv-SE');
    expect(prompts).not.toContain('success@');
    // The draft was not saved: version 1 still runs.
    const running = await api('GET', '/api/v1/scripts/office-phone-verify');
    expect(running.json.version).toBe(1);
    expect(running.json.source).toBe(SHIPPED);
    // The attempt is readable over the API with its draft marker.
    const viaApi = await api('GET', `/api/v1/attempts/${attemptId}`);
    expect(viaApi.status).toBe(200);
    expect(JSON.stringify(viaApi.json)).toContain('draft:');
  });

  it('is in the OpenAPI document (admin scope)', async () => {
    const doc = await api('GET', '/api/openapi.json');
    expect(doc.json.paths[URL.replace('office-phone-verify', '{scriptId}')]?.post?.operationId).toBe('testCallDraft');
  });
});
