/** Picking a language version of a prompt, and the espeak-ng voice for a language. */

/**
 * The best available tag for `wanted`: exact (case-insensitive), then same primary language
 * (`sv-FI` → `sv-SE`), then the fallback (exact or same primary), then the first one defined.
 */
export function pickLanguage(available: readonly string[], wanted: string, fallback: string): string | undefined {
  const norm = (s: string) => s.toLowerCase();
  const primary = (s: string) => norm(s).split('-')[0];
  for (const target of [wanted, fallback]) {
    const exact = available.find((a) => norm(a) === norm(target));
    if (exact) return exact;
    const sameLang = available.find((a) => primary(a) === primary(target));
    if (sameLang) return sameLang;
  }
  return available[0];
}

/** espeak-ng voice names differ from BCP 47 tags for a few languages; the rest use the primary subtag. */
const VOICES: Record<string, string> = {
  'en-us': 'en-us',
  'en-gb': 'en-gb',
  en: 'en-us',
  'pt-br': 'pt-br',
  pt: 'pt',
  'es-419': 'es-419',
  nb: 'nb',
  no: 'nb',
  'zh-cn': 'cmn',
  zh: 'cmn',
};

export function voiceFor(language: string): string {
  const tag = language.toLowerCase();
  return VOICES[tag] ?? VOICES[tag.split('-')[0]!] ?? tag.split('-')[0]!;
}

/** A rate that is clear on a narrow-band phone line (espeak's default, 175 wpm, is a little brisk). */
export const DEFAULT_RATE = 165;
