/**
 * The script file format (`ivr-scripts/<id>.yaml`), as zod schemas. `ivr-scripts/schema.json` is
 * generated from `scriptFileSchema` (see `json-schema.ts`) so editors complete and check scripts.
 *
 * A step is a map with exactly one verb key (`play`, `gather`, …) plus optional `id` (a label for
 * `goto` and `match[].goto`) and `when` (run only if the condition holds). The validator finds the verb
 * key itself, so an unknown verb is reported as such, with its position, rather than as a vague union
 * mismatch; each verb's arguments are then checked against that verb's schema below.
 */
import { z } from 'zod';
import { SETTABLE_RESULTS } from './results';
import { VARIABLES } from './template';

const ms = (what: string, max: number) => z.number().int().min(0).max(max).describe(`${what}, in milliseconds`);

export const promptKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'a prompt key: lower-case letters, digits and dashes')
  .describe("A key of this script's `prompts` map")
  .meta({ id: 'promptKey' });

/** BCP 47 language tag, e.g. sv-SE, en-US, de, pt-BR. */
export const languageTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as sv-SE or en-US')
  .describe('BCP 47 language tag, e.g. sv-SE or en-US')
  .meta({ id: 'languageTag' });

const ttsText = z
  .string()
  .min(1)
  .describe('Text spoken by the text-to-speech engine; may use {variables}')
  .meta({ id: 'ttsText' });

/** One language's version of a prompt: TTS text (short form: a string) or a recorded audio file. */
export const promptVariant = z
  .union([
    ttsText,
    z.strictObject({
      text: ttsText,
      voice: z.string().min(1).optional().describe('espeak-ng voice, e.g. sv or en-us (default: from the language)'),
      rate: z.number().int().min(80).max(450).optional().describe('Speaking rate in words per minute'),
    }),
    z.strictObject({
      file: z
        .string()
        .min(1)
        .describe('Audio file (WAV), relative to the scripts directory; converted to 8 kHz mono when loaded'),
    }),
  ])
  .meta({ id: 'promptVariant' });
export type PromptVariant = z.infer<typeof promptVariant>;

export const localized = z
  .record(languageTag, promptVariant)
  .describe('One entry per language')
  .meta({ id: 'localized' });
export type Localized = z.infer<typeof localized>;

export const variableName = z.enum(VARIABLES);

export const condition = z
  .union([
    z.strictObject({
      result: z.union([z.enum(SETTABLE_RESULTS), z.array(z.enum(SETTABLE_RESULTS)).min(1)]),
    }),
    z.strictObject({ noResult: z.boolean().describe('true: no result has been set yet') }),
    z.strictObject({ has: variableName.describe('The variable is set and not empty') }),
    z.strictObject({ missing: variableName.describe('The variable is unset or empty') }),
  ])
  .meta({ id: 'condition' });
export type Condition = z.infer<typeof condition>;

const stepId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'a step id: lower-case letters, digits and dashes')
  .describe('A label other steps can jump to')
  .meta({ id: 'stepId' });

/** What happens when input matched (or gathering gave up): optionally set a result, optionally jump. */
const consequence = {
  result: z.enum(SETTABLE_RESULTS).optional().describe('Set this result'),
  goto: stepId.optional().describe('Continue at this step (default: the next step)'),
};

// --- verbs -------------------------------------------------------------------------------------------

export const playArgs = z.union([
  promptKey,
  z.strictObject({ prompt: promptKey, bargeIn: z.boolean().optional().describe('A key press stops the prompt') }),
  z.strictObject({
    digits: z.string().min(1).describe('Digits to read out one by one, e.g. "{lastDigit}"'),
    bargeIn: z.boolean().optional(),
  }),
]);

export const sayArgs = z.union([
  ttsText,
  z.strictObject({ text: z.union([ttsText, localized]), bargeIn: z.boolean().optional() }),
  localized,
]);

const matchEntry = z.union([
  z.strictObject({
    digits: z.string().describe('Exactly these digits (terminator excluded); may use {variables}'),
    ...consequence,
  }),
  z.strictObject({ regex: z.string().min(1).describe('A regular expression the digits must match'), ...consequence }),
  z.strictObject({
    pin: z.literal(true).describe("The digits are the user's PIN (checked by fyrkant)"),
    ...consequence,
  }),
  z.strictObject({ any: z.literal(true).describe('Any input'), ...consequence }),
]);
export type MatchEntry = z.infer<typeof matchEntry>;

export const gatherArgs = z.strictObject({
  prompt: promptKey.optional().describe('Played before collecting digits (without it, just listens)'),
  flush: z
    .boolean()
    .optional()
    .describe(
      'Discard keys pressed before this step (default false: keys pressed earlier in the call, e.g. during a transfer prompt, count)',
    ),
  retryPrompt: promptKey.optional().describe('Played instead of `prompt` on the second and later tries'),
  invalidPrompt: promptKey.optional().describe('Played after input that matched nothing'),
  noInputPrompt: promptKey.optional().describe('Played after a try without input'),
  terminators: z
    .string()
    .regex(/^[0-9*#A-D]*$/, 'DTMF digits')
    .optional()
    .describe('Keys that end the input (default "#"; "" for none)'),
  minDigits: z.number().int().min(0).max(32).optional().describe('Fewer digits is invalid input (default 0)'),
  maxDigits: z.number().int().min(1).max(32).optional().describe('Input ends after this many digits (default 16)'),
  timeoutMs: ms('How long to wait for the input after the prompt (default 6000)', 120_000).optional(),
  interDigitTimeoutMs: ms('How long to wait between digits (default 3000)', 60_000).optional(),
  tries: z.number().int().min(1).max(10).optional().describe('How many times to ask (default 3)'),
  bargeIn: z.boolean().optional().describe('A key press stops the prompt (default true)'),
  match: z.array(matchEntry).optional().describe('First matching entry wins; no match is invalid input'),
  noInput: z.strictObject(consequence).optional().describe('When every try ended without input'),
  invalid: z.strictObject(consequence).optional().describe('When the tries ran out after invalid input'),
});
export type GatherArgs = z.infer<typeof gatherArgs>;

export const sendDigitsArgs = z.union([
  z.string().min(1).describe('Digits to send, e.g. "{extension}"; "," pauses 1 s and "w" 0.5 s'),
  z.strictObject({
    digits: z.string().min(1),
    preDelayMs: ms('Wait before sending', 30_000).optional(),
    postDelayMs: ms('Wait after sending', 30_000).optional(),
    toneMs: z.number().int().min(40).max(1000).optional().describe('Tone length per digit (ms)'),
    gapMs: z.number().int().min(40).max(1000).optional().describe('Gap between digits (ms)'),
  }),
]);

export const pauseArgs = z.union([
  ms('Silence', 60_000),
  z.strictObject({ ms: ms('Silence', 60_000), bargeIn: z.boolean().optional().describe('A key press ends it') }),
]);

export const setResultArgs = z.enum(SETTABLE_RESULTS);
export const gotoArgs = stepId;
export const hangupArgs = z.union([z.null(), z.strictObject({ reason: z.string().optional() })]);

export const VERB_ARGS = {
  play: playArgs,
  say: sayArgs,
  gather: gatherArgs,
  'send-digits': sendDigitsArgs,
  pause: pauseArgs,
  'set-result': setResultArgs,
  goto: gotoArgs,
  hangup: hangupArgs,
} as const;
export type VerbName = keyof typeof VERB_ARGS;
export const VERB_NAMES = Object.keys(VERB_ARGS) as VerbName[];
export type VerbArgs<V extends VerbName> = z.infer<(typeof VERB_ARGS)[V]>;

export function isVerbName(s: string): s is VerbName {
  return Object.hasOwn(VERB_ARGS, s);
}

const stepCommon = {
  id: stepId.optional(),
  when: condition.optional().describe('Run this step only if the condition holds'),
};

/** Steps without arguments may be written as a bare word (`- hangup`). */
export const stepSchema = z.union([
  z.literal('hangup'),
  ...VERB_NAMES.map((v) => z.strictObject({ ...stepCommon, [v]: VERB_ARGS[v] })),
]);

export const scriptFileSchema = z
  .strictObject({
    description: z.string().optional().describe('What this script is for (shown to admins)'),
    language: languageTag.optional().describe("Fallback language when a prompt lacks the caller's (default en-US)"),
    languages: z.array(languageTag).optional().describe('Languages every prompt should have (default sv-SE, en-US)'),
    voices: z
      .record(
        languageTag,
        z.strictObject({ voice: z.string().min(1).optional(), rate: z.number().int().min(80).max(450).optional() }),
      )
      .optional()
      .describe('espeak-ng voice and rate per language'),
    maxCallMs: ms('Maximum call duration for this script', 3_600_000).optional(),
    prompts: z.record(promptKey, localized).describe('Prompts by key, each with one entry per language'),
    steps: z.array(stepSchema).min(1).describe('Run in order; `goto` and `match[].goto` jump'),
  })
  .describe('A fyrkant IVR script');
export type ScriptFile = z.infer<typeof scriptFileSchema>;

/** A step after validation: the verb found, its arguments parsed. */
export interface ParsedStep<V extends VerbName = VerbName> {
  readonly index: number;
  readonly id?: string;
  readonly when?: Condition;
  readonly verb: V;
  readonly args: VerbArgs<V>;
}
