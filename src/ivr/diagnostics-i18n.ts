/**
 * A validation finding as an admin reads it, in Swedish and English: where (line:column and the path
 * inside the script), what is wrong, and what to do (the "did you mean" guess, else what was expected).
 *
 * The validator words its findings in English (the CLI prints them as they are); this file holds the
 * one Swedish rendering of each of those sentences. A test runs every broken fixture through it and
 * fails if a Swedish text is still the English one, so a new validator message cannot slip through
 * untranslated.
 */
import type { Diagnostic, Severity } from './diagnostics';

export interface LocalizedText {
  readonly sv: string;
  readonly en: string;
}

export interface ScriptProblem {
  readonly severity: Severity;
  /** 1-based; 0 = no position. */
  readonly line: number;
  readonly column: number;
  /** e.g. `steps[2].gather.tries`. */
  readonly path: string;
  readonly message: LocalizedText;
  /** What to do about it; null when there is nothing better to say than the message. */
  readonly suggestion: LocalizedText | null;
  readonly found?: string;
}

type Rule = readonly [RegExp, (...groups: string[]) => string];

/** English message → Swedish; first match wins. `$n` groups are passed on. */
const MESSAGES: readonly Rule[] = [
  [
    /^the file name must be a script id \((.*)\)$/,
    () => "filnamnet måste vara ett skript-id (små bokstäver, siffror, '-', '_', '.')",
  ],
  [/^YAML syntax: (.*)$/, (m) => `YAML-syntax: ${m}`],
  [/^YAML: (.*)$/, (m) => `YAML: ${m}`],
  [/^unknown verb "(.*?)"(?: \(did you mean "(.*)"\?\))?$/, (v) => `okänt verb "${v}"`],
  [/^a step must be a map with one verb$/, () => 'ett steg måste vara en tabell med ett verb'],
  [
    /^a step has exactly one verb; this one has (.*) and (.*)$/,
    (a, b) => `ett steg har exakt ett verb; det här har ${a} och ${b}`,
  ],
  [/^this step has no verb$/, () => 'steget saknar verb'],
  [/^duplicate step id "(.*)"$/, (id) => `steg-id "${id}" finns redan`],
  [/^unknown prompt key "(.*?)"(?: \(did you mean.*)?$/, (k) => `okänd prompt-nyckel "${k}"`],
  [/^no step has id "(.*?)"(?: \(did you mean.*)?$/, (id) => `inget steg har id "${id}"`],
  [/^unknown variable \{(.*?)\}(?: \(did you mean.*)?$/, (v) => `okänd variabel {${v}}`],
  [
    /^prompt "(.*)" has no (.*) version \(the fallback is used\)$/,
    (k, l) => `prompten "${k}" saknar ${l}-version (reservspråket används)`,
  ],
  [/^minDigits is larger than maxDigits$/, () => 'minDigits är större än maxDigits'],
  [/^invalid regular expression \((.*)\)$/, (why) => `ogiltigt reguljärt uttryck (${why})`],
  [/^these cannot be sent as DTMF$/, () => 'de här tecknen kan inte skickas som DTMF'],
  [/^audio file not found$/, () => 'ljudfilen finns inte'],
  [/^audio file refused: (.*)$/, (why) => `ljudfilen avvisades: ${why}`],
  [/^prompt "(.*)" is not used by any step$/, (k) => `prompten "${k}" används inte av något steg`],
  [/^step (\d+) \((.*)\) can never run$/, (n, s) => `steg ${n} (${s}) kan aldrig köras`],
  [/^unknown key "(.*?)"(?: \(did you mean.*)?$/, (k) => `okänd nyckel "${k}"`],
  [/^not a valid value here$/, () => 'inget giltigt värde här'],
  [/^required, but missing$/, () => 'krävs, men saknas'],
  [/^wrong type$/, () => 'fel typ'],
  [/^not an allowed value$/, () => 'inget tillåtet värde'],
  [/^too small$/, () => 'för litet'],
  [/^too large$/, () => 'för stort'],
  [/^"(.*)" is not a language tag$/, (k) => `"${k}" är ingen språkkod`],
  [/^invalid key "(.*)"$/, (k) => `ogiltig nyckel "${k}"`],
  // zod's own messages from the format's schema (src/ivr/schema.ts).
  [
    /^a prompt key: lower-case letters, digits and dashes$/,
    () => 'en prompt-nyckel: små bokstäver, siffror och bindestreck',
  ],
  [/^a BCP 47 language tag such as sv-SE or en-US$/, () => 'en BCP 47-språkkod som sv-SE eller en-US'],
  [/^a step id: lower-case letters, digits and dashes$/, () => 'ett steg-id: små bokstäver, siffror och bindestreck'],
  [/^DTMF digits$/, () => 'DTMF-siffror'],
];

/** English "expected …" → Swedish. */
const EXPECTED: readonly Rule[] = [
  [
    /^a step such as "- hangup" or "- play: greeting" \(verbs: (.*)\)$/,
    (v) => `ett steg som "- hangup" eller "- play: greeting" (verb: ${v})`,
  ],
  [/^one of (.*) \(plus optional id, when\)$/, (v) => `ett av ${v} (plus id och when om du vill)`],
  [/^one of (.*)$/, (v) => `ett av ${v}`],
  [/^one verb per step \(split it into two steps\)$/, () => 'ett verb per steg (dela upp det i två steg)'],
  [/^a unique id \(step (\d+) already uses it\)$/, (n) => `ett unikt id (steg ${n} använder det redan)`],
  [/^a key of prompts: \(none defined\)$/, () => 'en nyckel under prompts: (inga definierade)'],
  [/^a key of prompts: (.*)$/, (k) => `en nyckel under prompts: ${k}`],
  [/^a step id: \(no step has an id\)$/, () => 'ett steg-id: (inget steg har id)'],
  [/^a step id: (.*)$/, (k) => `ett steg-id: ${k}`],
  [/^an entry for (.*)$/, (l) => `en post för ${l}`],
  [/^at most (\d+) characters$/, (n) => `högst ${n} tecken`],
  [/^at least (\d+) characters$/, (n) => `minst ${n} tecken`],
  [/^at most (\d+) items$/, (n) => `högst ${n} poster`],
  [/^at least (\d+) items$/, (n) => `minst ${n} poster`],
  [/^at most (.*)$/, (n) => `högst ${n}`],
  [/^at least (.*)$/, (n) => `minst ${n}`],
  [/^a JavaScript regular expression, e\.g\. (.*)$/, (e) => `ett reguljärt uttryck (JavaScript), t.ex. ${e}`],
  [/^digits 0-9 \* # A-D, .*$/, () => 'siffror 0-9 * # A-D, "," (1 s paus), "w" (0,5 s paus) och {variabler}'],
  [/^a WAV file \(looked for (.*)\)$/, (f) => `en WAV-fil (letade efter ${f})`],
  [/^a readable, audible WAV file of at most 1 MB and 20 s$/, () => 'en läsbar, hörbar WAV-fil på högst 1 MB och 20 s'],
  [/^a goto to its id, or remove it$/, () => 'en goto till dess id, eller ta bort steget'],
  [/^a map \(key: value lines\)$/, () => 'en tabell (rader med nyckel: värde)'],
  [/^a list \(- item lines\)$/, () => 'en lista (rader som börjar med -)'],
  [/^a text$/, () => 'en text'],
  [/^a number$/, () => 'ett tal'],
  [/^a whole number$/, () => 'ett heltal'],
  [/^true or false$/, () => 'true eller false'],
  [/^a BCP 47 language tag such as sv-SE or en-US$/, () => 'en BCP 47-språkkod som sv-SE eller en-US'],
  [/^a lower-case key with dashes$/, () => 'en nyckel med små bokstäver och bindestreck'],
  [
    /^a prompt key, \{ prompt: key \} or \{ digits: "\{lastDigit\}" \}$/,
    () => 'en prompt-nyckel, { prompt: nyckel } eller { digits: "{lastDigit}" }',
  ],
  [/^a text, \{ text: … \} or one text per language$/, () => 'en text, { text: … } eller en text per språk'],
  [
    /^digits such as "\{extension\}" or \{ digits, preDelayMs, postDelayMs \}$/,
    () => 'siffror som "{extension}" eller { digits, preDelayMs, postDelayMs }',
  ],
  [/^milliseconds or \{ ms \}$/, () => 'millisekunder eller { ms }'],
  [/^nothing or \{ reason \}$/, () => 'ingenting eller { reason }'],
  [/^a text, \{ text, voice, rate \} or \{ file \}$/, () => 'en text, { text, voice, rate } eller { file }'],
  [/^\{ result: … \}, .*$/, () => '{ result: … }, { noResult: true }, { has: variabel } eller { missing: variabel }'],
];

function translate(rules: readonly Rule[], text: string): string | undefined {
  for (const [re, sv] of rules) {
    const m = re.exec(text);
    if (m) return sv(...m.slice(1).map((g) => g ?? ''));
  }
  return undefined;
}

/** The Swedish text, or undefined when this file has no rule for the sentence (a test catches that). */
export function swedishMessage(en: string): string | undefined {
  return translate(MESSAGES, en);
}
export function swedishExpected(en: string): string | undefined {
  return translate(EXPECTED, en);
}

const DID_YOU_MEAN = /\(did you mean (".*?"|\{.*?\})\?\)$/;

export function localizeDiagnostic(d: Diagnostic): ScriptProblem {
  const guess = DID_YOU_MEAN.exec(d.message)?.[1];
  const enMessage = d.message.replace(DID_YOU_MEAN, '').trim();
  const svMessage = swedishMessage(d.message) ?? d.message;
  let suggestion: LocalizedText | null = null;
  if (guess) suggestion = { en: `Did you mean ${guess}?`, sv: `Menade du ${guess}?` };
  else if (d.expected) {
    suggestion = { en: `Expected ${d.expected}.`, sv: `Förväntat: ${swedishExpected(d.expected) ?? d.expected}.` };
  }
  return {
    severity: d.severity,
    line: d.line,
    column: d.column,
    path: d.path,
    message: { en: enMessage, sv: svMessage },
    suggestion,
    ...(d.found !== undefined ? { found: d.found } : {}),
  };
}
