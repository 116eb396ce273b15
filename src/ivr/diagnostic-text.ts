/**
 * Script validation messages in Swedish. The validator (validate.ts) writes English for the CLI and
 * logs; the admin web UI shows a Swedish admin this translation. Every message shape the validator
 * makes is one row here — a new message without a row shows in English and the Swedish page test
 * (`test/web/swedish-pass.test.ts`, which loads a broken script) fails.
 */
import type { Language } from '../domain/language';

type Row = readonly [RegExp, string];

const SV: readonly Row[] = [
  [
    /^the file name must be a script id \(lower-case letters, digits, '-', '_', '\.'\)$/,
    "filnamnet måste vara ett skript-id (gemena bokstäver, siffror, '-', '_', '.')",
  ],
  [/^YAML syntax: (.*)$/, 'fel i YAML-syntaxen: $1'],
  [/^YAML: (.*)$/, 'YAML: $1'],
  [/^unknown verb "([^"]*)"$/, 'okänt verb ”$1”'],
  [/^a step must be a map with one verb$/, 'ett steg måste vara en tabell med ett verb'],
  [/^a step has exactly one verb; this one has (.*) and (.*)$/, 'ett steg har exakt ett verb; det här har $1 och $2'],
  [/^this step has no verb$/, 'det här steget har inget verb'],
  [/^duplicate step id "([^"]*)"$/, 'steg-id:t ”$1” finns redan'],
  [/^unknown prompt key "([^"]*)"$/, 'okänd promptnyckel ”$1”'],
  [/^no step has id "([^"]*)"$/, 'inget steg har id ”$1”'],
  [/^unknown variable \{([^}]*)\}$/, 'okänd variabel {$1}'],
  [
    /^prompt "([^"]*)" has no (\S+) version \(the fallback is used\)$/,
    'prompten ”$1” saknar $2-version (reservspråket används)',
  ],
  [/^minDigits is larger than maxDigits$/, 'minDigits är större än maxDigits'],
  [/^invalid regular expression \((.*)\)$/, 'ogiltigt reguljärt uttryck ($1)'],
  [/^these cannot be sent as DTMF$/, 'de här tecknen kan inte skickas som DTMF'],
  [/^prompt "([^"]*)" is not used by any step$/, 'prompten ”$1” används inte av något steg'],
  [/^audio file not found$/, 'ljudfilen finns inte'],
  [/^audio file refused: (.*)$/, 'ljudfilen avvisades: $1'],
  [/^step (\d+) \((.*)\) can never run$/, 'steg $1 ($2) kan aldrig köras'],
  [/^unknown key "([^"]*)"$/, 'okänd nyckel ”$1”'],
  [/^not a valid value here$/, 'inte ett giltigt värde här'],
  [/^required, but missing$/, 'krävs men saknas'],
  [/^wrong type$/, 'fel typ'],
  [/^not an allowed value$/, 'inte ett tillåtet värde'],
  [/^too small$/, 'för litet'],
  [/^too large$/, 'för stort'],
  [/^"([^"]*)" is not a language tag$/, '”$1” är ingen språkkod'],
  [/^invalid key "([^"]*)"$/, 'ogiltig nyckel ”$1”'],
  [
    /^a prompt key: lower-case letters, digits and dashes$/,
    'en promptnyckel: gemena bokstäver, siffror och bindestreck',
  ],
  [/^a step id: lower-case letters, digits and dashes$/, 'ett steg-id: gemena bokstäver, siffror och bindestreck'],
  [/^a BCP 47 language tag such as sv-SE or en-US$/, 'en språkkod som sv-SE eller en-US'],
  [/^DTMF digits$/, 'DTMF-tecken'],
];

/** `message` in `lang`; a message without a Swedish row is returned as it is. */
export function diagnosticText(message: string, lang: Language): string {
  if (lang === 'en') return message;
  // The UI adds where in the script, " [steps[1].plya]": keep it as it is.
  const at = /^(.*)( \[\S*\])$/.exec(message);
  if (at) return `${diagnosticText(at[1]!, lang)}${at[2]}`;
  // "(did you mean "x"?)" can follow several messages: translate it once, then the message itself.
  const hint = /^(.*) \(did you mean ("[^"]*"|\{[^}]*\})\?\)$/.exec(message);
  const core = hint ? hint[1]! : message;
  for (const [re, sv] of SV) {
    if (re.test(core)) {
      const text = core.replace(re, sv);
      return hint ? `${text} (menade du ${hint[2]!.replace(/^"(.*)"$/, '”$1”')}?)` : text;
    }
  }
  return message;
}
