/**
 * Loading the configuration: `config/default.yaml` ← site file (`--config` / `FYRKANT_CONFIG`) ←
 * `FYRKANT_…` environment variables ← programmatic overrides (tests). Secrets given as `…File` are
 * read, relative paths resolved, and the result validated. Every problem is reported with the file
 * and line (or environment variable) it came from, the key path, the value and what was expected.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { z } from 'zod';
import { envOverrides, objectShape } from './env';
import { ConfigError, type ConfigIssue, type ConfigSource } from './errors';
import { maskValue } from './mask';
import { type Config, configSchema, PATH_KEYS, SECRET_PATHS } from './schema';
import { readYamlSource, type YamlSource } from './yaml-source';

/** `config/default.yaml` of the installation, from both `src/config` and `dist/config`. */
export const DEFAULTS_FILE = resolve(__dirname, '..', '..', 'config', 'default.yaml');

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface LoadOptions {
  /** Site config file; defaults to `FYRKANT_CONFIG` from `env`. */
  readonly file?: string | undefined;
  /** Environment to read `FYRKANT_…` overrides from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Applied last; for tests and embedding. */
  readonly overrides?: DeepPartial<Config>;
  /** Base for relative paths (default `process.cwd()`). */
  readonly cwd?: string;
  readonly defaultsFile?: string;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Files read, in layering order. */
  readonly files: readonly string[];
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const display = (f: string) => {
    const rel = relative(cwd, f);
    return rel && !rel.startsWith('..') ? rel : f;
  };
  const defaultsFile = options.defaultsFile ?? DEFAULTS_FILE;
  const sources: YamlSource[] = [readYamlSource(defaultsFile, display(defaultsFile))];
  const siteFile = options.file ?? env.FYRKANT_CONFIG;
  if (siteFile) sources.push(readYamlSource(resolve(cwd, siteFile), display(resolve(cwd, siteFile))));

  let merged: Record<string, unknown> = {};
  for (const s of sources) merged = deepMerge(merged, s.data);
  const envVars = envOverrides(env, configSchema);
  for (const o of envVars) merged = setIn(merged, o.path, o.value);
  if (options.overrides) merged = deepMerge(merged, options.overrides as Record<string, unknown>);

  const locate = (path: readonly (string | number)[], preferKey = false): ConfigSource | undefined => {
    if (options.overrides && getIn(options.overrides, path) !== undefined) return { kind: 'override' };
    for (let i = envVars.length - 1; i >= 0; i--) {
      const o = envVars[i];
      if (o && (isPrefix(o.path, path) || (preferKey && isPrefix(path, o.path))))
        return { kind: 'env', variable: o.variable };
    }
    let best: { s: YamlSource; line: number; column: number; depth: number } | undefined;
    for (const s of sources) {
      const at = s.locate(path, preferKey);
      if (!best || at.depth >= best.depth) best = { s, ...at };
    }
    return best ? { kind: 'file', file: best.s.file, line: best.line, column: best.column } : undefined;
  };

  const issues: ConfigIssue[] = [];
  resolveSecretFiles(merged, cwd, locate, issues);
  for (const p of PATH_KEYS) {
    const v = getIn(merged, p);
    if (typeof v === 'string' && v) merged = setIn(merged, [...p], resolve(cwd, v));
  }
  if (issues.length) throw new ConfigError(issues);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error, merged, locate));
  return { config: parsed.data, files: sources.map((s) => s.file) };
}

/** Reads `…File` secrets into their key; both set is an error (which one wins would be a guess). */
function resolveSecretFiles(
  merged: Record<string, unknown>,
  cwd: string,
  locate: (p: readonly (string | number)[]) => ConfigSource | undefined,
  issues: ConfigIssue[],
): void {
  for (const p of SECRET_PATHS) {
    const filePath = [...p.slice(0, -1), `${p[p.length - 1]}File`];
    const file = getIn(merged, filePath);
    if (file === null || file === undefined) continue;
    if (typeof file !== 'string') continue; // the schema reports the type
    if (getIn(merged, p) !== null && getIn(merged, p) !== undefined) {
      issues.push({
        path: filePath.join('.'),
        message: `set either ${p.join('.')} or ${filePath.join('.')}, not both`,
        source: locate(filePath),
      });
      continue;
    }
    try {
      const value = readFileSync(resolve(cwd, file), 'utf8').replace(/\r?\n$/, '');
      if (!value) throw new Error('the file is empty');
      setInPlace(merged, [...p], value);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      issues.push({
        path: filePath.join('.'),
        message: `cannot read the secret file: ${why}`,
        value: JSON.stringify(file),
        source: locate(filePath),
      });
    }
  }
}

function zodIssues(
  error: z.ZodError,
  merged: Record<string, unknown>,
  locate: (p: readonly (string | number)[], preferKey?: boolean) => ConfigSource | undefined,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const full = [...path, key];
        out.push({
          path: full.join('.'),
          message: `unknown key (expected one of: ${knownKeys(path).join(', ')})`,
          source: locate(full, true),
        });
      }
      continue;
    }
    const value = getIn(merged, path);
    out.push({
      path: path.join('.'),
      message: issue.code === 'invalid_type' && value === undefined ? 'missing (required key)' : issue.message,
      value: value === undefined ? undefined : maskValue(path, value),
      source: locate(path),
    });
  }
  return out;
}

function knownKeys(path: readonly (string | number)[]): string[] {
  let s: z.ZodType = configSchema;
  for (const seg of path) {
    const shape = shapeOf(s);
    const next = shape?.[String(seg)];
    if (!next) return [];
    s = next;
  }
  return Object.keys(shapeOf(s) ?? {});
}

function shapeOf(s: z.ZodType): Record<string, z.ZodType> | undefined {
  return objectShape(s);
}

// --- small object helpers ------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace (a site's list is the whole list). */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function getIn(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function setIn(obj: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return obj;
  const child = obj[head];
  return { ...obj, [head]: rest.length ? setIn(isPlainObject(child) ? child : {}, rest, value) : value };
}

function setInPlace(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg];
    if (!isPlainObject(next)) return;
    cur = next;
  }
  const last = path[path.length - 1];
  if (last !== undefined) cur[last] = value;
}

function isPrefix(prefix: readonly (string | number)[], path: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}
