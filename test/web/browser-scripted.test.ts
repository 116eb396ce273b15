/**
 * The web UI in headless Chromium against the scripted service double: the seed's three steps in
 * Swedish, a busy line in English, Security info, and the admin ladder. The same flows run against
 * real SIP peers in `browser-sip.test.ts`; this file checks the pages fast and in detail.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { createUser } from '../../src/store/repo/users';
import { launchChromium, type TestBrowser } from '../support/browser';
import { busyPlan, verifiedPlan } from './support/plans';
import { screenshot } from './support/screenshots';
import { TEST_ADMIN_KEY } from './support/scripted-actions';
import { startWebFixture, type WebFixture } from './support/web-fixture';

// Chromium on a shared 2-core machine: generous, but bounded.
jest.setTimeout(60_000);

let fx: WebFixture;
let chrome: TestBrowser;

beforeAll(async () => {
  fx = await startWebFixture();
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await fx?.close();
});

async function newPage(locale: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await chrome.newContext({ locale, acceptLanguage: locale });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fx.baseUrl });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  return { ctx, page };
}

describe('self-service enrollment in Chromium (scripted calls)', () => {
  it('walks the three steps in Swedish, copies the app password and shows it in Security info', async () => {
    const user = createUser(fx.store.db, { username: 'anna', displayName: 'Anna Andersson', language: 'sv-SE' });
    const token = fx.actions.enrollmentLink(user.id);
    const { ctx, page } = await newPage('sv-SE');
    try {
      await page.goto(`${fx.baseUrl}/enroll/${token}`);
      await expectHeading(page, 'Steg 1: Hur ska vi kontakta dig?');
      expect(await page.getAttribute('html', 'lang')).toBe('sv');
      // Country list in Swedish with calling codes, home country preselected.
      expect(await page.locator('#country option:checked').textContent()).toBe('Sverige (+46)');
      expect(await page.locator('#country option[value="DE"]').textContent()).toBe('Tyskland (+49)');
      await screenshot(page, 'enroll-step1-sv', { mobile: true });

      // Nothing typed: the page says so before anything is sent.
      await page.getByRole('button', { name: 'Ring mig' }).click();
      await expectText(page, '#number-error', 'Skriv ditt telefonnummer.');
      expect(fx.actions.calls).toHaveLength(0);

      // A number the domain rejects: the server answers with the message in Swedish, nothing dialled.
      await page.getByLabel('Telefonnummer').fill('12');
      await page.getByRole('button', { name: 'Ring mig' }).click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('#number-error').textContent()).toMatch(/för kort|kort/i);
      expect(fx.actions.calls).toHaveLength(0);
      await screenshot(page, 'enroll-step1-error-sv');

      fx.actions.plans.push(verifiedPlan());
      await page.getByLabel('Telefonnummer').fill('08-123 456 78');
      await page.getByLabel('Anknytning').fill('1234');
      await page.getByRole('button', { name: 'Ring mig' }).click();
      await expectHeading(page, 'Steg 2: Vi ringer din telefon');
      await page.waitForSelector('[data-part="status"]:text("Verifierad. Tack!")');
      expect(await page.locator('.live').getAttribute('data-phase')).toBe('verified');
      await screenshot(page, 'enroll-step2-verified-sv', { mobile: true });
      expect(fx.actions.calls).toEqual([{ userId: user.id, methodId: expect.any(String), purpose: 'enrollment' }]);

      await page.getByRole('link', { name: 'Fortsätt' }).click();
      await expectHeading(page, 'Steg 3: Fortsätt att använda dina befintliga program');
      const step3Url = page.url();
      const password = (await page.locator('#app-password').textContent())?.trim() ?? '';
      expect(password).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
      await page.getByRole('button', { name: 'Kopiera' }).click();
      await expectText(page, '#copy-status', 'Kopierat');
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(password);
      await screenshot(page, 'enroll-step3-app-password-sv');

      await page.getByRole('link', { name: 'Klar' }).click();
      await expectHeading(page, 'Säkerhetsinformation');
      const row = page.locator('#methods-title ~ .table-wrap tbody tr', { hasText: 'Arbetstelefon' });
      expect(await row.textContent()).toContain('+46 8 123 456 78');
      expect(await row.textContent()).toContain('1234');
      expect(await row.textContent()).toContain('Verifierad');
      expect(await row.textContent()).toContain('Standard');
      expect(await page.locator('#apps-title ~ .table-wrap tbody tr').count()).toBe(1);
      await screenshot(page, 'security-info-sv', { mobile: true });

      // A test call from Security info uses the same live page.
      fx.actions.plans.push(verifiedPlan(50));
      await row.getByRole('button', { name: 'Provsamtal' }).click();
      await expectHeading(page, 'Provsamtal');
      await page.waitForSelector('[data-part="status"]:text("Verifierad. Tack!")');
      expect(fx.actions.calls.at(-1)?.purpose).toBe('test');
      await page.getByRole('link', { name: 'Fortsätt' }).click();
      await expectHeading(page, 'Säkerhetsinformation');

      // The password was shown once: step 3 again does not show it (nor mint another one).
      await page.goto(step3Url);
      expect(await page.locator('#app-password').count()).toBe(0);
      await page.getByText('Inget applösenord skapades den här gången.').waitFor();

      // Create and revoke an app password from Security info.
      await page.goto(`${fx.baseUrl}/me/security`);
      await page.getByLabel('Namn (till exempel: E-post på min bärbara dator)').fill('Mobil e-post');
      await page.getByRole('button', { name: 'Skapa applösenord' }).click();
      await page.waitForSelector('#new-app-password');
      expect(await page.locator('#apps-title ~ .table-wrap tbody tr').count()).toBe(2);
      page.once('dialog', (d) => void d.accept());
      await page.locator('tr', { hasText: 'Mobil e-post' }).getByRole('button', { name: 'Återkalla' }).click();
      await page.waitForSelector('.notice.ok:text("Återkallat.")');
      expect(await page.locator('#apps-title ~ .table-wrap tbody tr').count()).toBe(1);
    } finally {
      await ctx.close();
    }
  });

  it('explains a busy line in English and respects the rate limit on "call me again"', async () => {
    const user = createUser(fx.store.db, { username: 'bob', displayName: 'Bob', language: 'en-GB' });
    const token = fx.actions.enrollmentLink(user.id);
    const { ctx, page } = await newPage('en-GB');
    try {
      await page.goto(`${fx.baseUrl}/enroll/${token}`);
      await expectHeading(page, 'Step 1: How should we contact you?');
      // Keyboard only: the skip link comes first and focus is visible; the form works without a mouse.
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to main content');
      expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await page.keyboard.press('Enter');
      fx.actions.plans.push(busyPlan());
      await page.focus('#number');
      expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await page.keyboard.type('+46 8 123 456 79');
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-part="status"]:text("We could not verify your phone.")');
      await expectText(page, '[data-part="reason"]', 'What happened: The line was busy (486 Busy Here).');
      await expectText(page, '[data-part="tip"]', 'What to try: Make sure the line is free, then call again.');
      expect(await page.getByRole('button', { name: 'Call me again' }).isVisible()).toBe(true);
      expect(await page.getByRole('link', { name: 'Continue' }).isVisible()).toBe(false);
      await screenshot(page, 'enroll-step2-busy-en');

      fx.actions.rateLimitSeconds = 30;
      await page.getByRole('button', { name: 'Call me again' }).click();
      await page.waitForSelector('.notice.warn');
      expect(await page.locator('.notice.warn').textContent()).toContain('You can ask for a new call in 30 seconds.');
      fx.actions.rateLimitSeconds = 0;
      expect(fx.actions.calls.filter((c) => c.userId === user.id)).toHaveLength(1);
    } finally {
      await ctx.close();
    }
  });
});

describe('admin pages in Chromium', () => {
  it('logs in with an API key, shows the dashboard chart and the ladder of an attempt', async () => {
    const { ctx, page } = await newPage('en-GB');
    try {
      await page.goto(`${fx.baseUrl}/admin`);
      await expectHeading(page, 'Administrator sign-in');
      await page.getByLabel('API key').fill('fyk_wrongwro_0000000000000000000000000000000000000000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForSelector('.error-summary');
      await page.getByLabel('API key').fill(TEST_ADMIN_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectHeading(page, 'Dashboard');
      const cookies = await ctx.cookies();
      const session = cookies.find((c) => c.name === 'fyrkant_admin');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await page.locator('svg.chart rect.bar').count()).toBeGreaterThan(0);
      await screenshot(page, 'admin-dashboard-en', { mobile: true });

      await page.getByRole('link', { name: 'Attempts' }).click();
      await expectHeading(page, 'Attempts');
      await page.selectOption('#f-outcome', 'approved');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('tbody tr a').first().click();
      await page.waitForSelector('svg.ladder');
      for (const label of ['INVITE', '180 Ringing', '200 OK', 'ACK', 'BYE']) {
        expect(await page.locator(`svg.ladder g[data-label="${label}"]`).count()).toBeGreaterThan(0);
      }
      await expectText(page, '[data-testid="plain-reason"]', 'Verified: # was pressed.');
      await page.locator('svg.ladder g[data-label="INVITE"] a').click();
      const open = page.locator('details.raw[open]');
      await open.waitFor();
      expect(await open.locator('pre').textContent()).toContain('INVITE sip:+46812345678@127.0.0.1:5062 SIP/2.0');
      expect(await open.locator('pre').textContent()).toContain('Authorization: [redacted]');
      await screenshot(page, 'admin-attempt-ladder-en', { mobile: true });

      // Script steps are hidden until asked for.
      expect(await page.locator('svg.ladder g.ladder-mark', { hasText: 'ivr: step 5' }).count()).toBe(0);
      await page.getByRole('link', { name: 'Show the 1 script steps on the ladder' }).click();
      await page.locator('svg.ladder g.ladder-mark', { hasText: 'ivr: step 5' }).waitFor();

      // Keyboard: the arrows are links in tab order.
      await page.locator('svg.ladder g[data-label="BYE"] a').focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('details.raw[open] summary').last().textContent()).toContain('BYE');

      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByLabel('Username, name or e-mail').fill('anna');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'anna' }).click();
      await expectHeading(page, 'User anna');
      await page.getByRole('button', { name: 'Create enrollment link' }).click();
      await page.waitForSelector('#enroll-link');
      expect(await page.locator('#enroll-link').textContent()).toMatch(/\/enroll\/[A-Za-z0-9_-]+$/);
      await screenshot(page, 'admin-user-en');

      // IVR scripts: the list marks the broken one; its editor shows its errors with line numbers; a
      // prompt preview of the shipped one plays.
      await page.getByRole('link', { name: 'IVR scripts' }).click();
      await expectHeading(page, 'IVR scripts');
      const brokenRow = page.locator('tr', { has: page.getByRole('link', { name: 'broken' }) });
      expect(await brokenRow.locator('.badge.bad').textContent()).toMatch(/^\d+ errors$/);
      await brokenRow.getByRole('link', { name: 'broken' }).click();
      await expectHeading(page, 'Script broken');
      expect(await page.locator('.diag li.error').first().textContent()).toMatch(/^Line \d+, column \d+/);
      await page.getByRole('link', { name: 'IVR scripts' }).first().click();
      const verifyRow = page.locator('tr', { has: page.getByRole('link', { name: 'office-phone-verify' }) });
      expect(await verifyRow.locator('.badge.ok').count()).toBe(1);
      await verifyRow.getByRole('link', { name: 'office-phone-verify' }).click();
      const audio = page.locator('audio[aria-label="Play “greeting” (sv-SE)"]');
      const duration = await audio.evaluate(
        (a: MediaLike) =>
          new Promise<number>((resolve, reject) => {
            a.addEventListener('loadedmetadata', () => resolve(a.duration));
            a.addEventListener('error', () => reject(new Error('the browser could not load the prompt audio')));
            a.load();
          }),
      );
      expect(duration).toBeGreaterThan(1);
      await screenshot(page, 'admin-scripts-en');
    } finally {
      await ctx.close();
    }
  });
});

/** The bits of HTMLMediaElement the test uses (the tests compile without DOM typings). */
interface MediaLike {
  readonly duration: number;
  addEventListener(type: string, listener: () => void): void;
  load(): void;
}

async function expectHeading(page: Page, text: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  // A string expression: the test code is compiled without DOM typings.
  await page.waitForFunction(
    `document.querySelector(${JSON.stringify(selector)})?.textContent?.trim() === ${JSON.stringify(text)}`,
    undefined,
    { timeout: 10_000 },
  );
}
