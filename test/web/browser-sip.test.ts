/**
 * The whole product in headless Chromium with a real SIP peer: `startApp` (config → store →
 * embedded backend → verification service → REST API + web UI), sipp as the office phone.
 *  - A new admin signs in with an API key, creates a user and an enrollment link.
 *  - The employee follows the link and completes the seed's three steps in Swedish while sipp answers
 *    and presses # (RFC 2833); the app password is copied and shows up in Security info.
 *  - In English, sipp answers 486: the page gives the reason in plain words.
 *  - The admin opens the verified attempt: the ladder shows INVITE/180/200/ACK/BYE from the wire.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
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
import { screenshot } from './support/screenshots';

jest.setTimeout(120_000);

let dir: string;
let app: RunningApp | undefined;
let chrome: TestBrowser | undefined;
let adminKey: string;
let sippPort: number;
const peers: SippPeer[] = [];

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  requireTool('espeak-ng', 'espeak-ng');
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-web-sip-'));
  sippPort = await freePort();
  // The trunk (OPTIONS health probes, retransmitted for 32 s) points at a port nobody listens on;
  // the dial plan sends INVITEs straight to sipp. A probe reaching sipp would count as its one call.
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
      telephony: { backend: 'embedded', ringTimeoutSeconds: 8 },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: `sip:127.0.0.1:${quietTrunk}`, keepaliveSeconds: 0 } },
      dialPlan: { requestUri: `sip:{e164}@127.0.0.1:${sippPort};user=phone` },
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 200) },
      ivr: { promptCacheDir: join(dir, 'prompts') },
      verification: { retry: { maxRetries: 0, backoffSeconds: 60 } },
    },
  });
  app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  adminKey = createApiKey(app.ctx.store.db, { name: 'e2e admin', scopes: ['admin'] }).key;
  chrome = await launchChromium();
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await chrome?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** sipp as the phone, on the port the trunk points at. */
async function phone(xml: string): Promise<SippPeer> {
  const peer = await startSippUas({
    scenarioXml: xml,
    port: sippPort,
    mediaPort: await freeEvenPortPair(),
    timeoutS: 40,
  });
  peers.push(peer);
  return peer;
}

async function newPage(locale: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await chrome!.newContext({ locale, acceptLanguage: locale });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app!.url });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return { ctx, page };
}

/** What the server recorded, for a failure message: the last attempts with their events, sipp's logs. */
async function whatHappened(): Promise<string> {
  const lines: string[] = [];
  for (const a of listAttempts(app!.ctx.store.db, { limit: 2 })) {
    lines.push(`attempt ${a.id} ${a.state} ${a.outcome ?? ''}`);
    for (const e of listAttemptEvents(app!.ctx.store.db, a.id)) lines.push(`  ${e.at} ${e.kind} ${e.summary}`);
  }
  const peer = peers.at(-1);
  if (peer) lines.push(peer.output(), peer.logs());
  return lines.join('\n');
}

/** Waits for the live status text; on timeout the error says what the server and sipp saw. */
async function statusReaches(page: Page, text: string, timeout: number): Promise<void> {
  try {
    await page.waitForSelector(`[data-part="status"]:text("${text}")`, { timeout });
  } catch (err) {
    throw new Error(`status never became "${text}": ${String(err)}\n${await whatHappened()}`);
  }
}

async function heading(page: Page, text: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

/** Admin UI: sign in, create a user, create an enrollment link; returns the link. */
async function adminCreatesEnrollmentLink(page: Page, username: string, language: string): Promise<string> {
  await page.goto(`${app!.url}/admin/users`);
  if (page.url().endsWith('/admin/login')) {
    await page.getByLabel(/API key|API-nyckel/).fill(adminKey);
    await page.getByRole('button', { name: /Sign in|Logga in/ }).click();
    await page.goto(`${app!.url}/admin/users`);
  }
  await page.getByLabel(/^(Username|Användarnamn)$/).fill(username);
  await page.getByLabel(/^(Display name|Visningsnamn)$/).fill(`${username} Testsson`);
  await page.selectOption('#new-language', language);
  await page.getByRole('button', { name: /Create user|Skapa användare/ }).click();
  await heading(page, new RegExp(username));
  await page.getByRole('button', { name: /Create enrollment link|Skapa registreringslänk/ }).click();
  const link = ((await page.locator('#enroll-link').textContent()) ?? '').trim();
  expect(link).toMatch(new RegExp(`^${app!.url}/enroll/[A-Za-z0-9_-]+$`));
  return link;
}

describe('web UI with a real SIP phone (sipp)', () => {
  let admin: { ctx: BrowserContext; page: Page };

  beforeAll(async () => {
    admin = await newPage('en-GB');
  });
  afterAll(async () => {
    await admin?.ctx.close();
  });

  it('enrolls in Swedish while sipp answers and presses #, then shows the app password in Security info', async () => {
    const link = await adminCreatesEnrollmentLink(admin.page, 'anna', 'sv-SE');
    const sipp = await phone(rfc2833Scenario(['dtmf_2833_pound.pcap'], 6000));
    const { ctx, page } = await newPage('sv-SE');
    try {
      await page.goto(link);
      await heading(page, 'Steg 1: Hur ska vi kontakta dig?');
      await page.getByLabel('Telefonnummer').fill('08-123 456 78');
      await page.getByRole('button', { name: 'Ring mig' }).click();
      await heading(page, 'Steg 2: Vi ringer din telefon');
      await statusReaches(page, 'Verifierad. Tack!', 45_000);
      await screenshot(page, 'sip-enroll-step2-verified-sv');
      await page.getByRole('link', { name: 'Fortsätt' }).click();
      await heading(page, 'Steg 3: Fortsätt att använda dina befintliga program');
      const password = ((await page.locator('#app-password').textContent()) ?? '').trim();
      expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
      await page.getByRole('button', { name: 'Kopiera' }).click();
      await page.waitForSelector('#copy-status:text("Kopierat")');
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(password);
      await screenshot(page, 'sip-enroll-step3-sv');
      await page.getByRole('link', { name: 'Klar' }).click();
      await heading(page, 'Säkerhetsinformation');
      const row = page.locator('#methods-title ~ .table-wrap tbody tr', { hasText: 'Arbetstelefon' });
      expect(await row.textContent()).toContain('+46 8 123 456 78');
      expect(await row.textContent()).toContain('Verifierad');
      expect(await page.locator('#apps-title ~ .table-wrap tbody tr').count()).toBe(1);
      await screenshot(page, 'sip-security-info-sv');
      expect(await sipp.finished()).toBe(0);
    } finally {
      await ctx.close();
    }
  });

  it('shows a busy line in plain English words when sipp answers 486', async () => {
    const link = await adminCreatesEnrollmentLink(admin.page, 'bob', 'en-GB');
    await phone(scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`));
    const { ctx, page } = await newPage('en-GB');
    try {
      await page.goto(link);
      await heading(page, 'Step 1: How should we contact you?');
      await page.getByLabel('Phone number').fill('08-123 456 79');
      await page.getByRole('button', { name: 'Call me' }).click();
      await statusReaches(page, 'We could not verify your phone.', 40_000);
      expect(await page.locator('[data-part="reason"]').textContent()).toBe(
        'What happened: The line was busy (486 Busy Here).',
      );
      expect(await page.getByRole('button', { name: 'Call me again' }).isVisible()).toBe(true);
      await screenshot(page, 'sip-enroll-busy-en');
    } finally {
      await ctx.close();
    }
  });

  it('draws the ladder of the verified call with INVITE/180/200/ACK/BYE from the wire', async () => {
    const page = admin.page;
    await page.goto(`${app!.url}/admin/attempts?outcome=approved`);
    await page.locator('tbody tr a').first().click();
    await page.waitForSelector('svg.ladder');
    for (const label of ['INVITE', '180 Ringing', '200 OK', 'ACK', 'BYE']) {
      expect(await page.locator(`svg.ladder g[data-label="${label}"]`).count()).toBeGreaterThan(0);
    }
    expect(await page.locator('svg.ladder g[data-label="DTMF #"]').count()).toBe(1);
    await page.locator('svg.ladder g[data-label="INVITE"] a').first().click();
    expect(await page.locator('details.raw[open] pre').textContent()).toMatch(/^INVITE sip:\+46812345678@127\.0\.0\.1/);
    await screenshot(page, 'sip-admin-ladder-en');
    await page.goto(`${app!.url}/admin`);
    expect(await page.locator('svg.chart rect.bar-approved').count()).toBe(1);
    expect(await page.locator('svg.chart rect.bar-busy').count()).toBe(1);
    await screenshot(page, 'sip-admin-dashboard-en');
  });
});
