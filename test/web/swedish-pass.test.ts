/**
 * Issue 18: "a pass over every page in Swedish finds no English word". The real app (startApp, the
 * embedded backend, a fake office phone from `src/fake-phone` as the PBX) with some data in it — an
 * employee who enrolled through the web, a refused number, an approved call — then headless Chromium
 * in Swedish walks every page it can reach by following links: as an admin from /admin, as the
 * employee from Security info, and the public pages. Each page's readable texts go through
 * `englishIn` (English catalogue texts, machine codes, English stop words).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { FakePhone } from '../../src/fake-phone/fake-phone';
import { createLogger } from '../../src/log';
import { createApiKey } from '../../src/store';
import { launchChromium, type TestBrowser } from '../support/browser';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { englishIn, readableTexts } from './support/english-words';

jest.setTimeout(180_000);

const SHIPPED_SCRIPTS = resolve(__dirname, '..', '..', 'ivr-scripts');
/** Mistakes of several kinds: an unknown verb (with a guess), a prompt and a step id that do not exist, a missing language. */
const BROKEN_SCRIPT = `description: broken on purpose (Swedish page test)
language: en-US
languages: [sv-SE, en-US]
prompts:
  hello:
    en-US: Hello {nmae}.
  unused:
    sv-SE: Hej.
    en-US: Hi.
steps:
  - play: hello
  - plya: hello
  - play: missing-prompt
  - goto: nowhere
`;

let dir: string;
let app: RunningApp | undefined;
let phone: FakePhone | undefined;
let chrome: TestBrowser | undefined;
let adminKey: string;

beforeAll(async () => {
  requireTool('espeak-ng', 'espeak-ng');
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-sv-pass-'));
  // The shipped scripts plus one with mistakes: its errors and warnings must read in Swedish too.
  const scriptsDir = join(dir, 'scripts');
  mkdirSync(scriptsDir);
  for (const f of readdirSync(SHIPPED_SCRIPTS))
    if (f.endsWith('.yaml')) copyFileSync(join(SHIPPED_SCRIPTS, f), join(scriptsDir, f));
  writeFileSync(join(scriptsDir, 'broken.yaml'), BROKEN_SCRIPT);
  phone = new FakePhone({ port: 0, answerAfterMs: 200, pressAfterMs: 1200 });
  const trunk = await phone.start();
  const httpPort = await freePort();
  const rtp = await freePort();
  const { config } = loadConfig({
    env: {},
    overrides: {
      companyName: 'Exempel AB',
      dataDir: join(dir, 'data'),
      database: { path: join(dir, 'data', 'fyrkant.db') },
      log: { level: 'warn' },
      http: { address: '127.0.0.1', port: httpPort, publicUrl: `http://127.0.0.1:${httpPort}` },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: trunk, keepaliveSeconds: 0 } },
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 200) },
      ivr: { promptCacheDir: join(dir, 'prompts'), scriptsDir },
      policy: { allowedCountries: ['SE', 'NO'] },
      verification: { retry: { maxRetries: 0, backoffSeconds: 60 } },
    },
  });
  app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  adminKey = createApiKey(app.ctx.store.db, { name: 'admin', scopes: ['admin'] }).key;
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await app?.stop();
  await phone?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function swedish(): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await chrome!.newContext({ locale: 'sv-SE', acceptLanguage: 'sv-SE' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return { ctx, page };
}

const found = new Map<string, string[]>();

async function check(page: Page): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe('sv');
  const problems = englishIn(await readableTexts(page));
  if (problems.length) found.set(new URL(page.url()).pathname + new URL(page.url()).search, problems);
}

/** Breadth-first over same-site links (GET pages only; no language switch, API, assets or audio). */
async function crawl(page: Page, start: string, limit = 60): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [start];
  const visited: string[] = [];
  while (queue.length && visited.length < limit) {
    const url = queue.shift()!;
    const key = new URL(url, app!.url).pathname + new URL(url, app!.url).search;
    if (seen.has(key)) continue;
    seen.add(key);
    const res = await page.goto(new URL(url, app!.url).toString());
    if (!res || !(res.headers()['content-type'] ?? '').startsWith('text/html')) continue;
    visited.push(key);
    await check(page);
    const hrefs = (await page.evaluate(
      "[...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))",
    )) as string[];
    for (const href of hrefs) {
      const u = new URL(href, page.url());
      if (u.origin !== new URL(app!.url).origin || u.searchParams.has('lang')) continue;
      if (/^\/(api|ui\/assets|metrics|healthz|readyz|oauth|\.well-known)/.test(u.pathname)) continue;
      if (/\/prompts\//.test(u.pathname)) continue; // WAV previews
      const k = u.pathname + u.search;
      if (!seen.has(k)) queue.push(k);
    }
  }
  return visited;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${app!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as T;
}

describe('every page in Swedish has no English word', () => {
  it('the check itself catches English (it can fail)', () => {
    expect(englishIn(['Sign in'])).not.toEqual([]);
    expect(englishIn(['no-answer'])).not.toEqual([]);
    expect(englishIn(['Please call the number'])).not.toEqual([]);
    expect(englishIn(['Logga in', 'Användare', 'INVITE sip:1@x', 'office-phone-verify', 'anna@exempel.se'])).toEqual(
      [],
    );
  });

  it('employee: enrollment, a refused number, the call, Security info and every page linked from it', async () => {
    const user = await api<{ id: string }>('POST', '/api/v1/users', {
      username: 'anna',
      displayName: 'Anna Andersson',
      language: 'sv-SE',
    });
    const link = await api<{ url: string }>('POST', '/api/v1/enrollment-links', { userId: user.id });
    const { ctx, page } = await swedish();
    try {
      await page.goto(link.url);
      await check(page);
      // The example follows the chosen country; a country the policy refuses says what to do.
      await page.selectOption('#country', 'NO');
      expect(await page.locator('#number-hint').textContent()).toBe('Som du skulle slå det, till exempel 40 61 23 45.');
      await page.selectOption('#country', 'DE');
      await page.locator('#number').fill('030 1234567');
      await page.locator('form[data-phone-form] button[type="submit"]').click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary').textContent()).toContain(
        'Bara samtal till Sverige eller Norge är tillåtna — fråga IT-avdelningen',
      );
      await check(page);
      await page.selectOption('#country', 'SE');
      await page.locator('#number').fill('08-123 456 78');
      await page.locator('form[data-phone-form] button[type="submit"]').click();
      await page.waitForSelector('[data-part="status"]:text("Verifierad. Tack!")', { timeout: 40_000 });
      await check(page);
      const visited = await crawl(page, '/me/security');
      expect(visited.length).toBeGreaterThanOrEqual(2);
    } finally {
      await ctx.close();
    }
  });

  it('admin: every page reachable from /admin', async () => {
    const { ctx, page } = await swedish();
    try {
      await page.goto(`${app!.url}/admin/login`);
      await check(page);
      await page.locator('#key').fill(adminKey);
      await page.locator('form[action="/admin/login"] button[type="submit"]').click();
      await page.waitForURL(/\/admin(\/)?$/);
      const visited = await crawl(page, '/admin', 80);
      expect(visited).toEqual(expect.arrayContaining(['/admin', '/admin/users', '/admin/attempts', '/admin/scripts']));
    } finally {
      await ctx.close();
    }
  });

  it('public pages: the start page and an unusable enrollment link', async () => {
    const { ctx, page } = await swedish();
    try {
      await crawl(page, '/', 5);
      await page.goto(`${app!.url}/enroll/no-such-token`);
      await check(page);
    } finally {
      await ctx.close();
    }
  });

  afterAll(() => {
    // One report for all pages, so a reader sees every English text at once.
    const report = [...found].map(([url, problems]) => `${url}\n  ${problems.join('\n  ')}`).join('\n');
    expect(report).toBe('');
  });
});
