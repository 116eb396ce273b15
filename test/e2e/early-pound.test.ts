/**
 * Issue 12's "done when", defect 1: a sipp callee presses '#' while fyrkant still plays "please
 * transfer this call to extension 12" (before the extension is dialled). Through the REST API (the
 * service) and through `fyrkant call`, with RFC 2833, SIP INFO and in-band tones, the call is
 * approved — the same outcome everywhere. (The web UI's path is browser-retry.test.ts: the same
 * service, followed in Chromium.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningApp, startApp } from '../../src/app/app';
import { callCommand } from '../../src/cli/commands/call';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { createApiKey } from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { writeDtmfUlaw } from '../support/dtmf-audio';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { inbandScenario, infoScenario, rfc2833Scenario } from '../support/peers/sipp-media-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), 'fyrkant-early-pound-'));
const promptCacheDir = join(dir, 'prompts');
const EXTENSION = { preDelayMs: 200, postDelayMs: 300 };
let app: RunningApp;
let key: string;
let sippPort: number;
const peers: SippPeer[] = [];

/** '#' about 1.6 s after answer: "Hello! Please transfer this call to extension 12." is still playing. */
function poundDuringTransferPrompt(mode: 'rfc4733' | 'info' | 'inband'): string {
  if (mode === 'rfc4733') return rfc2833Scenario(['dtmf_2833_pound.pcap'], 1600);
  if (mode === 'info') return infoScenario(['#'], 1600);
  const ulaw = join(dir, 'pound.ulaw');
  writeDtmfUlaw(ulaw, '#', { leadMs: 1500, trailMs: 8000 });
  return inbandScenario(ulaw, 100);
}

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  requireTool('espeak-ng', 'espeak-ng');
  sippPort = await freePort();
  // The trunk (OPTIONS probes, retransmitted for 32 s) points at a port nobody listens on; the dial
  // plan sends INVITEs straight to sipp. A probe reaching sipp would count as its one call.
  const quietTrunk = await freePort();
  const file = await writeCallConfig({
    dir,
    promptCacheDir,
    allowSipUriDial: false,
    ringTimeoutSeconds: 30,
    trunk: { uri: `sip:127.0.0.1:${quietTrunk}` },
    extra: {
      companyName: 'Example AB',
      homeCountry: 'SE',
      http: { address: '127.0.0.1', port: 0 },
      dialPlan: { requestUri: `sip:{e164}@127.0.0.1:${sippPort}`, extension: EXTENSION },
      jobs: { trunkHealthCron: '0 0 1 1 *' },
    },
  });
  const config = loadConfig({ file }).config;
  app = await startApp(
    { ...config, telephony: { ...config.telephony, backend: 'embedded' } },
    { logger: silentLogger() },
  );
  key = createApiKey(app.ctx.store.db, { name: 'e2e', scopes: ['admin'] }).key;
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

/** The attempt once ended, waiting on the API's own event stream (no polling with sleeps). */
async function ended(attemptId: string) {
  const res = await fetch(`${app.url}/api/v1/attempts/${attemptId}/events`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (/\nevent: end\n|^event: end\n/m.test(buffer)) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return (await api('GET', `/api/v1/attempts/${attemptId}`)).body;
}

async function trace(attemptId: string): Promise<{ offsetMs: number; summary: string }[]> {
  return (await api('GET', `/api/v1/attempts/${attemptId}/trace`)).body.events;
}

describe.each(['rfc4733', 'info', 'inband'] as const)("'#' during the transfer prompt via %s", (mode) => {
  it('is approved through the API (the service)', async () => {
    const peer = await startSippUas({
      scenarioXml: poundDuringTransferPrompt(mode),
      port: sippPort,
      mediaPort: await freeEvenPortPair(),
      timeoutS: 60,
    });
    peers.push(peer);
    const name = `early-${mode}`;
    const u = await api('POST', '/api/v1/users', { username: name, displayName: name, language: 'en-US' });
    const m = await api('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
      kind: 'office',
      country: 'SE',
      number: '08-123 456 78',
      extension: '12',
    });
    const v = await api('POST', `/api/v1/users/${u.body.id}/phone-methods/${m.body.id}/verify`);
    expect(v.status).toBe(202);
    const attempt = await ended(v.body.attemptId);
    const events = await trace(v.body.attemptId);
    const log = events.map((e) => `${e.offsetMs} ${e.summary}`).join('\n');
    expect({ outcome: attempt.outcome, log }).toMatchObject({ outcome: 'approved' });
    expect(attempt).toMatchObject({ digitsReceived: '#', dtmfSource: mode, digitsSent: '12', sipStatus: 200 });
    // The '#' came in before the extension went out: it was pressed during the transfer prompt.
    const poundAt = events.find((e) => /^DTMF # in/.test(e.summary))?.offsetMs;
    const extensionAt = events.find((e) => /^DTMF 1 out/.test(e.summary))?.offsetMs;
    expect(poundAt).toBeDefined();
    expect(extensionAt).toBeDefined();
    expect(poundAt!).toBeLessThan(extensionAt!);
  });

  it('is approved through fyrkant call, with the same outcome', async () => {
    const peer = await startSippUas({
      scenarioXml: poundDuringTransferPrompt(mode),
      mediaPort: await freeEvenPortPair(),
      timeoutS: 60,
    });
    peers.push(peer);
    const config = await writeCallConfig({
      dir,
      promptCacheDir,
      extra: {
        companyName: 'Example AB',
        dialPlan: { extension: EXTENSION },
        ivr: { scriptsDir: resolve(__dirname, '..', '..', 'ivr-scripts'), promptCacheDir },
      },
    });
    let out = '';
    const code = await callCommand(peer.uri('1001'), { json: true, config, lang: 'en-US', ext: '12' }, (s) => {
      out += s;
    });
    const json = JSON.parse(out.trim());
    expect(json).toMatchObject({
      outcome: 'approved',
      digits: '#',
      dtmfSource: mode,
      extensionSent: '12',
      sipStatus: 200,
    });
    expect(code).toBe(0);
  });
});
