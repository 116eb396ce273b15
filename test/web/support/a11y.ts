/**
 * Cheap accessibility checks run in the page: every visible form control has a name (label,
 * aria-label or aria-labelledby), every image-like SVG has a title, ids are unique, there is one h1,
 * and the document has a language. Not a full audit — the things our templates could get wrong.
 */
import type { Page } from 'playwright-core';

const CHECK = `(() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button')) {
    if (!visible(el)) continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
      (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!named) problems.push('unnamed control: ' + el.outerHTML.slice(0, 80));
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (!svg.querySelector(':scope > title')) problems.push('svg without title');
  }
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  for (const [id, n] of ids) if (n > 1) problems.push('duplicate id: ' + id);
  if (document.querySelectorAll('h1').length !== 1) problems.push('h1 count ' + document.querySelectorAll('h1').length);
  if (!document.documentElement.lang) problems.push('no lang');
  return problems;
})()`;

export async function a11yProblems(page: Page): Promise<string[]> {
  return (await page.evaluate(CHECK)) as string[];
}
