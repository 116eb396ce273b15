import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { a11yProblems } from './a11y';

/** `test-output/screenshots/` at the repository root (git-ignored), for reviewers to look at. */
export const SCREENSHOT_DIR = resolve(__dirname, '..', '..', '..', 'test-output', 'screenshots');

/**
 * Saves a full-page screenshot, and one at phone width (375 px) when `mobile` is set, after checking
 * the page's basic accessibility (a failed check fails the test that took the picture).
 */
export async function screenshot(page: Page, name: string, options: { mobile?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const problems = await a11yProblems(page);
  if (problems.length > 0) throw new Error(`accessibility problems on ${name}: ${problems.join('; ')}`);
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (options.mobile) {
    const size = page.viewportSize();
    await page.setViewportSize({ width: 375, height: 740 });
    // Nothing may stick out sideways at phone width (tables and the ladder scroll inside their boxes).
    const overflow = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-mobile.png`), fullPage: true });
    if (size) await page.setViewportSize(size);
    if (overflow > 375) throw new Error(`${name} is ${overflow}px wide at a 375px viewport`);
  }
  return path;
}
