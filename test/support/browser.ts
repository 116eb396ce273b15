import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { requireTool } from './tools';

/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser (there is no internet
 * here), a fresh profile per launch (playwright's `launch` creates a new temporary user data dir each
 * time and deletes it on close), and no background traffic. Call `close()` in afterAll.
 */
export interface TestBrowser {
  readonly browser: Browser;
  newContext(options?: { locale?: string; acceptLanguage?: string }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const executablePath = requireTool('chromium', 'chromium');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 20_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    newContext: (options = {}) =>
      browser.newContext({
        ...(options.locale ? { locale: options.locale } : {}),
        ...(options.acceptLanguage ? { extraHTTPHeaders: { 'Accept-Language': options.acceptLanguage } } : {}),
      }),
    close: () => browser.close(),
  };
}
