/**
 * How a digit is read out, per language. Digits are spoken one by one (an extension "1001" is "one zero
 * zero one", not "one thousand and one"), each rendered once and reused across prompts.
 */
const WORDS: Record<string, Record<string, string>> = {
  sv: {
    '0': 'noll',
    '1': 'ett',
    '2': 'två',
    '3': 'tre',
    '4': 'fyra',
    '5': 'fem',
    '6': 'sex',
    '7': 'sju',
    '8': 'åtta',
    '9': 'nio',
    '*': 'stjärna',
    '#': 'fyrkant',
    A: 'A',
    B: 'B',
    C: 'C',
    D: 'D',
  },
  en: {
    '0': 'zero',
    '1': 'one',
    '2': 'two',
    '3': 'three',
    '4': 'four',
    '5': 'five',
    '6': 'six',
    '7': 'seven',
    '8': 'eight',
    '9': 'nine',
    '*': 'star',
    '#': 'pound',
    A: 'A',
    B: 'B',
    C: 'C',
    D: 'D',
  },
};

/** The word for `digit` in `language`; other languages get the digit itself (espeak reads it natively). */
export function digitWord(digit: string, language: string): string {
  return WORDS[language.toLowerCase().split('-')[0]!]?.[digit] ?? digit;
}

/** Only real digits are spoken; pauses (`,` `w`) and separators are skipped. */
export function speakableDigits(s: string): string[] {
  return [...s].filter((c) => /[0-9*#A-D]/.test(c));
}
