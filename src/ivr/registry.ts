/**
 * The scripts in a directory, kept current while fyrkant runs. A valid change is swapped in for new
 * calls (calls already running keep the version they started with); an invalid change is refused, the
 * last good version stays, and the errors are kept for the API/UI. Every load attempt is recorded with
 * the script id and the content hash.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Diagnostic, hasErrors } from './diagnostics';
import type { LoadedScript } from './script';
import { validateScript } from './validate';

export interface LoadAttempt {
  readonly id: string;
  readonly file: string;
  readonly hash: string;
  readonly at: number;
  readonly accepted: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

export interface ScriptStatus {
  readonly id: string;
  readonly file: string;
  /** The version new calls get (last good); absent if the file never validated. */
  readonly active?: LoadedScript;
  /** The latest attempt, which may have been refused. */
  readonly latest: LoadAttempt;
  /** True when the file on disk is not what runs (its latest version was refused). */
  readonly refused: boolean;
}

export interface RegistryEvents {
  /** A script was loaded or replaced. */
  loaded: [LoadedScript];
  /** A change was refused; the previous version (if any) stays active. */
  refused: [LoadAttempt];
  removed: [string];
}

export interface RegistryOptions {
  /** Called with each finding as a line to log (e.g. pino's warn). */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, detail?: object) => void;
  /** Debounce for editor saves that arrive as several events (default 75 ms). */
  readonly debounceMs?: number;
  /** How many load attempts to remember (default 200). */
  readonly historySize?: number;
}

const SCRIPT_FILE = /^[^.].*\.ya?ml$/i;

export class ScriptRegistry extends EventEmitter<RegistryEvents> {
  readonly dir: string;
  private readonly scripts = new Map<string, { file: string; active?: LoadedScript; latest: LoadAttempt }>();
  private readonly history: LoadAttempt[] = [];
  private watcher: FSWatcher | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private pending = new Set<Promise<void>>();

  constructor(
    dir: string,
    private readonly options: RegistryOptions = {},
  ) {
    super();
    this.dir = resolve(dir);
  }

  /** Loads every `*.yaml` in the directory (call once; `watch()` keeps it current). */
  async loadAll(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => SCRIPT_FILE.test(n)).sort();
    const seen = new Set<string>();
    for (const n of names) seen.add(await this.loadFile(join(this.dir, n)));
    for (const id of [...this.scripts.keys()]) if (!seen.has(id)) this.remove(id);
  }

  /** The version new calls should run. */
  get(id: string): LoadedScript | undefined {
    return this.scripts.get(id)?.active;
  }

  ids(): string[] {
    return [...this.scripts.keys()].filter((id) => this.scripts.get(id)?.active).sort();
  }

  status(id: string): ScriptStatus | undefined {
    const s = this.scripts.get(id);
    if (!s) return undefined;
    return {
      id,
      file: s.file,
      ...(s.active ? { active: s.active } : {}),
      latest: s.latest,
      refused: !s.latest.accepted,
    };
  }

  list(): ScriptStatus[] {
    return [...this.scripts.keys()].sort().map((id) => this.status(id)!);
  }

  /** Load attempts, oldest first. */
  attempts(): readonly LoadAttempt[] {
    return this.history;
  }

  /** Watches the directory for changes (inotify on Linux). */
  watch(): void {
    if (this.watcher) return;
    this.watcher = watch(this.dir, { persistent: false }, (_event, name) => {
      if (!name || !SCRIPT_FILE.test(String(name))) return;
      const file = join(this.dir, String(name));
      clearTimeout(this.timers.get(file));
      this.timers.set(
        file,
        setTimeout(() => {
          this.timers.delete(file);
          const p = this.loadFile(file)
            .then(() => {})
            .catch((err) => this.log('error', `reloading ${file} failed: ${(err as Error).message}`))
            .finally(() => this.pending.delete(p));
          this.pending.add(p);
        }, this.options.debounceMs ?? 75),
      );
    });
    this.watcher.on('error', (err) => this.log('error', `watching ${this.dir} failed: ${err.message}`));
  }

  /** Resolves when reloads triggered so far have finished (for tests and graceful shutdown). */
  async settled(): Promise<void> {
    while (this.timers.size || this.pending.size) {
      await Promise.all([...this.pending]);
      if (this.timers.size) await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** (Re)loads one file; returns its id. A vanished file removes the script. */
  async loadFile(file: string): Promise<string> {
    const id = basename(file).replace(/\.ya?ml$/i, '');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.remove(id);
        return id;
      }
      throw err;
    }
    const prev = this.scripts.get(id);
    // Editors and `touch` fire events without changing content: nothing to do.
    if (prev && prev.latest.hash === createHash('sha256').update(text).digest('hex')) return id;
    const r = validateScript(text, file, { id });
    const attempt: LoadAttempt = {
      id,
      file,
      hash: r.hash,
      at: Date.now(),
      accepted: !!r.script && !hasErrors(r.diagnostics),
      diagnostics: r.diagnostics,
    };
    this.history.push(attempt);
    if (this.history.length > (this.options.historySize ?? 200)) this.history.shift();
    if (attempt.accepted && r.script) {
      this.scripts.set(id, { file, active: r.script, latest: attempt });
      this.log('info', `script ${id} loaded (${r.hash.slice(0, 12)})`, { warnings: r.diagnostics.length });
      this.emit('loaded', r.script);
    } else {
      this.scripts.set(id, { file, ...(prev?.active ? { active: prev.active } : {}), latest: attempt });
      this.log(
        'warn',
        `script ${id} refused (${r.diagnostics.filter((d) => d.severity === 'error').length} errors)` +
          (prev?.active ? `; still running version ${prev.active.hash.slice(0, 12)}` : ''),
        { errors: r.diagnostics.filter((d) => d.severity === 'error') },
      );
      this.emit('refused', attempt);
    }
    return id;
  }

  private remove(id: string): void {
    if (!this.scripts.delete(id)) return;
    this.log('info', `script ${id} removed`);
    this.emit('removed', id);
  }

  private log(level: 'info' | 'warn' | 'error', message: string, detail?: object): void {
    this.options.log?.(level, message, detail);
  }
}

/** Loads a directory of scripts; pass `watch: true` for hot reload. */
export async function loadScripts(
  dir: string,
  options: RegistryOptions & { watch?: boolean } = {},
): Promise<ScriptRegistry> {
  const reg = new ScriptRegistry(dir, options);
  await reg.loadAll();
  if (options.watch) reg.watch();
  return reg;
}
