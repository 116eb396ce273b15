/**
 * The "no English word on a Swedish page" check: the visible texts of a page (text nodes, titles,
 * labels, placeholders) against (1) the English catalogue's values that differ from the Swedish ones,
 * (2) the machine codes of outcomes and policy reasons, (3) a short list of English words that are not
 * Swedish words. Code, preformatted SIP messages, the SIP ladder picture, and anything marked with a
 * non-Swedish `lang` are skipped: they are data, not our words.
 */
import type { Page } from 'playwright-core';
import { CALL_OUTCOMES } from '../../../src/domain/call-outcomes';
import { POLICY_REASONS } from '../../../src/domain/policy/reasons';
import { en } from '../../../src/web/i18n/en';
import { sv } from '../../../src/web/i18n/sv';

/** Common English words that are never Swedish words (so "in", "status", "policy" are not here). */
export const ENGLISH_STOP_WORDS = new Set([
  'the',
  'and',
  'you',
  'your',
  'with',
  'this',
  'that',
  'are',
  'was',
  'not',
  'for',
  'from',
  'have',
  'has',
  'will',
  'please',
  'click',
  'call',
  'calls',
  'phone',
  'number',
  'user',
  'users',
  'failed',
  'answered',
  'answer',
  'busy',
  'approved',
  'denied',
  'verified',
  'pending',
  'error',
  'errors',
  'warning',
  'warnings',
  'outcome',
  'attempt',
  'attempts',
  'unknown',
  'invalid',
  'required',
  'none',
  'yes',
  'no',
  'enabled',
  'disabled',
  'allowed',
  'blocked',
  'created',
  'never',
  'when',
  'what',
  'which',
  'should',
  'could',
  'would',
  'there',
  'their',
  'they',
  'been',
  'into',
  'about',
  'after',
  'before',
  'only',
  'also',
  'than',
  'then',
  'these',
  'those',
  'here',
  'where',
  'while',
  'without',
  'within',
  'sign',
  'signed',
  'save',
  'cancel',
  'delete',
  'remove',
  'change',
  'edit',
  'back',
  'next',
  'close',
  'open',
  'show',
  'hide',
  'search',
  'filter',
  'language',
  'country',
  'extension',
  'key',
  'keys',
  'link',
  'links',
  'page',
  'step',
  'steps',
  'settings',
  'home',
  'welcome',
  'dashboard',
  'loading',
  'try',
  'again',
  'help',
  'password',
  'passwords',
]);

const EN_ONLY_TEXTS = new Set(
  (Object.keys(en) as (keyof typeof en)[])
    .filter((k) => en[k] !== sv[k])
    .map((k) => en[k].replace(/\{[a-zA-Z0-9_]+\}/g, '').trim())
    .filter((t) => t.length >= 4),
);

const CODES = new Set<string>([...CALL_OUTCOMES, ...POLICY_REASONS].filter((c) => c.length > 2));

/** Runs in the page: what a person can read, outside code, SIP text and other-language content. */
const READABLE = `(() => {
  const skip = (el) =>
    el.closest('pre, code, kbd, samp, svg, script, style, textarea, [translate="no"], [lang]:not([lang^="sv"])') !== null;
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    const text = (node.textContent || '').trim();
    if (el && text && !skip(el)) out.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt], [data-confirm]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'alt', 'data-confirm']) {
      const v = el.getAttribute(a);
      if (v) out.push(v);
    }
  }
  return out;
})()`;

export async function readableTexts(page: Page): Promise<string[]> {
  return (await page.evaluate(READABLE)) as string[];
}

/** Problems found in `texts` ("'Sign in' is an English catalogue text", …); empty = all Swedish. */
export function englishIn(texts: readonly string[]): string[] {
  const problems: string[] = [];
  for (const text of texts) {
    if (EN_ONLY_TEXTS.has(text)) {
      problems.push(`"${text}" is a text of the English catalogue`);
      continue;
    }
    if (CODES.has(text)) {
      problems.push(`"${text}" is a machine code shown as it is`);
      continue;
    }
    // Identifiers such as office-phone-verify, user@example.com or user:123 are data; plain words are ours.
    // So are {placeholders}, `commands` and names in quotes (”invalid”, "greeting").
    const words = text
      .replace(/\{[^}]*\}|`[^`]*`|”[^”]*”|"[^"]*"|“[^”]*”/g, ' ')
      .split(/\s+/)
      .filter((w) => !/[a-z0-9]-[a-z0-9]|@|\/|_|\.[a-z]|[a-z]:\S/i.test(w))
      .flatMap((w) => w.split(/[^\p{L}]+/u))
      .filter(Boolean);
    // ALL-CAPS words are protocol terms (INVITE, OK, SIP), not sentences.
    const hits = words
      .filter((w) => w.length === 1 || w !== w.toUpperCase())
      .map((w) => w.toLowerCase())
      .filter((w) => ENGLISH_STOP_WORDS.has(w));
    if (hits.length) problems.push(`"${text}" has English words: ${[...new Set(hits)].join(', ')}`);
  }
  return problems;
}
