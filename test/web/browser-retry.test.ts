/**
 * Issue 12's "done when" in headless Chromium with sipp as the office phone (extension 12): the first
 * call gets 486; the enrollment page says it will call again (not "failed"), fyrkant calls again on its
 * own, the phone presses '#' while the transfer prompt still plays, and the page — following the chain —
 * says "verified", and step 3 shows the app password exactly once. The admin's attempt page shows the
 * final SIP status 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createApiKey, listAttemptEvents, listAttempts } from '../../src/store';
import { launchChromium, type TestBrowser } from '../support/browser';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { rfc2833Scenario } from '../support/peers/sipp-media-scenarios';
import { response, scenario } from '../support/peers/sipp-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(180_000);

let dir: string;
let app: RunningApp | undefined;
let chrome: TestBrowser | undefined;
let sippPort: number;
const peers: SippPeer[] = [];

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  requireTool('espeak-ng', 'espeak-ng');
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-web-retry-'));
  sippPort = await freePort();
  // The trunk's OPTIONS probes go to a port nobody listens on; INVITEs go straight to sipp.
  const quietTrunk = await freePort();
  const httpPort = await freePort();
  const rtp = await freePort();
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      database: { path: join(dir, 'data', 'fyrkant.db') },
      log: { level: 'warn' },
      http: { address: '127.0.0.1', port: httpPort, publicUrl: `http://127.0.0.1:${httpPort}` },
      telephony: { backend: 'embedded', ringTimeoutSeconds: 20 },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: `sip:127.0.0.1:${quietTrunk}`, keepaliveSeconds: 0 } },
      dialPlan: {
        requestUri: `sip:{e164}@127.0.0.1:${sippPort};user=phone`,
        extension: { preDelayMs: 200, postDelayMs: 300 },
      },
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 200) },
      ivr: { promptCacheDir: join(dir, 'prompts') },
      // One automatic retry, 4 s after the busy line: time for the test to put the next phone in place.
      verification: { retry: { maxRetries: 1, backoffSeconds: 4 } },
    },
  });
  app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  chrome = await launchChromium();
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await chrome?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(xml: string): Promise<SippPeer> {
  const peer = await startSippUas({
    scenarioXml: xml,
    port: sippPort,
    mediaPort: await freeEvenPortPair(),
    timeoutS: 60,
  });
  peers.push(peer);
  return peer;
}

function whatHappened(): string {
  const lines: string[] = [];
  for (const a of listAttempts(app!.ctx.store.db, { limit: 3 })) {
    lines.push(`attempt ${a.id} ${a.state} ${a.outcome ?? ''} next=${a.nextAttemptId ?? ''}`);
    for (const e of listAttemptEvents(app!.ctx.store.db, a.id)) lines.push(`  ${e.at} ${e.kind} ${e.summary}`);
  }
  return lines.join('\n');
}

async function statusReaches(page: Page, text: string, timeout: number): Promise<void> {
  try {
    await page.waitForSelector(`[data-part="status"]:has-text("${text}")`, { timeout });
  } catch (err) {
    throw new Error(`status never became "${text}": ${String(err)}\n${whatHappened()}`);
  }
}

it('486 → automatic retry → # during the transfer prompt → verified, app password shown once', async () => {
  const db = app!.ctx.store.db;
  const key = createApiKey(db, { name: 'e2e', scopes: ['admin'] }).key;
  const post = (path: string, body: unknown) =>
    fetch(`${app!.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
    }).then((r) => r.json() as Promise<any>);
  const user = await post('/api/v1/users', { username: 'cecilia', displayName: 'Cecilia', language: 'en-GB' });
  const link = await post('/api/v1/enrollment-links', { userId: user.id });

  const busy = await phone(
    scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`),
  );
  const ctx = await chrome!.newContext({ locale: 'en-GB', acceptLanguage: 'en-GB' });
  try {
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(link.url);
    await page.getByLabel('Phone number').fill('08-123 456 78');
    await page.getByLabel(/Extension/).fill('12');
    await page.getByRole('button', { name: 'Call me' }).click();
    const callPageUrl = page.url();

    // The busy line: not "could not verify", but "we will call you again".
    await statusReaches(page, 'We will call you again automatically', 40_000);
    expect(await page.locator('[data-part="reason"]').textContent()).toBe(
      'What happened: The line was busy (486 Busy Here).',
    );
    expect(await busy.finished()).toBe(0);

    // The next call: answered, '#' 1.6 s later — while "please transfer this call to extension 12" plays.
    const answering = await phone(rfc2833Scenario(['dtmf_2833_pound.pcap'], 1600));
    await statusReaches(page, 'Verified. Thank you!', 60_000);
    expect(await answering.finished()).toBe(0);

    // A reload of the first call's page shows where the chain is now.
    await page.goto(callPageUrl);
    expect(await page.locator('[data-part="status"]').textContent()).toBe('Verified. Thank you!');

    await page.getByRole('link', { name: 'Continue' }).click();
    const password = ((await page.locator('#app-password').textContent()) ?? '').trim();
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    await page.reload();
    expect(await page.locator('#app-password').count()).toBe(0);

    const attempts = listAttempts(db, { userId: user.id });
    expect(attempts.map((a) => [a.tryNo, a.outcome, a.sipStatus])).toEqual([
      [2, 'approved', 200],
      [1, 'busy', 486],
    ]);

    // The admin's attempt page shows the final status (it said "SIP status —" for answered calls).
    await page.goto(`${app!.url}/admin/login`);
    await page.getByLabel(/API key/).fill(key);
    await page.getByRole('button', { name: /Sign in/ }).click();
    await page.goto(`${app!.url}/admin/attempts/${attempts[0]!.id}`);
    const sip = page.locator('dt:has-text("SIP status") + dd');
    expect((await sip.textContent())?.trim()).toBe('200 OK');
  } finally {
    await ctx.close();
  }
});
