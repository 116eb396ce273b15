/**
 * IVR scripts as admins edit them (issue 15): every saved version in the database, the newest one
 * running; drafts validated with every problem at once (sv + en, line:column, a suggestion); an
 * invalid save refused so the running version keeps serving; rollback as a new version; recordings
 * per prompt and language, converted once; dry runs. The REST API and the web UI both call this.
 *
 * The files in the scripts directory are the shipped defaults: a script with no version in the
 * database gets its file imported as version 1 when fyrkant starts; a file edited on disk while
 * fyrkant runs (hot reload, valid) is saved as a new version by `file`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { type Diagnostic, hasErrors } from '../../ivr/diagnostics';
import { localizeDiagnostic, type ScriptProblem } from '../../ivr/diagnostics-i18n';
import { toWavBytes } from '../../ivr/prompts/decode-any';
import type { PromptLibrary } from '../../ivr/prompts/library';
import { AudioRejected, convertUpload, DEFAULT_UPLOAD_LIMITS, type UploadLimits } from '../../ivr/prompts/wav';
import type { ScriptRegistry } from '../../ivr/registry';
import { languageTag, promptKey } from '../../ivr/schema';
import type { LoadedScript } from '../../ivr/script';
import { type SimulationResult, simulateScript } from '../../ivr/simulate';
import { SCRIPT_ID, validateScript } from '../../ivr/validate';
import type { Db } from '../../store/open';
import { audit } from '../../store/repo/audit';
import {
  deleteRecording,
  findScriptVersionByHash,
  getRecording,
  getScriptVersion,
  insertScriptVersion,
  latestScriptVersion,
  listRecordings,
  listScriptIdsInDb,
  listScriptVersions,
  newestScriptVersionNumber,
  putRecording,
} from '../../store/repo/ivr-scripts';
import type { IvrScriptVersionRow } from '../../store/schema';
import type { Outcome } from '../users/service';
import type { Texts } from '../verification/ports';

export const SCRIPT_USES = ['enrollment', 'sign-in', 'test', 'pin'] as const;
export type ScriptUse = (typeof SCRIPT_USES)[number];

export interface ScriptServiceOptions {
  readonly db: Db;
  readonly scriptsDir: string;
  readonly prompts: PromptLibrary;
  /** Which script each kind of call runs (config). */
  readonly uses: Readonly<Record<ScriptUse, string>>;
  readonly uploadLimits?: UploadLimits;
  /** Where converted recordings are written for the prompt player (default `<cache>/recordings`). */
  readonly recordingsDir: string;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, detail?: object) => void;
  /** Variables for previews and dry runs. */
  readonly previewVars?: { readonly company?: string; readonly extension?: string };
  /** Country for test-call numbers typed without + (config homeCountry). */
  readonly homeCountry?: string;
}

export interface ScriptSummary {
  readonly id: string;
  readonly description: string;
  /** The running version's number; null when only an (invalid) file exists. */
  readonly version: number | null;
  readonly hash: string | null;
  readonly valid: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly usedFor: readonly ScriptUse[];
  readonly updatedAt: number | null;
  readonly author: string | null;
}

export interface RecordingInfo {
  readonly promptKey: string;
  readonly language: string;
  readonly durationMs: number;
  readonly hash: string;
  readonly originalName: string;
  readonly uploadedBy: string;
  readonly uploadedAt: number;
}

export interface PromptInfo {
  readonly key: string;
  /** Text (or `file:` path) per language the prompt has. */
  readonly texts: Readonly<Record<string, string>>;
  /** Languages the script should speak (`languages`) that this prompt lacks. */
  readonly missing: readonly string[];
  readonly recordings: readonly string[];
}

export interface ScriptDetail extends ScriptSummary {
  readonly source: string;
  readonly parsed: unknown;
  readonly problems: readonly ScriptProblem[];
  readonly prompts: readonly PromptInfo[];
  readonly recordings: readonly RecordingInfo[];
  readonly flow: readonly FlowStep[];
}

export interface FlowStep {
  readonly index: number;
  readonly id?: string;
  readonly verb: string;
  /** One line: what the step does. */
  readonly label: string;
  /**
   * Where it leads (`to`: a step id, `#<index>` or `end`) on what: `next`, `always`, `no-input`,
   * `invalid`, `when-false` (its condition did not hold), `any`, `pin`, `digits:<keys>`, `regex:<re>`;
   * with the result it sets, if any.
   */
  readonly exits: readonly { readonly on: string; readonly result?: string; readonly to: string }[];
}

export interface VersionInfo {
  readonly version: number;
  readonly hash: string;
  readonly author: string;
  readonly note: string;
  readonly createdAt: number;
  readonly running: boolean;
  /** Unified diff against the version before it (empty for version 1). */
  readonly diff: string;
}

export interface ValidationReport {
  readonly valid: boolean;
  readonly problems: readonly ScriptProblem[];
}

type Active = { readonly script: LoadedScript; readonly row: IvrScriptVersionRow };

const invalid = (field: string, code: string, message: Texts) =>
  ({ ok: false, error: 'invalid', problems: [{ field, code, message }] }) as const;
const notFound = (what: string) => ({ ok: false, error: 'not-found', what }) as const;

export class ScriptService {
  private readonly active = new Map<string, Active>();
  private readonly recordingPaths = new Map<string, string>();
  private registry: ScriptRegistry | undefined;

  constructor(private readonly o: ScriptServiceOptions) {
    o.prompts.setRecordings((id, key, lang) => this.recordingPaths.get(recKey(id, key, lang)));
  }

  /**
   * Takes over from the file registry (after `loadScripts`): imports files that have no version yet,
   * makes the newest version of each script the running one, and follows later edits on disk.
   */
  attach(registry: ScriptRegistry): void {
    this.registry = registry;
    for (const st of registry.list()) {
      if (st.active && !latestScriptVersion(this.o.db, st.id)) {
        insertScriptVersion(this.o.db, {
          scriptId: st.id,
          source: readFileSync(st.file, 'utf8'),
          author: 'file',
          note: 'shipped default',
        });
      }
    }
    for (const id of listScriptIdsInDb(this.o.db)) this.activate(id);
    this.materializeRecordings();
    registry.on('loaded', (script) => this.fileChanged(script));
  }

  get uploadLimits(): UploadLimits {
    return this.o.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
  }

  /**
   * The version new calls run (database first, else the file registry's). A version saved by another
   * process (`fyrkant scripts import`, a second node on PostgreSQL) is picked up here.
   */
  get(id: string): LoadedScript | undefined {
    const newest = newestScriptVersionNumber(this.o.db, id);
    if (newest !== undefined && newest !== this.active.get(id)?.row.version && newest !== this.checked.get(id)) {
      this.checked.set(id, newest);
      this.activate(id);
    }
    return this.active.get(id)?.script ?? this.registry?.get(id);
  }
  /** The newest version number last looked at per script (an invalid one is not re-validated per call). */
  private readonly checked = new Map<string, number>();

  ids(): string[] {
    const ids = new Set([...this.active.keys(), ...(this.registry?.list().map((s) => s.id) ?? [])]);
    return [...ids].sort();
  }

  list(): ScriptSummary[] {
    return this.ids().map((id) => this.summary(id));
  }

  detail(id: string): ScriptDetail | undefined {
    if (!this.exists(id)) return undefined;
    const a = this.active.get(id);
    const file = this.registry?.status(id);
    const source = a?.row.source ?? (file ? readFileSync(file.file, 'utf8') : '');
    const r = validateScript(source, this.virtualFile(id), { id });
    const recordings = this.recordings(id);
    const script = r.script;
    return {
      ...this.summary(id),
      source,
      parsed: script?.data ?? null,
      problems: r.diagnostics.map(localizeDiagnostic),
      prompts: script ? promptInfos(script, recordings) : [],
      recordings,
      flow: script ? flowOf(script) : [],
    };
  }

  /** Every problem of a draft, without saving anything. */
  validate(id: string, source: string): ValidationReport {
    const r = validateScript(source, this.virtualFile(id), { id });
    return { valid: !!r.script && !hasErrors(r.diagnostics), problems: r.diagnostics.map(localizeDiagnostic) };
  }

  /** Saves a new version if it is valid; an invalid text is refused and the running version stays. */
  save(
    id: string,
    source: string,
    note: string,
    author: string,
  ): Outcome<{ version: number; hash: string; problems: readonly ScriptProblem[] }> | ScriptRefused {
    if (!SCRIPT_ID.test(id)) return notFound('script');
    const r = validateScript(source, this.virtualFile(id), { id });
    if (!r.script || hasErrors(r.diagnostics)) {
      return { ok: false, error: 'refused', problems: r.diagnostics.map(localizeDiagnostic) };
    }
    const row = insertScriptVersion(this.o.db, { scriptId: id, source, author, note: note.trim() });
    this.active.set(id, { script: r.script, row });
    audit(this.o.db, {
      actor: author,
      action: 'ivr-script.save',
      target: id,
      detail: { version: row.version, hash: row.hash, note: row.note },
    });
    this.o.log?.('info', `script ${id} version ${row.version} saved by ${author}`, { hash: row.hash });
    return {
      ok: true,
      value: { version: row.version, hash: row.hash, problems: r.diagnostics.map(localizeDiagnostic) },
    };
  }

  versions(id: string): VersionInfo[] | undefined {
    if (!this.exists(id)) return undefined;
    const rows = listScriptVersions(this.o.db, id);
    const running = this.active.get(id)?.row.version;
    return rows.map((row, i) => {
      const prev = rows[i + 1];
      return {
        version: row.version,
        hash: row.hash,
        author: row.author,
        note: row.note,
        createdAt: row.createdAt,
        running: row.version === running,
        diff: prev ? unifiedDiff(id, prev.source, row.source, `v${prev.version}`, `v${row.version}`) : '',
      };
    });
  }

  version(id: string, version: number): (VersionInfo & { source: string }) | undefined {
    const row = getScriptVersion(this.o.db, id, version);
    if (!row) return undefined;
    const prev = version > 1 ? getScriptVersion(this.o.db, id, version - 1) : undefined;
    return {
      version: row.version,
      hash: row.hash,
      author: row.author,
      note: row.note,
      createdAt: row.createdAt,
      running: this.active.get(id)?.row.version === row.version,
      diff: prev ? unifiedDiff(id, prev.source, row.source, `v${prev.version}`, `v${row.version}`) : '',
      source: row.source,
    };
  }

  /** The version an attempt ran (attempts record the text's hash). */
  versionByHash(id: string, hash: string): number | undefined {
    return findScriptVersionByHash(this.o.db, id, hash)?.version;
  }

  /** Unified diff from the running version to a draft. */
  diffAgainstRunning(id: string, source: string): string {
    const running = this.active.get(id)?.row;
    return unifiedDiff(id, running?.source ?? '', source, running ? `v${running.version} (running)` : 'empty', 'draft');
  }

  /** Saves version `version`'s text again as the newest version. */
  rollback(
    id: string,
    version: number,
    author: string,
    note?: string,
  ): Outcome<{ version: number; hash: string; problems: readonly ScriptProblem[] }> | ScriptRefused {
    const row = getScriptVersion(this.o.db, id, version);
    if (!row) return notFound('script version');
    return this.save(id, row.source, note?.trim() || `rollback to version ${version}`, author);
  }

  // --- recordings ---------------------------------------------------------------------------------

  recordings(id: string): RecordingInfo[] {
    return listRecordings(this.o.db, id).map((r) => ({
      promptKey: r.promptKey,
      language: r.language,
      durationMs: r.durationMs,
      hash: r.hash,
      originalName: r.originalName,
      uploadedBy: r.uploadedBy,
      uploadedAt: r.uploadedAt,
    }));
  }

  /** Decodes (WAV in-process; MP3/Ogg/FLAC via sox), checks and converts an upload once, then stores it. */
  async uploadRecording(
    id: string,
    key: string,
    language: string,
    bytes: Uint8Array,
    originalName: string,
    author: string,
  ): Promise<Outcome<RecordingInfo>> {
    if (!this.exists(id)) return notFound('script');
    if (!promptKey.safeParse(key).success) {
      return invalid('promptKey', 'invalid', { sv: 'Ogiltig prompt-nyckel.', en: 'Invalid prompt key.' });
    }
    if (!languageTag.safeParse(language).success) {
      return invalid('language', 'invalid', {
        sv: 'Ogiltig språkkod (t.ex. sv-SE).',
        en: 'Invalid language tag (e.g. sv-SE).',
      });
    }
    const limits = this.o.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
    let converted: { wav: Buffer; durationMs: number };
    try {
      if (bytes.length > limits.maxBytes) convertUpload(bytes, limits); // throws the size message
      converted = convertUpload(await toWavBytes(bytes), limits);
    } catch (err) {
      if (!(err instanceof AudioRejected)) throw err;
      return invalid('file', err.code, audioMessage(err, limits));
    }
    const row = putRecording(this.o.db, {
      scriptId: id,
      promptKey: key,
      language,
      wav: converted.wav,
      durationMs: converted.durationMs,
      originalName: originalName.slice(0, 200),
      uploadedBy: author,
    });
    this.writeRecording(row.scriptId, row.promptKey, row.language, row.hash, row.wav);
    audit(this.o.db, {
      actor: author,
      action: 'ivr-recording.upload',
      target: id,
      detail: { promptKey: key, language, durationMs: row.durationMs },
    });
    return {
      ok: true,
      value: {
        promptKey: key,
        language,
        durationMs: row.durationMs,
        hash: row.hash,
        originalName: row.originalName,
        uploadedBy: row.uploadedBy,
        uploadedAt: row.uploadedAt,
      },
    };
  }

  removeRecording(id: string, key: string, language: string, author: string): boolean {
    const ok = deleteRecording(this.o.db, id, key, language);
    if (ok) {
      this.recordingPaths.delete(recKey(id, key, language));
      audit(this.o.db, {
        actor: author,
        action: 'ivr-recording.remove',
        target: id,
        detail: { promptKey: key, language },
      });
    }
    return ok;
  }

  recordingWav(id: string, key: string, language: string): Buffer | undefined {
    return getRecording(this.o.db, id, key, language)?.wav;
  }

  // --- audio and dry runs -------------------------------------------------------------------------

  /**
   * A prompt of the running version (or of a draft) as WAV: its recording if one was uploaded,
   * otherwise the TTS rendering of its text (or its audio file).
   */
  async promptWav(
    id: string,
    key: string,
    language: string,
    draft?: string,
  ): Promise<Outcome<{ wav: Buffer; name: string }>> {
    const script = draft !== undefined ? this.draftScript(id, draft) : this.get(id);
    if (!script) return notFound(draft !== undefined ? 'valid draft' : 'script');
    if (!Object.hasOwn(script.data.prompts, key)) return notFound('prompt');
    const audio = await this.o.prompts.audio(script, language, { kind: 'prompt', key }, this.previewVars());
    return { ok: true, value: { wav: readFileSync(audio.path), name: audio.name } };
  }

  /** Any text spoken by espeak-ng in a language (with the script's voice for it, when given). */
  async ttsWav(text: string, language: string, id?: string): Promise<Outcome<Buffer>> {
    if (!languageTag.safeParse(language).success) {
      return invalid('language', 'invalid', { sv: 'Ogiltig språkkod.', en: 'Invalid language tag.' });
    }
    if (text.trim() === '' || text.length > 2000) {
      return invalid('text', 'invalid', {
        sv: 'Texten måste ha 1–2000 tecken.',
        en: 'The text must have 1–2000 characters.',
      });
    }
    const base = (id && this.get(id)) || undefined;
    const script: LoadedScript = base ?? {
      id: 'tts',
      hash: '',
      baseDir: this.o.scriptsDir,
      data: { prompts: {}, steps: [] } as never,
      steps: [],
      labels: new Map(),
      warnings: [],
      loadedAt: Date.now(),
    };
    const audio = await this.o.prompts.audio(script, language, { kind: 'say', text }, this.previewVars());
    return { ok: true, value: readFileSync(audio.path) };
  }

  /** Runs the running version, or a draft, with typed keys; no call is placed. */
  async simulate(
    id: string,
    keys: string,
    language: string,
    draft?: string,
    extension?: string,
  ): Promise<Outcome<SimulationResult> | ScriptRefused> {
    if (!this.exists(id) && draft === undefined) return notFound('script');
    let script: LoadedScript | undefined;
    if (draft !== undefined) {
      const r = validateScript(draft, this.virtualFile(id), { id });
      if (!r.script || hasErrors(r.diagnostics)) {
        return { ok: false, error: 'refused', problems: r.diagnostics.map(localizeDiagnostic) };
      }
      script = r.script;
    } else script = this.get(id);
    if (!script) return notFound('script');
    if (!/^[0-9*#A-D\s]{0,64}$/.test(keys) || (extension !== undefined && !/^[0-9*#,wW]{0,32}$/.test(extension))) {
      return invalid('keys', 'invalid', {
        sv: 'Knappar: 0-9, *, #, A-D; mellanslag skiljer svaren åt.',
        en: 'Keys: 0-9, *, #, A-D; a space separates the answers.',
      });
    }
    const prompts = this.o.prompts;
    const value = await simulateScript(script, {
      keys,
      language,
      vars: { company: this.previewVars().company, ...(extension ? { extension } : {}) },
      plan: (s, lang, request, vars) => prompts.plan(s, lang, request, vars),
    });
    return { ok: true, value };
  }

  /** A valid draft as a runnable script (for the test call and previews); undefined if invalid. */
  draftScript(id: string, source: string): LoadedScript | undefined {
    const r = validateScript(source, this.virtualFile(id), { id });
    return r.script && !hasErrors(r.diagnostics) ? r.script : undefined;
  }

  /** Country for typed test-call numbers without + (config homeCountry; SE when not given). */
  get homeCountry(): string {
    return this.o.homeCountry ?? 'SE';
  }

  /**
   * A draft ready for a test call (issue 15): the parsed script and the hash of its text. An invalid
   * draft is refused with every problem, as a save would be.
   */
  testCallDraft(
    id: string,
    source: string,
    language: string,
  ): Outcome<{ script: LoadedScript; hash: string; language: string }> | ScriptRefused {
    if (!SCRIPT_ID.test(id)) return notFound('script');
    const r = validateScript(source, this.virtualFile(id), { id });
    if (!r.script || hasErrors(r.diagnostics))
      return { ok: false, error: 'refused', problems: r.diagnostics.map(localizeDiagnostic) };
    return { ok: true, value: { script: r.script, hash: sha256(source), language } };
  }

  // --- import / export ----------------------------------------------------------------------------

  /** Writes the running version of every script to `<dir>/<id>.yaml`; returns the ids written. */
  exportTo(dir: string): string[] {
    mkdirSync(dir, { recursive: true });
    const out: string[] = [];
    for (const id of this.ids()) {
      const source = this.active.get(id)?.row.source;
      if (source === undefined) continue;
      writeFileSync(join(dir, `${id}.yaml`), source);
      out.push(id);
    }
    return out;
  }

  /** Saves each `*.yaml` in `dir` as a new version (unchanged texts are skipped); reports each file. */
  importFrom(
    dir: string,
    author: string,
    note = 'imported',
  ): {
    id: string;
    status: 'saved' | 'unchanged' | 'refused';
    version?: number;
    problems?: readonly ScriptProblem[];
  }[] {
    const files = readdirSync(dir)
      .filter((n) => /^[^.].*\.ya?ml$/i.test(n))
      .sort();
    return files.map((name) => {
      const id = name.replace(/\.ya?ml$/i, '');
      const source = readFileSync(join(dir, name), 'utf8');
      const latest = latestScriptVersion(this.o.db, id);
      if (latest && latest.hash === sha256(source))
        return { id, status: 'unchanged' as const, version: latest.version };
      const r = this.save(id, source, note, author);
      if (r.ok) return { id, status: 'saved' as const, version: r.value.version };
      return { id, status: 'refused' as const, problems: r.error === 'refused' ? r.problems : [] };
    });
  }

  // --- internals ----------------------------------------------------------------------------------

  private exists(id: string): boolean {
    return this.active.has(id) || !!this.registry?.status(id) || !!latestScriptVersion(this.o.db, id);
  }

  private summary(id: string): ScriptSummary {
    const a = this.active.get(id);
    const st = this.registry?.status(id);
    const script = a?.script ?? st?.active;
    const diags: readonly Diagnostic[] = script ? script.warnings : (st?.latest.diagnostics ?? []);
    return {
      id,
      description: script?.data.description ?? '',
      version: a?.row.version ?? null,
      hash: script?.hash ?? null,
      valid: !!script,
      errors: diags.filter((d) => d.severity === 'error').length,
      warnings: diags.filter((d) => d.severity === 'warning').length,
      usedFor: SCRIPT_USES.filter((u) => this.o.uses[u] === id),
      updatedAt: a?.row.createdAt ?? null,
      author: a?.row.author ?? null,
    };
  }

  /** Makes the newest valid version running (a version invalid under today's rules is skipped, logged). */
  private activate(id: string): void {
    for (const row of listScriptVersions(this.o.db, id)) {
      const r = validateScript(row.source, this.virtualFile(id), { id });
      if (r.script && !hasErrors(r.diagnostics)) {
        this.active.set(id, { script: r.script, row });
        return;
      }
      this.o.log?.('error', `script ${id} version ${row.version} no longer validates; trying the one before`, {
        errors: r.diagnostics.filter((d) => d.severity === 'error'),
      });
    }
  }

  private fileChanged(script: LoadedScript): void {
    const latest = latestScriptVersion(this.o.db, script.id);
    if (latest?.hash === script.hash) return;
    const source = script.file ? readFileSync(script.file, 'utf8') : undefined;
    if (source === undefined || sha256(source) !== script.hash) return;
    const r = this.save(script.id, source, `changed on disk: ${script.file}`, 'file');
    if (!r.ok) this.o.log?.('warn', `script ${script.id}: the edit on disk was not saved`);
  }

  /** Relative audio `file:` paths resolve against the scripts directory, as for the shipped files. */
  private virtualFile(id: string): string {
    return join(resolve(this.o.scriptsDir), `${id}.yaml`);
  }

  private previewVars(): { company: string; extension: string } {
    return { company: this.o.previewVars?.company ?? 'fyrkant', extension: this.o.previewVars?.extension ?? '1234' };
  }

  private materializeRecordings(): void {
    for (const id of listScriptIdsInDb(this.o.db)) {
      for (const r of listRecordings(this.o.db, id)) {
        const path = this.recordingFile(r.hash);
        if (existsSync(path)) this.recordingPaths.set(recKey(id, r.promptKey, r.language), path);
        else {
          const row = getRecording(this.o.db, id, r.promptKey, r.language);
          if (row) this.writeRecording(id, r.promptKey, r.language, row.hash, row.wav);
        }
      }
    }
  }

  private writeRecording(id: string, key: string, language: string, hash: string, wav: Buffer): void {
    mkdirSync(this.o.recordingsDir, { recursive: true });
    const path = this.recordingFile(hash);
    if (!existsSync(path)) writeFileSync(path, wav);
    this.recordingPaths.set(recKey(id, key, language), path);
  }

  private recordingFile(hash: string): string {
    return join(this.o.recordingsDir, `rec-${hash.slice(0, 32)}.wav`);
  }
}

/** A save or dry run refused because the text has errors; carries every problem. */
export type ScriptRefused = {
  readonly ok: false;
  readonly error: 'refused';
  readonly problems: readonly ScriptProblem[];
};

const recKey = (id: string, key: string, language: string) => `${id}\u0000${key}\u0000${language}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function unifiedDiff(id: string, from: string, to: string, fromLabel: string, toLabel: string): string {
  return createTwoFilesPatch(`${id}.yaml`, `${id}.yaml`, from, to, fromLabel, toLabel, { context: 3 });
}

function audioMessage(err: AudioRejected, limits: UploadLimits): Texts {
  const mb = (limits.maxBytes / 1_048_576).toFixed(limits.maxBytes % 1_048_576 ? 1 : 0);
  switch (err.code) {
    case 'too-big':
      return { sv: `Filen är för stor; gränsen är ${mb} MB.`, en: `The file is too large; the limit is ${mb} MB.` };
    case 'too-long':
      return {
        sv: `Inspelningen är för lång; gränsen är ${limits.maxSeconds} s.`,
        en: `The recording is too long; the limit is ${limits.maxSeconds} s.`,
      };
    case 'silent':
      return { sv: 'Inspelningen är tyst.', en: 'The recording is silent.' };
    case 'clipped':
      return {
        sv: 'Inspelningen är överstyrd (klipper); spela in den igen med lägre nivå.',
        en: 'The recording is clipped; record it again less loud.',
      };
    case 'empty':
      return { sv: 'Filen innehåller inget ljud.', en: 'The file contains no audio.' };
    default:
      return {
        sv: `Filen kunde inte läsas som ljud (${err.message}).`,
        en: `The file could not be read as audio (${err.message}).`,
      };
  }
}

function promptInfos(script: LoadedScript, recordings: readonly RecordingInfo[]): PromptInfo[] {
  const languages = script.data.languages ?? ['sv-SE', 'en-US'];
  return Object.entries(script.data.prompts).map(([key, loc]) => {
    const texts: Record<string, string> = {};
    for (const [lang, v] of Object.entries(loc)) {
      texts[lang] = typeof v === 'string' ? v : 'text' in v ? v.text : `file: ${v.file}`;
    }
    return {
      key,
      texts,
      missing: languages.filter((l) => !Object.hasOwn(loc, l)),
      recordings: recordings.filter((r) => r.promptKey === key).map((r) => r.language),
    };
  });
}

/** The steps as a graph: each step with where it leads on each result. */
export function flowOf(script: LoadedScript): FlowStep[] {
  const name = (i: number) => {
    const s = script.steps[i];
    return s ? (s.id ?? `#${i}`) : 'end';
  };
  return script.steps.map((s, i) => {
    const exits: { on: string; result?: string; to: string }[] = [];
    const exit = (on: string, to: string, result?: string) => exits.push({ on, to, ...(result ? { result } : {}) });
    const next = name(i + 1);
    let label: string = s.verb;
    const a = s.args as unknown;
    switch (s.verb) {
      case 'goto':
        exit('always', String(a));
        break;
      case 'hangup':
        exit('always', 'end');
        break;
      case 'gather': {
        const g = a as {
          prompt?: string;
          match?: { digits?: string; regex?: string; pin?: true; any?: true; result?: string; goto?: string }[];
          noInput?: { result?: string; goto?: string };
          invalid?: { result?: string; goto?: string };
        };
        label = `gather${g.prompt ? ` (${g.prompt})` : ''}`;
        for (const m of g.match ?? []) {
          const on =
            m.digits !== undefined ? `digits:${m.digits}` : m.regex ? `regex:${m.regex}` : m.pin ? 'pin' : 'any';
          exit(on, m.goto ?? next, m.result);
        }
        exit('no-input', g.noInput?.goto ?? next, g.noInput?.result);
        exit('invalid', g.invalid?.goto ?? next, g.invalid?.result);
        break;
      }
      default:
        label = `${s.verb}${typeof a === 'string' ? ` ${a}` : a && typeof a === 'object' && 'prompt' in a ? ` ${(a as { prompt: string }).prompt}` : ''}`;
        exit('next', next);
    }
    if (s.when) exit('when-false', next);
    return { index: i, ...(s.id ? { id: s.id } : {}), verb: s.verb, label, exits };
  });
}
