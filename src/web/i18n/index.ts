/**
 * Message lookup and language choice for the web UI. A page gets a `Messages` for one language and
 * never sees the other catalogue; a missing placeholder value is left visible (`{name}`) rather
 * than silently dropped, so a mistake shows up in review and tests.
 */
import { en, type MessageKey } from './en';
import { sv } from './sv';

export type { MessageKey } from './en';

export const UI_LANGUAGES = ['sv', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

const CATALOGUES: Readonly<Record<UiLanguage, Readonly<Record<MessageKey, string>>>> = { en, sv };

export function isUiLanguage(s: unknown): s is UiLanguage {
  return typeof s === 'string' && (UI_LANGUAGES as readonly string[]).includes(s);
}

export type MessageParams = Readonly<Record<string, string | number>>;

export interface Messages {
  readonly lang: UiLanguage;
  /** BCP 47 tag for `<html lang>` and `Intl` formatting. */
  readonly locale: string;
  t(key: MessageKey, params?: MessageParams): string;
  /** Date and time in the viewer's language, in the server's time zone. */
  dateTime(ms: number): string;
}

export function interpolate(template: string, params: MessageParams = {}): string {
  return template.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function messages(lang: UiLanguage): Messages {
  const catalogue = CATALOGUES[lang];
  const locale = lang === 'sv' ? 'sv-SE' : 'en-GB';
  const fmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
  return {
    lang,
    locale,
    t: (key, params) => interpolate(catalogue[key], params),
    dateTime: (ms) => fmt.format(new Date(ms)),
  };
}

/**
 * Picks the UI language from an `Accept-Language` header (RFC 9110 §12.5.4: quality values,
 * `*`, ranges like `sv-SE`). Returns undefined when nothing acceptable is listed.
 */
export function fromAcceptLanguage(header: string | undefined): UiLanguage | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .map((part, order) => {
      const [range = '', ...paramParts] = part.trim().split(';');
      const q = paramParts.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { range: range.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, order };
    })
    .filter((r) => r.range && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
  for (const { range } of ranges) {
    const primary = range.split('-')[0];
    if (isUiLanguage(primary)) return primary;
  }
  return undefined;
}

/** Query parameter beats the cookie (the switch sets both), the cookie beats the browser, then the default. */
export function chooseLanguage(input: {
  readonly query?: unknown;
  readonly cookie?: string | undefined;
  readonly acceptLanguage?: string | undefined;
  readonly fallback: UiLanguage;
}): UiLanguage {
  if (isUiLanguage(input.query)) return input.query;
  if (isUiLanguage(input.cookie)) return input.cookie;
  return fromAcceptLanguage(input.acceptLanguage) ?? input.fallback;
}
