/**
 * Validates a script file and turns it into a `LoadedScript`. Every finding carries file:line:column,
 * the path inside the script, what was found and what was expected. Errors refuse the script; warnings
 * (missing translations, unreachable steps, unused prompts) do not.
 *
 * Order: YAML syntax → top-level shape (zod) → each step: find its verb, then the verb's own schema →
 * cross-references (prompt keys, step ids, variables, regexes, audio files) → reachability.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type core, z } from 'zod';
import { type Diagnostic, formatPath, hasErrors } from './diagnostics';
import { AudioRejected, convertUpload } from './prompts/wav';
import { SETTABLE_RESULTS } from './results';
import {
  condition,
  isVerbName,
  type Localized,
  languageTag,
  localized,
  type ParsedStep,
  type PromptVariant,
  scriptFileSchema,
  type stepSchema,
  VERB_ARGS,
  VERB_NAMES,
  type VerbName,
} from './schema';
import { DEFAULT_FALLBACK_LANGUAGE, DEFAULT_LANGUAGES, type LoadedScript } from './script';
import { closest } from './suggest';
import { isVariableName, templateVariables, VARIABLES } from './template';
import { YamlPositions } from './yaml-positions';

export interface ValidationResult {
  /** Present when there are no errors. */
  readonly script?: LoadedScript;
  readonly diagnostics: readonly Diagnostic[];
  readonly id: string;
  readonly hash: string;
}

export const SCRIPT_ID = /^[a-z0-9][a-z0-9._-]*$/;

/** Validates the text of `<id>.yaml`; `file` is used in messages and to resolve audio paths. */
export function validateScript(text: string, file: string, options: { id?: string } = {}): ValidationResult {
  const v = new Validator(text, file, options.id ?? basename(file).replace(/\.ya?ml$/i, ''));
  const script = v.run();
  const diagnostics = [...v.diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
  return { ...(script ? { script } : {}), diagnostics, id: v.id, hash: v.hash };
}

const topSchema = scriptFileSchema.extend({ steps: z.array(z.unknown()).min(1) });
const stepMeta = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'a step id: lower-case letters, digits and dashes')
    .optional(),
  when: condition.optional(),
});

type Path = (string | number)[];

class Validator {
  readonly diagnostics: Diagnostic[] = [];
  readonly hash: string;
  private pos!: YamlPositions;

  constructor(
    private readonly text: string,
    private readonly file: string,
    readonly id: string,
  ) {
    this.hash = createHash('sha256').update(text).digest('hex');
  }

  run(): LoadedScript | undefined {
    if (!SCRIPT_ID.test(this.id)) {
      this.report('error', [], `the file name must be a script id (lower-case letters, digits, '-', '_', '.')`, {
        found: JSON.stringify(this.id),
        line: 0,
      });
    }
    const lines = new LineCounter();
    const doc = parseDocument(this.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    this.pos = new YamlPositions(doc, lines);
    for (const e of doc.errors) {
      const p = lines.linePos(e.pos[0]);
      this.diagnostics.push({
        severity: 'error',
        file: this.file,
        line: p.line,
        column: p.col,
        path: '',
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      });
    }
    if (doc.errors.length) return undefined;
    let raw: unknown;
    try {
      // Some problems (an alias to an anchor defined later, alias loops) only show when resolving.
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      this.report('error', [], `YAML: ${(err as Error).message}`);
      return undefined;
    }
    this.js = raw;
    const top = topSchema.safeParse(raw);
    if (!top.success) {
      this.zodIssues(top.error.issues, []);
      // Still check the steps and their references, so one run shows every mistake (not only the
      // top-level ones first and the rest after those are fixed).
      this.partial(raw);
      return undefined;
    }
    const data = top.data;
    const steps: ParsedStep[] = [];
    data.steps.forEach((s, i) => {
      const parsed = this.step(s, i);
      if (parsed) steps.push(parsed);
    });
    // Cross-references are checked even when some steps are broken, so one run shows every mistake;
    // only jump targets wait for all steps to parse (a broken step's id would look missing).
    const complete = steps.length === data.steps.length;
    const labels = this.labels(steps);
    const full = { ...data, steps: data.steps as z.infer<typeof stepSchema>[] };
    this.crossReferences(full.prompts, steps, labels, data.languages ?? [...DEFAULT_LANGUAGES], complete);
    if (hasErrors(this.diagnostics)) return undefined;
    this.reachability(steps, labels);
    return {
      id: this.id,
      hash: this.hash,
      file: this.file,
      baseDir: dirname(this.file),
      data: { ...full, language: data.language ?? DEFAULT_FALLBACK_LANGUAGE },
      steps,
      labels,
      warnings: this.diagnostics.filter((d) => d.severity === 'warning'),
      loadedAt: Date.now(),
    };
  }

  /** After a top-level error: the steps and the references into whatever prompts did parse. */
  private partial(raw: unknown): void {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
    const obj = raw as Record<string, unknown>;
    if (!Array.isArray(obj.steps) || obj.steps.length === 0) return;
    const prompts: Record<string, Localized> = {};
    const broken = new Set<string>();
    if (obj.prompts !== null && typeof obj.prompts === 'object' && !Array.isArray(obj.prompts)) {
      for (const [key, value] of Object.entries(obj.prompts)) {
        const loc = localized.safeParse(value);
        if (loc.success) prompts[key] = loc.data;
        else broken.add(key);
      }
    }
    const steps: ParsedStep[] = [];
    obj.steps.forEach((s, i) => {
      const parsed = this.step(s, i);
      if (parsed) steps.push(parsed);
    });
    const langs = z.array(languageTag).safeParse(obj.languages);
    // Top-level errors were already reported; only references are added (no "unused prompt" warnings).
    this.crossReferences(
      prompts,
      steps,
      this.labels(steps),
      langs.success ? langs.data : [...DEFAULT_LANGUAGES],
      steps.length === obj.steps.length,
      broken,
      true,
    );
  }

  // --- steps -------------------------------------------------------------------------------------

  private step(raw: unknown, index: number): ParsedStep | undefined {
    const path: Path = ['steps', index];
    if (typeof raw === 'string') {
      if (raw === 'hangup') return { index, verb: 'hangup', args: null };
      const guess = closest(raw, VERB_NAMES);
      this.report('error', path, `unknown verb "${raw}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
        found: JSON.stringify(raw),
        expected: `a step such as "- hangup" or "- play: greeting" (verbs: ${VERB_NAMES.join(', ')})`,
      });
      return undefined;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.report('error', path, 'a step must be a map with one verb', {
        found: render(raw),
        expected: `one of ${VERB_NAMES.join(', ')}`,
      });
      return undefined;
    }
    const obj = raw as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => k !== 'id' && k !== 'when');
    const verbs = keys.filter(isVerbName);
    for (const k of keys.filter((k) => !isVerbName(k))) {
      const guess = closest(k, VERB_NAMES);
      this.report('error', [...path, k], `unknown verb "${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
        atKey: true,
        found: JSON.stringify(k),
        expected: `one of ${VERB_NAMES.join(', ')} (plus optional id, when)`,
      });
    }
    if (verbs.length > 1) {
      this.report('error', [...path, verbs[1]!], `a step has exactly one verb; this one has ${verbs.join(' and ')}`, {
        atKey: true,
        expected: 'one verb per step (split it into two steps)',
      });
    }
    if (verbs.length === 0 && keys.length === 0) {
      this.report('error', path, 'this step has no verb', { expected: `one of ${VERB_NAMES.join(', ')}` });
    }
    const meta = stepMeta.safeParse({ id: obj.id, when: obj.when });
    if (!meta.success) this.zodIssues(meta.error.issues, path);
    if (verbs.length !== 1 || keys.length !== 1 || !meta.success) return undefined;
    const verb = verbs[0] as VerbName;
    const args = (VERB_ARGS[verb] as z.ZodType).safeParse(obj[verb]);
    if (!args.success) {
      this.zodIssues(args.error.issues, [...path, verb]);
      return undefined;
    }
    return {
      index,
      verb,
      args: args.data as never,
      ...(meta.data.id ? { id: meta.data.id } : {}),
      ...(meta.data.when ? { when: meta.data.when } : {}),
    };
  }

  private labels(steps: readonly ParsedStep[]): Map<string, number> {
    const labels = new Map<string, number>();
    for (const s of steps) {
      if (!s.id) continue;
      if (labels.has(s.id)) {
        this.report('error', ['steps', s.index, 'id'], `duplicate step id "${s.id}"`, {
          expected: `a unique id (step ${labels.get(s.id)} already uses it)`,
        });
      } else labels.set(s.id, s.index);
    }
    return labels;
  }

  // --- references ---------------------------------------------------------------------------------

  private crossReferences(
    prompts: Record<string, Localized>,
    steps: readonly ParsedStep[],
    labels: ReadonlyMap<string, number>,
    languages: readonly string[],
    complete: boolean,
    brokenPrompts: ReadonlySet<string> = new Set(),
    partial = false,
  ): void {
    const used = new Set<string>();
    const promptRef = (key: string, path: Path) => {
      used.add(key);
      if (Object.hasOwn(prompts, key) || brokenPrompts.has(key)) return;
      const guess = closest(key, [...Object.keys(prompts), ...brokenPrompts]);
      this.report('error', path, `unknown prompt key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
        found: JSON.stringify(key),
        expected: `a key of prompts: ${Object.keys(prompts).join(', ') || '(none defined)'}`,
      });
    };
    const stepRef = (id: string, path: Path) => {
      // A broken step's id still counts as a target (else its error would bring a second, false one).
      if (labels.has(id) || this.rawStepIds.has(id)) return;
      void complete;
      const guess = closest(id, [...labels.keys(), ...this.rawStepIds]);
      this.report('error', path, `no step has id "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
        found: JSON.stringify(id),
        expected: `a step id: ${[...labels.keys()].join(', ') || '(no step has an id)'}`,
      });
    };
    const template = (text: string, path: Path) => {
      for (const name of templateVariables(text)) {
        if (isVariableName(name)) continue;
        const guess = closest(name, VARIABLES);
        this.report('error', path, `unknown variable {${name}}${guess ? ` (did you mean {${guess}}?)` : ''}`, {
          expected: `one of ${VARIABLES.map((v) => `{${v}}`).join(', ')}`,
        });
      }
    };
    const localized = (loc: Localized, path: Path) => {
      for (const [lang, variant] of Object.entries(loc)) this.variant(variant, [...path, lang], template);
    };

    for (const [key, loc] of Object.entries(prompts)) {
      localized(loc, ['prompts', key]);
      for (const lang of languages) {
        if (!Object.hasOwn(loc, lang)) {
          this.report('warning', ['prompts', key], `prompt "${key}" has no ${lang} version (the fallback is used)`, {
            atKey: false,
            expected: `an entry for ${lang}`,
          });
        }
      }
    }

    for (const s of steps) {
      const p: Path = ['steps', s.index, s.verb];
      switch (s.verb) {
        case 'play': {
          const a = (s as ParsedStep<'play'>).args;
          if (typeof a === 'string') promptRef(a, p);
          else if ('prompt' in a) promptRef(a.prompt, [...p, 'prompt']);
          else template(a.digits, [...p, 'digits']);
          break;
        }
        case 'say': {
          const a = (s as ParsedStep<'say'>).args;
          if (typeof a === 'string') template(a, p);
          else if ('text' in a && typeof a.text === 'string') template(a.text, [...p, 'text']);
          else if ('text' in a && typeof a.text === 'object') localized(a.text as Localized, [...p, 'text']);
          else localized(a as Localized, p);
          break;
        }
        case 'gather': {
          const a = (s as ParsedStep<'gather'>).args;
          for (const k of ['prompt', 'retryPrompt', 'invalidPrompt', 'noInputPrompt'] as const) {
            const key = a[k];
            if (key) promptRef(key, [...p, k]);
          }
          if ((a.minDigits ?? 0) > (a.maxDigits ?? 16)) {
            this.report('error', [...p, 'minDigits'], 'minDigits is larger than maxDigits', {
              found: String(a.minDigits),
              expected: `at most ${a.maxDigits ?? 16}`,
            });
          }
          (a.match ?? []).forEach((m, j) => {
            const mp: Path = [...p, 'match', j];
            if ('digits' in m) template(m.digits, [...mp, 'digits']);
            if ('regex' in m) {
              try {
                new RegExp(m.regex);
              } catch (err) {
                const why = (err as Error).message.split(': ').at(-1);
                this.report('error', [...mp, 'regex'], `invalid regular expression (${why})`, {
                  found: JSON.stringify(m.regex),
                  expected: 'a JavaScript regular expression, e.g. "^[0-9]{4}$"',
                });
              }
            }
            if (m.goto) stepRef(m.goto, [...mp, 'goto']);
          });
          if (a.noInput?.goto) stepRef(a.noInput.goto, [...p, 'noInput', 'goto']);
          if (a.invalid?.goto) stepRef(a.invalid.goto, [...p, 'invalid', 'goto']);
          break;
        }
        case 'send-digits': {
          const a = (s as ParsedStep<'send-digits'>).args;
          const digits = typeof a === 'string' ? a : a.digits;
          template(digits, typeof a === 'string' ? p : [...p, 'digits']);
          const literal = digits.replace(/\{[A-Za-z][A-Za-z0-9]*\}/g, '').replace(/[\s-]/g, '');
          if (!/^[0-9*#A-D,wW]*$/.test(literal)) {
            this.report('error', typeof a === 'string' ? p : [...p, 'digits'], 'these cannot be sent as DTMF', {
              found: JSON.stringify(digits),
              expected: 'digits 0-9 * # A-D, "," (1 s pause), "w" (0.5 s pause) and {variables}',
            });
          }
          break;
        }
        case 'goto':
          stepRef((s as ParsedStep<'goto'>).args, p);
          break;
        default:
          break;
      }
    }
    for (const key of Object.keys(prompts)) {
      if (complete && !partial && !used.has(key)) {
        this.report('warning', ['prompts', key], `prompt "${key}" is not used by any step`, { atKey: true });
      }
    }
  }

  private variant(variant: PromptVariant, path: Path, template: (t: string, p: Path) => void): void {
    if (typeof variant === 'string') {
      template(variant, path);
      return;
    }
    if ('text' in variant) {
      template(variant.text, [...path, 'text']);
      return;
    }
    const file = isAbsolute(variant.file) ? variant.file : join(dirname(this.file), variant.file);
    if (!existsSync(file)) {
      this.report('error', [...path, 'file'], `audio file not found`, {
        found: JSON.stringify(variant.file),
        expected: `a WAV file (looked for ${file})`,
      });
      return;
    }
    // Checked here too, so `scripts check` catches a bad recording before a caller would.
    try {
      convertUpload(readFileSync(file));
    } catch (err) {
      if (!(err instanceof AudioRejected)) throw err;
      this.report('error', [...path, 'file'], `audio file refused: ${err.message}`, {
        found: JSON.stringify(variant.file),
        expected: 'a readable, audible WAV file of at most 1 MB and 20 s',
      });
    }
  }

  // --- reachability -------------------------------------------------------------------------------

  private reachability(steps: readonly ParsedStep[], labels: ReadonlyMap<string, number>): void {
    const byIndex = new Map(steps.map((s) => [s.index, s]));
    const seen = new Set<number>();
    const todo = [0];
    const count = steps.length;
    while (todo.length) {
      const i = todo.pop()!;
      if (i >= count || seen.has(i)) continue;
      seen.add(i);
      const s = byIndex.get(i)!;
      const targets: string[] = [];
      let fallsThrough = true;
      if (s.verb === 'goto') {
        targets.push((s as ParsedStep<'goto'>).args);
        fallsThrough = !!s.when;
      } else if (s.verb === 'hangup') fallsThrough = !!s.when;
      else if (s.verb === 'gather') {
        const a = (s as ParsedStep<'gather'>).args;
        const exits = [...(a.match ?? []), a.noInput ?? {}, a.invalid ?? {}];
        for (const e of exits) if (e.goto) targets.push(e.goto);
        fallsThrough = !a.match || a.match.length === 0 || exits.some((e) => !e.goto) || !!s.when;
      }
      for (const t of targets) {
        const j = labels.get(t);
        if (j !== undefined) todo.push(j);
      }
      if (fallsThrough) todo.push(i + 1);
    }
    for (const s of steps) {
      if (!seen.has(s.index)) {
        this.report('warning', ['steps', s.index], `step ${s.index} (${s.id ?? s.verb}) can never run`, {
          expected: 'a goto to its id, or remove it',
        });
      }
    }
  }

  // --- reporting ----------------------------------------------------------------------------------

  private zodIssues(issues: readonly core.$ZodIssue[], base: Path): void {
    for (const issue of issues) this.zodIssue(issue, base);
  }

  private zodIssue(issue: core.$ZodIssue, base: Path): void {
    const path: Path = [...base, ...(issue.path as Path)];
    const found = this.valueAt(path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const k of issue.keys) {
          const known = this.knownKeys(path);
          const guess = closest(k, known.keys);
          this.report('error', [...path, k], `unknown key "${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`, {
            atKey: true,
            ...(known.list ? { expected: `one of ${known.keys.join(', ')}` } : {}),
          });
        }
        return;
      case 'invalid_union': {
        const branch = bestBranch(issue.errors, found);
        if (branch) {
          this.zodIssues(branch, path);
          return;
        }
        this.report('error', path, 'not a valid value here', { found: render(found), expected: unionExpected(path) });
        return;
      }
      case 'invalid_type':
        this.report('error', path, found === undefined ? 'required, but missing' : 'wrong type', {
          found: found === undefined ? 'nothing' : render(found),
          expected: TYPE_WORDS[issue.expected] ?? issue.expected,
          atKey: found === undefined,
        });
        return;
      case 'invalid_value':
        this.report('error', path, 'not an allowed value', {
          found: render(found),
          expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        });
        return;
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
        const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
        this.report('error', path, issue.code === 'too_small' ? 'too small' : 'too large', {
          found: render(found),
          expected: bound + unit,
        });
        return;
      }
      case 'invalid_key': {
        const key = String(issue.path.at(-1) ?? '');
        const inLocalized = path[0] === 'prompts' || path.includes('say') || path[0] === 'voices';
        this.report('error', path, inLocalized ? `"${key}" is not a language tag` : `invalid key "${key}"`, {
          atKey: true,
          found: JSON.stringify(key),
          expected: inLocalized ? 'a BCP 47 language tag such as sv-SE or en-US' : 'a lower-case key with dashes',
        });
        return;
      }
      default:
        this.report('error', path, issue.message, { found: render(found) });
    }
  }

  private valueAt(path: Path): unknown {
    // Re-parse lazily from the text so values are plain JS.
    let v: unknown = this.js;
    for (const k of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[k];
    }
    return v;
  }
  private js: unknown;

  /** Ids written on steps, including steps that did not parse. */
  private get rawStepIds(): Set<string> {
    const steps = (this.js as { steps?: unknown } | null)?.steps;
    const ids = new Set<string>();
    if (Array.isArray(steps)) {
      for (const s of steps) {
        const id = s !== null && typeof s === 'object' ? (s as { id?: unknown }).id : undefined;
        if (typeof id === 'string') ids.add(id);
      }
    }
    return ids;
  }

  /** Keys that are valid at `path` when known (listed in the message), else every key the format uses (for typos). */
  private knownKeys(path: Path): { list: boolean; keys: string[] } {
    const last = path.at(-1);
    if (path.length === 0) return { list: true, keys: Object.keys(scriptFileSchema.shape) };
    if (path[0] === 'steps' && path.length === 2) return { list: true, keys: ['id', 'when', ...VERB_NAMES] };
    if (path[0] === 'steps' && last === 'gather') return { list: true, keys: Object.keys(VERB_ARGS.gather.shape) };
    if (path[0] === 'prompts' && path.length === 3) return { list: true, keys: ['text', 'voice', 'rate', 'file'] };
    return { list: false, keys: ALL_KEYS };
  }

  private report(
    severity: Diagnostic['severity'],
    path: Path,
    message: string,
    extra: { found?: string; expected?: string; atKey?: boolean; line?: number } = {},
  ): void {
    const p = extra.line === 0 ? { line: 0, column: 0 } : extra.atKey ? this.pos.keyOf(path) : this.pos.of(path);
    this.diagnostics.push({
      severity,
      file: this.file,
      line: p.line,
      column: p.column,
      path: formatPath(path),
      message,
      ...(extra.found !== undefined ? { found: extra.found } : {}),
      ...(extra.expected !== undefined ? { expected: extra.expected } : {}),
    });
  }
}

const TYPE_WORDS: Record<string, string> = {
  record: 'a map (key: value lines)',
  object: 'a map (key: value lines)',
  array: 'a list (- item lines)',
  string: 'a text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** Every key the format uses anywhere: the candidates for "did you mean" on an unknown key. */
const ALL_KEYS = [
  ...Object.keys(scriptFileSchema.shape),
  ...Object.keys(VERB_ARGS.gather.shape),
  ...['id', 'when', 'prompt', 'digits', 'bargeIn', 'text', 'voice', 'rate', 'file', 'ms', 'reason'],
  ...['preDelayMs', 'postDelayMs', 'toneMs', 'gapMs', 'regex', 'pin', 'any', 'result', 'goto'],
  ...['noResult', 'has', 'missing'],
];

/** Of a union's branches, the one the author most likely meant: the first whose type matched. */
function bestBranch(
  branches: readonly (readonly core.$ZodIssue[])[],
  value: unknown,
): readonly core.$ZodIssue[] | undefined {
  const typeMatched = branches.filter(
    (b) => !b.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')),
  );
  if (typeMatched.length === 0) return undefined;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    // Prefer the object branch that knows the most of the keys written.
    const keys = Object.keys(value);
    const score = (b: readonly core.$ZodIssue[]) =>
      -b.filter((i) => i.code === 'unrecognized_keys').reduce((n, i) => n + (i as { keys: string[] }).keys.length, 0) /
      Math.max(1, keys.length);
    return [...typeMatched].sort((a, b) => score(b) - score(a) || a.length - b.length)[0];
  }
  return [...typeMatched].sort((a, b) => a.length - b.length)[0];
}

function unionExpected(path: Path): string | undefined {
  const verb = path[0] === 'steps' ? path[2] : undefined;
  switch (verb) {
    case 'play':
      return 'a prompt key, { prompt: key } or { digits: "{lastDigit}" }';
    case 'say':
      return 'a text, { text: … } or one text per language';
    case 'send-digits':
      return 'digits such as "{extension}" or { digits, preDelayMs, postDelayMs }';
    case 'pause':
      return 'milliseconds or { ms }';
    case 'hangup':
      return 'nothing or { reason }';
    case 'set-result':
      return `one of ${SETTABLE_RESULTS.join(', ')}`;
    default:
      if (path[0] === 'prompts') return 'a text, { text, voice, rate } or { file }';
      if (path.includes('when')) return '{ result: … }, { noResult: true }, { has: var } or { missing: var }';
      return undefined;
  }
}

function render(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
