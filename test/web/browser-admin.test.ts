/**
 * Admin management of people in headless Chromium (issue 18b), on the real admin services and a
 * real SMTP server process (aiosmtpd): an admin resets a user's methods and the user must register
 * again; block and unblock by keyboard; the bulk enrollment CSV download whose links work; bulk
 * e-mail with per-user progress, a failure and a retry; the attempt list at 1280 px with nothing
 * clipped, bad filters shown as errors, and ladder labels that fit their space.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { appendAttemptEvent, createAttempt, transitionAttempt } from '../../src/store/repo/attempts';
import { insertFraudReport } from '../../src/store/repo/fraud-reports';
import { addPhoneMethod, listPhoneMethods, markPhoneMethodVerified } from '../../src/store/repo/phone-methods';
import { createUser, getUser, updateUser } from '../../src/store/repo/users';
import type { TraceEvent } from '../../src/telephony/port';
import { launchChromium, type TestBrowser } from '../support/browser';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { verifiedPlan } from './support/plans';
import { screenshot } from './support/screenshots';
import { TEST_ADMIN_KEY } from './support/scripted-actions';
import { startWebFixture, type WebFixture } from './support/web-fixture';
import { verifiedTrace } from './trace-fixtures';

jest.setTimeout(90_000);

let fx: WebFixture;
let chrome: TestBrowser;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  fx = await startWebFixture({
    smtp: {
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      requireTls: false, // aiosmtpd here offers no STARTTLS
      username: null,
      password: null,
      from: 'IT <it@exempel.se>',
      rejectUnauthorized: true,
      timeoutSeconds: 5,
    },
  });
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await fx?.close();
  await sink?.stop();
});

async function newPage(locale: string, width = 1280): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await chrome.newContext({ locale, acceptLanguage: locale });
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: 900 });
  page.setDefaultTimeout(10_000);
  return { ctx, page };
}

async function adminLogin(page: Page, lang: 'sv' | 'en'): Promise<void> {
  await page.goto(`${fx.baseUrl}/admin/login?lang=${lang}`);
  await page.getByLabel(lang === 'sv' ? 'API-nyckel' : 'API key').fill(TEST_ADMIN_KEY);
  await page.getByRole('button', { name: lang === 'sv' ? 'Logga in' : 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: lang === 'sv' ? 'Översikt' : 'Dashboard' }).waitFor();
}

function verifiedUser(username: string, language = 'sv-SE') {
  const u = createUser(fx.store.db, { username, displayName: `${username} Testsson`, language });
  const m = addPhoneMethod(fx.store.db, {
    userId: u.id,
    kind: 'office',
    country: 'SE',
    e164: '+46812345678',
    extension: '12',
  });
  markPhoneMethodVerified(fx.store.db, m.id);
  return u;
}

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();

describe('admin manages people in Chromium', () => {
  it('resets a user’s methods in Swedish; the user must register again through a new link', async () => {
    const maja = verifiedUser('maja');
    const { ctx, page } = await newPage('sv-SE');
    const user = await newPage('sv-SE', 800);
    try {
      await adminLogin(page, 'sv');
      // Coverage on the dashboard, then the list filtered by status.
      expect(await page.locator('#coverage-title').textContent()).toBe('Registreringsgrad');
      await page.getByRole('link', { name: 'Användare', exact: true }).click();
      await heading(page, 'Användare');
      await page.selectOption('#f-status', 'verified');
      await page.getByRole('button', { name: 'Sök' }).click();
      const row = page.locator('tbody tr', { hasText: 'maja' });
      expect(await row.locator('[data-status]').textContent()).toBe('Verifierad');
      await screenshot(page, 'admin-users-sv', { mobile: true });
      await row.getByRole('link', { name: 'maja' }).click();
      await heading(page, 'Användare maja');
      expect(await page.locator('#reg-title ~ dl [data-status]').textContent()).toBe('Verifierad');

      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Återställ alla metoder' }).click();
      await page.locator('.notice.ok', { hasText: 'Användaren måste registrera sig igen' }).waitFor();
      expect(await page.locator('#reg-title ~ dl [data-status]').textContent()).toBe('Ingen metod');
      // Admin wording: about the user, not to them.
      expect(await page.locator('#methods-title ~ p').first().textContent()).toBe('Användaren har ingen telefonmetod.');
      expect(listPhoneMethods(fx.store.db, maja.id)).toHaveLength(0);
      await screenshot(page, 'admin-user-reset-sv', { mobile: true });

      await page.getByRole('button', { name: 'Skapa registreringslänk' }).click();
      const link = ((await page.locator('#enroll-link').textContent()) ?? '').trim();
      expect(link).toMatch(/\/enroll\//);

      // The user opens the link: straight to step 1 (no phone left), registers, and is verified again.
      await user.page.goto(`${fx.baseUrl}/enroll/${link.split('/enroll/')[1]}`);
      await heading(user.page, 'Steg 1: Hur ska vi kontakta dig?');
      fx.actions.plans.push(verifiedPlan(60));
      await user.page.getByLabel('Telefonnummer').fill('08-123 456 78');
      await user.page.getByRole('button', { name: 'Ring mig' }).click();
      await user.page.waitForSelector('[data-part="status"]:text("Verifierad. Tack!")');
      await page.reload();
      expect(await page.locator('#reg-title ~ dl [data-status]').textContent()).toBe('Verifierad');
    } finally {
      await user.ctx.close();
      await ctx.close();
    }
  });

  it('blocks with a reason and unblocks, by keyboard only', async () => {
    const bo = verifiedUser('bo', 'en-GB');
    const { ctx, page } = await newPage('en-GB');
    try {
      await adminLogin(page, 'en');
      await page.goto(`${fx.baseUrl}/admin/users/${bo.id}`);
      await heading(page, 'User bo');
      // Without a reason the browser does not even send the form (required); the server checks too.
      await page.getByLabel('Reason for the block (required)').focus();
      await page.keyboard.type('Phone stolen, ticket 881');
      await page.keyboard.press('Tab'); // days
      await page.keyboard.press('Control+A');
      await page.keyboard.type('7');
      await page.keyboard.press('Tab'); // Block button
      await page.keyboard.press('Enter');
      await page.locator('.notice.ok', { hasText: 'Blocked until' }).waitFor();
      expect(await page.locator('#reg-title ~ dl [data-status]').textContent()).toBe('Blocked');
      expect(await page.locator('#reg-title ~ dl').textContent()).toContain('Phone stolen, ticket 881');
      const until = getUser(fx.store.db, bo.id)?.blockedUntil ?? 0;
      expect(Math.round((until - Date.now()) / 86_400_000)).toBe(7);
      await screenshot(page, 'admin-user-blocked-en');

      await page.getByLabel('Reason for lifting the block (optional)').focus();
      await page.keyboard.type('Phone found');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.locator('.notice.ok', { hasText: 'Not blocked' }).waitFor();
      expect(await page.locator('#reg-title ~ dl [data-status]').textContent()).toBe('Verified');
      expect(getUser(fx.store.db, bo.id)).toMatchObject({ blockedUntil: null, blockReason: null });

      // The audit log page shows both, with the reasons.
      await page.getByRole('link', { name: 'Audit log' }).click();
      await heading(page, 'Audit log');
      await page.getByLabel('Target').fill(`user:${bo.id}`);
      await page.getByRole('button', { name: 'Apply' }).click();
      const text = (await page.locator('table.audit').textContent()) ?? '';
      expect(text).toContain('user.block');
      expect(text).toContain('Phone stolen, ticket 881');
      expect(text).toContain('user.unblock');
      await screenshot(page, 'admin-audit-en');
    } finally {
      await ctx.close();
    }
  });

  it('downloads a CSV of fresh enrollment links for the chosen users; each link enrolls its user', async () => {
    const a = createUser(fx.store.db, { username: 'csv-anna', displayName: 'Anna Åkesson', language: 'sv-SE' });
    createUser(fx.store.db, { username: 'csv-bert', displayName: 'Bert', language: 'en-GB' });
    const c = createUser(fx.store.db, { username: 'csv-cilla', displayName: 'Cilla', language: 'sv-SE' });
    updateUser(fx.store.db, a.id, { email: 'anna@exempel.se' });
    const { ctx, page } = await newPage('sv-SE');
    const user = await newPage('sv-SE', 800);
    try {
      await adminLogin(page, 'sv');
      await page.goto(`${fx.baseUrl}/admin/users?q=csv-`);
      // Keyboard: Space ticks a checkbox.
      await page.getByLabel('Välj csv-anna').focus();
      await page.keyboard.press('Space');
      await page.getByLabel('Välj csv-cilla').check();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Ladda ner länkar för de valda (CSV)' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^fyrkant-enrollment-links-.*\.csv$/);
      const csv = readFileSync((await download.path())!, 'utf8');
      expect(csv.charCodeAt(0)).toBe(0xfeff);
      const lines = csv.slice(1).trimEnd().split('\r\n');
      expect(lines[0]).toBe('username,displayName,email,language,enrollmentUrl,expiresAt');
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['csv-anna', 'csv-cilla']);
      expect(lines[1]).toMatch(
        /^csv-anna,Anna Åkesson,anna@exempel\.se,sv-SE,http:\/\/127\.0\.0\.1\/enroll\/[\w-]+,20\d\d-/,
      );

      // The links are real: Cilla's opens her enrollment; after that her status is "pending".
      const cillaUrl = lines[2]!.split(',')[4]!;
      await user.page.goto(`${fx.baseUrl}/enroll/${cillaUrl.split('/enroll/')[1]}`);
      await heading(user.page, 'Steg 1: Hur ska vi kontakta dig?');
      await page.goto(`${fx.baseUrl}/admin/users/${c.id}`);
      expect(await page.locator('#reg-title ~ dl [data-status]').textContent()).toBe('Ingen metod');
      await page.goto(`${fx.baseUrl}/admin/users?q=csv-&status=pending`);
      expect(await page.locator('tbody tr th').allTextContents()).toEqual(['csv-anna']);
    } finally {
      await user.ctx.close();
      await ctx.close();
    }
  });

  it('e-mails enrollment links through a real SMTP server, shows progress, and retries a failure', async () => {
    const eva = createUser(fx.store.db, { username: 'mail-eva', displayName: 'Eva Ek', language: 'sv-SE' });
    const ned = createUser(fx.store.db, { username: 'mail-ned', displayName: 'Ned', language: 'en-GB' });
    updateUser(fx.store.db, eva.id, { email: 'eva@exempel.se' });
    const before = sink.messages().length;
    const { ctx, page } = await newPage('sv-SE');
    try {
      await adminLogin(page, 'sv');
      await page.goto(`${fx.baseUrl}/admin/users?q=mail-`);
      await page.getByLabel('Välj mail-eva').check();
      await page.getByLabel('Välj mail-ned').check();
      await page.getByRole('button', { name: 'Skicka länkar med e-post till de valda' }).click();
      await heading(page, 'Registreringsmejl');
      // The page refreshes itself until the send is done.
      await page.getByRole('heading', { level: 2, name: 'Klart' }).waitFor({ timeout: 20_000 });
      expect(await page.locator('#mail-counts').textContent()).toBe('1 skickade, 1 misslyckade, 0 väntar, av 2.');
      expect(await page.locator('tr[data-item="mail-ned"]').textContent()).toContain('Användaren saknar e-postadress');
      await screenshot(page, 'admin-mail-progress-sv', { mobile: true });
      const sent = sink.messages().slice(before);
      expect(sent.map((m) => m.to)).toEqual(['eva@exempel.se']);
      expect(sent[0]?.subject).toBe('Registrera din telefon för tvåstegsverifiering hos Exempel AB');
      expect(sent[0]?.text).toContain('Hej Eva Ek!');
      const batchUrl = page.url();

      // The admin adds Ned's address on his page, then sends the failed one again.
      await page.goto(`${fx.baseUrl}/admin/users/${ned.id}`);
      await page.getByLabel('E-post').fill('ned@example.com');
      await page.getByRole('button', { name: 'Spara' }).click();
      await page.locator('.notice.ok', { hasText: 'Sparat.' }).waitFor();
      await page.goto(batchUrl);
      await page.getByRole('button', { name: 'Skicka de 1 misslyckade igen' }).click();
      await page.getByRole('heading', { level: 2, name: 'Klart' }).waitFor({ timeout: 20_000 });
      expect(await page.locator('#mail-counts').textContent()).toBe('2 skickade, 0 misslyckade, 0 väntar, av 2.');
      const all = sink.messages().slice(before);
      expect(all.map((m) => m.to)).toEqual(['eva@exempel.se', 'ned@example.com']);
      expect(all[1]?.subject).toBe('Register your phone for two-step verification at Exempel AB');
    } finally {
      await ctx.close();
    }
  });

  it('reviews a fraud report and creates an API key shown once', async () => {
    const fia = verifiedUser('fraud-fia', 'en-GB');
    const until = Date.now() + 86_400_000;
    updateUser(fx.store.db, fia.id, { blockedUntil: until });
    insertFraudReport(fx.store.db, { attemptId: null, userId: fia.id, digits: '0#', blockedUntil: until });
    const { ctx, page } = await newPage('en-GB');
    try {
      await adminLogin(page, 'en');
      await page.getByRole('link', { name: 'Fraud reports' }).click();
      await heading(page, 'Fraud reports');
      const card = page.locator('section', { hasText: 'fraud-fia' });
      await card.getByLabel('Note (optional)').fill('pocket dial');
      await card.getByRole('button', { name: 'Dismiss and unblock' }).click();
      await page.locator('.notice.ok', { hasText: 'dismissed' }).waitFor();
      expect(getUser(fx.store.db, fia.id)?.blockedUntil).toBeNull();

      await page.getByRole('link', { name: 'API keys' }).click();
      await heading(page, 'API keys and webhooks');
      await page.getByLabel('Name').fill('VPN portal');
      await page.getByRole('button', { name: 'Create key' }).click();
      const key = ((await page.locator('#new-key').textContent()) ?? '').trim();
      expect(key).toMatch(/^fyk_/);
      await screenshot(page, 'admin-keys-en');
      await page.reload();
      expect(await page.locator('#new-key').count()).toBe(0);
      expect(await page.content()).not.toContain(key);
      page.once('dialog', (d) => void d.accept());
      await page.locator('tr', { hasText: 'VPN portal' }).getByRole('button', { name: 'Revoke' }).click();
      await page.locator('.notice.ok', { hasText: 'VPN portal was revoked' }).waitFor();
    } finally {
      await ctx.close();
    }
  });
});

describe('attempt list and detail polish', () => {
  it('nothing is clipped at 1280 px, bad filters are errors, ladder labels fit', async () => {
    const u = createUser(fx.store.db, {
      username: 'lang.namn-med-langt-anvandarnamn',
      displayName: 'L',
      language: 'sv-SE',
    });
    for (const outcome of ['approved', 'busy', 'no-answer'] as const) {
      const a = createAttempt(fx.store.db, {
        purpose: 'sign-in',
        userId: u.id,
        destination: 'sip:+46812345678;ext=1234567890@pbx-with-a-long-hostname.internal.exempel.se',
      });
      transitionAttempt(fx.store.db, a.id, { to: 'dialling', dialledTarget: 'sip:x', backend: 'embedded' });
      transitionAttempt(fx.store.db, a.id, { to: 'ended', outcome, ...(outcome === 'busy' ? { sipStatus: 486 } : {}) });
      if (outcome === 'approved') for (const e of verifiedTrace()) appendAttemptEvent(fx.store.db, a.id, e);
      if (outcome === 'busy') for (const e of longLabelTrace()) appendAttemptEvent(fx.store.db, a.id, e);
    }
    const { ctx, page } = await newPage('sv-SE');
    try {
      await adminLogin(page, 'sv');
      for (const path of ['/admin/attempts', '/admin/sign-ins', '/admin/users', '/admin/audit', '/admin/keys']) {
        await page.goto(fx.baseUrl + path);
        const clipped = (await page.evaluate(`(() => {
          const out = [];
          for (const w of document.querySelectorAll('.table-wrap')) if (w.scrollWidth > w.clientWidth + 1) out.push('table-wrap scrolls: ' + (w.scrollWidth - w.clientWidth) + 'px');
          for (const c of document.querySelectorAll('td, th')) if (c.scrollWidth > c.clientWidth + 1) out.push('cell: ' + c.textContent.slice(0, 40));
          if (document.documentElement.scrollWidth > 1280) out.push('page ' + document.documentElement.scrollWidth);
          return out;
        })()`)) as string[];
        expect({ path, clipped }).toEqual({ path, clipped: [] });
      }
      await page.goto(`${fx.baseUrl}/admin/attempts`);
      await screenshot(page, 'admin-attempts-1280-sv');

      // Bad filters: errors next to their fields, no list pretending they were applied.
      const bad = await page.goto(`${fx.baseUrl}/admin/attempts?outcome=maybe&since=2026-13-45&user=nobody`);
      expect(bad?.status()).toBe(422);
      expect(await page.locator('#f-since-error').textContent()).toBe(
        '”2026-13-45” är inget datum: skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-01-31.',
      );
      expect(await page.locator('#f-outcome-error').textContent()).toContain('”maybe” är inget utfall');
      expect(await page.locator('#f-user-error').textContent()).toContain('”nobody”');
      expect(await page.getAttribute('#f-since', 'aria-invalid')).toBe('true');
      expect(await page.locator('.error-summary li').count()).toBe(3);
      expect(await page.locator('table').count()).toBe(0);
      await screenshot(page, 'admin-attempts-bad-filter-sv');

      // The ladder in Swedish: every label fits its arrow's span or its pill (also long reason
      // phrases, prompt names and notes, which are cut with an ellipsis instead).
      for (const outcome of ['approved', 'busy']) {
        await page.goto(`${fx.baseUrl}/admin/attempts?outcome=${outcome}`);
        await page.locator('tbody tr a').first().click();
        await page.waitForSelector('svg.ladder');
        const overflow = (await page.evaluate(`(() => {
          const out = [];
          for (const g of document.querySelectorAll('svg.ladder g.ladder-arrow')) {
            const texts = g.querySelectorAll('text'); const t = texts[texts.length - 1]; const l = g.querySelector('line');
            const span = Math.abs(Number(l.getAttribute('x2')) - Number(l.getAttribute('x1')));
            if (t.getComputedTextLength() > span - 4) out.push(t.textContent + ' > ' + span);
          }
          for (const g of document.querySelectorAll('svg.ladder g.ladder-mark')) {
            const t = g.querySelectorAll('text')[1]; const r = g.querySelector('rect');
            if (t.getComputedTextLength() > Number(r.getAttribute('width')) - 4) out.push(t.textContent);
          }
          for (const g of document.querySelectorAll('svg.ladder g.ladder-column')) {
            const t = g.querySelector('text');
            if (t.getComputedTextLength() > 146) out.push(t.textContent);
          }
          return out;
        })()`)) as string[];
        expect({ outcome, overflow }).toEqual({ outcome, overflow: [] });
        expect(await page.locator('svg.ladder g.ladder-arrow').count()).toBeGreaterThan(3);
      }
      await screenshot(page, 'admin-ladder-long-labels-sv');
    } finally {
      await ctx.close();
    }
  });
});

/** Labels longer than their space: a long reason phrase, a long prompt name, a long note. */
function longLabelTrace(): TraceEvent[] {
  const t0 = Date.now();
  const raw = (first: string, cseq: string) =>
    `${first}\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK2\r\nCall-ID: long@127.0.0.1\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
  const sip = (at: number, direction: 'in' | 'out', first: string, cseq: string): TraceEvent => ({
    kind: 'sip',
    at: t0 + at,
    direction,
    peer: 'udp:127.0.0.1:5062',
    summary: first.replace(/^SIP\/2\.0 /, '').replace(/ SIP\/2\.0$/, ''),
    raw: raw(first, cseq),
    callId: 'long@127.0.0.1',
  });
  return [
    sip(0, 'out', 'INVITE sip:+46812345678@pbx-with-a-long-hostname.internal.exempel.se SIP/2.0', '1 INVITE'),
    sip(20, 'in', 'SIP/2.0 183 Session Progress With Very Long Reason MMWW', '1 INVITE'),
    { kind: 'prompt', at: t0 + 40, phase: 'start', prompt: 'valkommen-till-foretagets-nya-verifieringstjanst@sv-SE' },
    {
      kind: 'prompt',
      at: t0 + 60,
      phase: 'interrupted',
      prompt: 'valkommen-till-foretagets-nya-verifieringstjanst@sv-SE',
    },
    {
      kind: 'note',
      at: t0 + 70,
      level: 'warn',
      message: 'WARNING: MMMMMMMM WWWWWWWW the callee pressed keys after the prompt ended',
    },
    sip(80, 'in', 'SIP/2.0 486 Busy Here Because Everyone Is In A Meeting WWMM', '1 INVITE'),
    sip(81, 'out', 'ACK sip:+46812345678@pbx-with-a-long-hostname.internal.exempel.se SIP/2.0', '1 ACK'),
  ];
}
