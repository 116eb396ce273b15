/** The languages fyrkant's own texts exist in. Any BCP 47 tag maps to one of them (English is the fallback). */
export type Language = 'sv' | 'en';

export function textLanguage(tag: string | undefined | null): Language {
  return tag?.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

/** A text in every language fyrkant speaks. */
export type Localized = Readonly<Record<Language, string>>;
