// biome-ignore-all lint/suspicious/noExplicitAny: JSON answers, checked by the assertions
/**
 * Issue 15's "done when", in headless Chromium on the whole product (`startApp`) with sipp as the
 * phone: an admin opens a script, types a typo and sees it marked at the right line in Swedish before
 * saving, fixes it, uploads a WAV recording for one prompt, plays it, dry-runs the flow with "#",
 * edits, sees the diff, saves with a note, the next sipp call runs the new version (the attempt links
 * to it), then rolls back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { createApiKey, getAttempt, listAttemptEvents } from '../../src/store';
import { launchChromium, type TestBrowser } from '../support/browser';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { rfc2833Scenario } from '../support/peers/sipp-media-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { until } from '../support/until';
import { screenshot } from './support/screenshots';

// The editor's bundle is built by `npm run build`; a checkout that only ran `npm ci` builds it here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildWebAssets } = require('../../scripts/build-web.js') as { buildWebAssets: () => Promise<void> };

jest.setTimeout(180_000);

let dir: string;
let app: RunningApp | undefined;
let chrome: TestBrowser | undefined;
let adminKey: string;
let sippPort: number;
let ctx: BrowserContext;
let page: Page;
const peers: SippPeer[] = [];

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  requireTool('espeak-ng', 'espeak-ng');
  requireTool('sox', 'sox');
  if (!existsSync(resolve(__dirname, '..', '..', 'src', 'web', 'assets', 'script-editor.js'))) await buildWebAssets();
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-web-editor-'));
  sippPort = await freePort();
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
  adminKey = createApiKey(app.ctx.store.db, { name: 'editor admin', scopes: ['admin'] }).key;
  chrome = await launchChromium();
  ctx = await chrome.newContext({ locale: 'sv-SE', acceptLanguage: 'sv-SE' });
  page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  // A script error in the page fails the test with its message (not only a timeout).
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

const pageErrors: string[] = [];

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await ctx?.close();
  await chrome?.close();
  await app?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** The 1-based line of the editor's text that contains `needle`. */
async function lineOf(needle: string): Promise<number> {
  const text = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    const root = doc.querySelector('[data-script-editor]') as {
      editorView: { state: { doc: { toString(): string } } };
    };
    return root.editorView.state.doc.toString();
  });
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

/**
 * Puts the cursor on the first non-blank character of the first editor line containing `text` (scrolled
 * into view, editor focused), so the test then edits with the keyboard as an admin would.
 */
async function cursorAt(text: string, where: 'start' | 'end' = 'start'): Promise<void> {
  const found = await page.evaluate(
    ([needle, at]) => {
      type View = {
        state: { doc: { lines: number; line(n: number): { from: number; to: number; text: string } } };
        dispatch(tr: unknown): void;
        focus(): void;
      };
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      const view = (doc.querySelector('[data-script-editor]') as { editorView: View }).editorView;
      for (let n = 1; n <= view.state.doc.lines; n++) {
        const line = view.state.doc.line(n);
        if (!line.text.includes(needle as string)) continue;
        const pos = at === 'end' ? line.to : line.from + (line.text.length - line.text.trimStart().length);
        view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
        view.focus();
        return true;
      }
      return false;
    },
    [text, where],
  );
  if (!found) throw new Error(`no editor line contains ${JSON.stringify(text)}`);
}

async function heading(name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

describe('IVR script editor in Chromium (issue 15 done-when)', () => {
  it('typo marked in Swedish, fix, recording, play, dry run, diff, save, sipp call on the new version, rollback', async () => {
    // Sign in and open the script from the list (search).
    await page.goto(`${app!.url}/admin/scripts`);
    await page.getByLabel('API-nyckel').fill(adminKey);
    await page.getByRole('button', { name: 'Logga in' }).click();
    await page.goto(`${app!.url}/admin/scripts`);
    await heading('IVR-skript');
    await page.getByLabel('Sök skript').fill('office');
    await page.getByRole('button', { name: 'Sök', exact: true }).click();
    expect(await page.locator('table.scripts tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'office-phone-verify' }).click();
    await heading('Skript office-phone-verify');
    await page
      .locator('.cm-content')
      .waitFor()
      .catch((err) => {
        throw new Error(`the editor did not start: ${String(err)}; page errors: ${pageErrors.join('; ')}`);
      });
    await page.waitForSelector('[data-part="validity"]:text("Inga fel")');

    // A typo: "play" → "paly" on the success step. Marked at its line, in Swedish, before saving.
    await cursorAt('    play: success');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Delete');
    await page.keyboard.type('al');
    const typoLine = await lineOf('    paly: success');
    expect(typoLine).toBeGreaterThan(10);
    const problem = page.locator('[data-part="problems"] li.error', { hasText: 'okänt verb "paly"' });
    await problem.waitFor();
    expect(await problem.textContent()).toBe(`Rad ${typoLine}, kolumn 5 okänt verb "paly" — Menade du "play"?`);
    expect(await page.locator('[data-part="validity"]').textContent()).toBe('1 fel: kan inte sparas');
    // The lint mark sits on that line of the editor.
    const marked = page.locator('.cm-line', { has: page.locator('.cm-lintRange-error') });
    await marked.first().waitFor();
    expect(await marked.first().textContent()).toBe('    paly: success');
    await screenshot(page, 'script-editor-typo-sv');

    // Fix it; the problem goes away.
    await cursorAt('    paly: success');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Delete');
    await page.keyboard.type('la');
    await page.waitForSelector('[data-part="validity"]:text("Inga fel")');
    expect(await page.locator('[data-part="problems"] li.error').count()).toBe(0);

    // Upload a WAV recording for "success" in Swedish, then play it.
    const wav = join(dir, 'tack.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-b', '16', '-c', '1', wav, 'synth', '1.5', 'sine', '440', 'vol', '0.5']);
    await page.setInputFiles('#up-success-sv-SE', wav);
    await page.locator('#p-success-sv-SE').getByRole('button', { name: 'Ladda upp inspelning' }).click();
    await page.waitForSelector('.notice.ok:text("Inspelningen för ”success (sv-SE)” är sparad")');
    expect(await page.locator('#p-success-sv-SE .recording').textContent()).toContain('Inspelning, 1.5 s (tack.wav)');
    const duration = await page.locator('audio[aria-label="Spela ”success” (sv-SE)"]').evaluate(
      (a: MediaLike) =>
        new Promise<number>((ok, fail) => {
          a.addEventListener('loadedmetadata', () => ok(a.duration));
          a.addEventListener('error', () => fail(new Error('the browser could not load the recording')));
          a.load();
        }),
    );
    expect(Math.abs(duration - 1.5)).toBeLessThan(0.05);

    // Dry run with "#": which prompts would play, and the result.
    await page.getByLabel('Knapptryckningar').fill('#');
    await page.getByRole('button', { name: 'Provkör' }).click();
    await page.waitForSelector('[data-part="sim-result"]:text("approved")');
    const played = await page.locator('[data-part="simulation"] ol li .mono').allTextContents();
    expect(played).toEqual(['greeting (sv-SE)', 'success (sv-SE)']);

    // Edit the goodbye text, look at the diff, save with a note.
    await cursorAt('sv-SE: Verifieringen slutfördes inte.', 'end');
    await page.keyboard.type(' Ring oss gärna.');
    await page.waitForSelector('[data-part="validity"]:text("Inga fel")');
    await page.getByRole('button', { name: 'Jämför med versionen som körs' }).click();
    await page.waitForSelector('[data-part="diff"] .add');
    expect(await page.locator('[data-part="diff"] .add').allTextContents()).toEqual([
      '+    sv-SE: Verifieringen slutfördes inte. Försök gärna igen senare. Hej då. Ring oss gärna.\n',
    ]);
    await page.getByLabel('Ändringsanteckning').fill('Tipsa om att ringa');
    await page.getByRole('button', { name: 'Spara ny version' }).click();
    await page
      .waitForSelector('.notice.ok:text("Version 2 sparad; den används från nästa samtal.")')
      .catch(async (err) => {
        throw new Error(
          `${String(err)}\n${page.url()}\n${((await page.locator('main').textContent()) ?? '').slice(0, 1500)}`,
        );
      });
    const v2 = page.locator('tr[data-version="2"]');
    expect(await v2.textContent()).toContain('Tipsa om att ringa');
    expect(await v2.locator('.badge.ok').textContent()).toBe('körs');
    await v2.getByText('Ändringar').click();
    expect(await v2.locator('pre.diff .add').allTextContents()).toEqual([
      '+    sv-SE: Verifieringen slutfördes inte. Försök gärna igen senare. Hej då. Ring oss gärna.\n',
    ]);
    await screenshot(page, 'script-editor-versions-sv');
    const running = (await api('GET', '/api/v1/scripts/office-phone-verify')).body;
    expect(running.version).toBe(2);

    // The next call (sipp answers and presses #) runs version 2; its attempt links to that text.
    const sipp = await startSippUas({
      scenarioXml: rfc2833Scenario(['dtmf_2833_pound.pcap'], 4000),
      port: sippPort,
      mediaPort: await freeEvenPortPair(),
      timeoutS: 40,
    });
    peers.push(sipp);
    const u = await api('POST', '/api/v1/users', { username: 'eva', displayName: 'Eva', language: 'sv-SE' });
    const m = await api('POST', `/api/v1/users/${u.body.id}/phone-methods`, {
      kind: 'office',
      country: 'SE',
      number: '08-123 456 78',
    });
    const started = await api('POST', `/api/v1/users/${u.body.id}/phone-methods/${m.body.id}/verify`);
    expect(started.status).toBe(202);
    const attemptId = started.body.attemptId as string;
    try {
      await until(() => getAttempt(app!.ctx.store.db, attemptId)?.state === 'ended', 'the call to end', 45_000);
    } catch (err) {
      const events = listAttemptEvents(app!.ctx.store.db, attemptId).map((e) => `${e.kind} ${e.summary}`);
      throw new Error(`${String(err)}\n${events.join('\n')}\n${sipp.output()}\n${sipp.logs()}`);
    }
    const attempt = getAttempt(app!.ctx.store.db, attemptId)!;
    expect(attempt.outcome).toBe('approved');
    expect(attempt.scriptHash).toBe(running.hash);
    // The recording was what the phone heard for "success".
    const prompts = listAttemptEvents(app!.ctx.store.db, attemptId).filter((e) => e.kind === 'prompt');
    expect(prompts.map((e) => e.summary).join('\n')).toContain('success@sv-SE');
    await page.goto(`${app!.url}/admin/attempts/${attemptId}`);
    await page.getByRole('link', { name: /office-phone-verify@/ }).click();
    await heading('Skript office-phone-verify, version 2');
    expect(await page.locator('[data-part="version-source"]').textContent()).toContain('Ring oss gärna.');

    // Roll back to version 1: saved as version 3 with version 1's text, running from now on.
    await page.getByRole('link', { name: 'Tillbaka till redigeraren' }).click();
    await page.locator('tr[data-version="1"]').getByRole('button', { name: 'Återgå till version 1' }).click();
    await page.waitForSelector('.notice.ok:text("Återställt: version 3 har texten från version 1.")');
    expect(await page.locator('tr[data-version="3"] .badge.ok').textContent()).toBe('körs');
    const after = (await api('GET', '/api/v1/scripts/office-phone-verify')).body;
    const v1 = (await api('GET', '/api/v1/scripts/office-phone-verify/versions/1')).body;
    expect(after).toMatchObject({ version: 3, source: v1.source, hash: v1.hash });
    expect(await page.locator('textarea[name="source"]').inputValue()).toBe(v1.source);
  });
});

describe('script editor test call in Chromium (issue 15)', () => {
  it('refuses a sip: URI in Swedish, then runs the unsaved draft on a sipp call with live status', async () => {
    // Signed in by the walk above, or now (when run alone). The draft: '#' ends in "denied".
    await page.goto(`${app!.url}/admin/scripts/office-phone-verify`);
    if (await page.getByLabel('API-nyckel').count()) {
      await page.getByLabel('API-nyckel').fill(adminKey);
      await page.getByRole('button', { name: 'Logga in' }).click();
      await page.goto(`${app!.url}/admin/scripts/office-phone-verify`);
    }
    await page.locator('.cm-content').waitFor();
    const running = (await api('GET', '/api/v1/scripts/office-phone-verify')).body;
    const draft = (running.source as string).replaceAll(
      '{ digits: "", result: approved, goto: success }',
      '{ digits: "", result: denied, goto: goodbye }',
    );
    expect(draft).not.toBe(running.source);
    await page.evaluate((text) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      type Doc = { readonly length: number };
      type EditorView = { state: { doc: Doc }; dispatch(tr: unknown): void };
      const view = (doc.querySelector('[data-script-editor]') as { editorView: EditorView }).editorView;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    }, draft);
    await page.waitForSelector('[data-part="validity"]:text("Inga fel")');

    // sip: URIs are off (telephony.allowSipUriDial): refused, in Swedish, naming the setting.
    await page.getByLabel('Nummer eller sip:-adress').fill(`sip:probe@127.0.0.1:${sippPort}`);
    await page.getByRole('button', { name: 'Ring provsamtal' }).click();
    const refusal = page.locator('[data-part="test-call-error"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /Att ringa SIP-adresser direkt är avstängt.*telephony\.allowSipUriDial/,
    );

    // A number: sipp answers and presses #; the page follows the attempt to its end.
    // The walk's call may still be playing its goodbye (the outcome is committed at '#'): let that
    // sipp see its BYE and exit, or fyrkant's retransmitted BYE would reach the new sipp and abort it.
    await Promise.all(
      peers.splice(0).map(async (p) => {
        await p.finished();
        await p.stop();
      }),
    );
    const sipp = await startSippUas({
      scenarioXml: rfc2833Scenario(['dtmf_2833_pound.pcap'], 4000),
      port: sippPort,
      mediaPort: await freeEvenPortPair(),
      timeoutS: 40,
    });
    peers.push(sipp);
    await page.getByLabel('Nummer eller sip:-adress').fill('08-123 456 78');
    await page.getByRole('button', { name: 'Ring provsamtal' }).click();
    const result = page.locator('[data-part="test-call-result"]');
    await result.waitFor({ timeout: 45_000 });
    expect(await result.textContent()).toBe('denied');
    expect(await page.locator('[data-part="test-call-state"]').textContent()).toBe('avslutat');
    const href = await page.getByRole('link', { name: 'Öppna försöket' }).getAttribute('href');
    const attempt = getAttempt(app!.ctx.store.db, href!.split('/').pop()!)!;
    expect(attempt.purpose).toBe('test');
    expect(attempt.scriptHash).toMatch(/^draft:[0-9a-f]{64}$/);
    // Nothing was saved: the running version is unchanged.
    expect((await api('GET', '/api/v1/scripts/office-phone-verify')).body.version).toBe(running.version);
  });
});

/** The bits of HTMLMediaElement the test uses (the tests compile without DOM typings). */
interface MediaLike {
  readonly duration: number;
  addEventListener(type: string, listener: () => void): void;
  load(): void;
}
