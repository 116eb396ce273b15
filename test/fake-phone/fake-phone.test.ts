/**
 * README "try it in five minutes": `fyrkant fake-phone` (the real CLI, a child process) is the office
 * phone. fyrkant (startApp, embedded backend, trunk pointed at the fake phone) sees the trunk as
 * reachable (the phone answers OPTIONS); an employee enrolls in Chromium in Swedish with a link the
 * admin made through the REST API; the phone answers, presses # (RFC 4733) and the method ends verified.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createApiKey } from '../../src/store';
import { launchChromium, type TestBrowser } from '../support/browser';
import { spawnCli, waitForExit } from '../support/cli';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { until } from '../support/until';

jest.setTimeout(120_000);

let dir: string;
let phone: ChildProcess | undefined;
let phoneOut = '';
let app: RunningApp | undefined;
let chrome: TestBrowser | undefined;
let adminKey: string;

beforeAll(async () => {
  requireTool('espeak-ng', 'espeak-ng');
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-fake-phone-'));
  phone = spawnCli(['fake-phone', '--port', '0', '--answer-after', '300', '--press-after', '1500']);
  phone.stdout?.on('data', (b: Buffer) => {
    phoneOut += b.toString('utf8');
  });
  await until(() => /listening on sip:/.test(phoneOut), 'the fake phone to listen', 20_000);
  const uri = /listening on (sip:127\.0\.0\.1:\d+) /.exec(phoneOut)?.[1];
  expect(uri).toBeDefined();
  const httpPort = await freePort();
  const rtp = await freePort();
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, 'data'),
      database: { path: join(dir, 'data', 'fyrkant.db') },
      log: { level: 'warn' },
      http: { address: '127.0.0.1', port: httpPort, publicUrl: `http://127.0.0.1:${httpPort}` },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: uri!, keepaliveSeconds: 0 } },
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 200) },
      ivr: { promptCacheDir: join(dir, 'prompts') },
      verification: { retry: { maxRetries: 0, backoffSeconds: 60 } },
    },
  });
  app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  adminKey = createApiKey(app.ctx.store.db, { name: 'test admin', scopes: ['admin'] }).key;
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await app?.stop();
  if (phone && phone.exitCode === null) {
    phone.kill('SIGTERM');
    await waitForExit(phone).catch(() => phone?.kill('SIGKILL'));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${app!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe('fyrkant fake-phone', () => {
  it('answers the trunk probe (OPTIONS): the trunk is reachable', async () => {
    const health = await app!.ctx.backend.health({ probe: true });
    expect(health.trunk).toBe('reachable');
  });

  it('an employee enrolls in Swedish against it and the office phone ends verified', async () => {
    const user = await api<{ id: string }>('POST', '/api/v1/users', { username: 'nils', language: 'sv-SE' });
    const link = await api<{ url: string }>('POST', '/api/v1/enrollment-links', { userId: user.id });
    const ctx = await chrome!.newContext({ locale: 'sv-SE', acceptLanguage: 'sv-SE' });
    try {
      const page = await ctx.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(link.url);
      await page.locator('#number').fill('08-123 456 78');
      await page.locator('form[data-phone-form] button[type="submit"]').click();
      try {
        await page.waitForSelector('[data-part="status"]:text("Verifierad. Tack!")', { timeout: 40_000 });
      } catch (err) {
        throw new Error(`not verified: ${String(err)}\nfake phone said:\n${phoneOut}`);
      }
    } finally {
      await ctx.close();
    }
    const detail = await api<{ phoneMethods: { verified: boolean; e164: string; kind: string }[] }>(
      'GET',
      `/api/v1/users/${user.id}`,
    );
    expect(detail.phoneMethods).toEqual([
      expect.objectContaining({ kind: 'office', e164: '+46812345678', verified: true }),
    ]);
    await until(() => phoneOut.includes('fyrkant hung up (BYE)'), 'the call to end', 15_000);
    expect(phoneOut).toMatch(/INVITE sip:\+46812345678@127\.0\.0\.1:\d+;user=phone/);
    expect(phoneOut).toContain('answered: PCMU, telephone-event 101');
    expect(phoneOut).toContain('pressed # (RFC 4733)');
  });
});
