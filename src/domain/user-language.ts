/**
 * The one rule for a user's language, used by every way a user is made or changed (REST API, admin
 * web UI, CSV import): it must be one of the configured `languages`. Matching ignores case and the
 * configured spelling is what gets stored (`SV-se` → `sv-SE`).
 */
import type { Localized } from './language';

export type LanguageCheck =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly code: 'language-not-configured'; readonly message: Localized };

const NAMES: Readonly<Record<'sv' | 'en', Intl.DisplayNames>> = {
  sv: new Intl.DisplayNames(['sv-SE'], { type: 'language', fallback: 'code' }),
  en: new Intl.DisplayNames(['en-GB'], { type: 'language', fallback: 'code' }),
};

function nameOf(tag: string, lang: 'sv' | 'en'): string {
  try {
    return `${tag} – ${NAMES[lang].of(tag) ?? tag}`;
  } catch {
    return tag;
  }
}

export function checkUserLanguage(tag: string, configured: readonly string[]): LanguageCheck {
  const hit = configured.find((l) => l.toLowerCase() === tag.trim().toLowerCase());
  if (hit) return { ok: true, value: hit };
  return {
    ok: false,
    code: 'language-not-configured',
    message: {
      sv: `Språket ”${tag}” används inte här. Välj ett av: ${configured.map((l) => nameOf(l, 'sv')).join(', ')}.`,
      en: `The language "${tag}" is not used here. Choose one of: ${configured.map((l) => nameOf(l, 'en')).join(', ')}.`,
    },
  };
}
