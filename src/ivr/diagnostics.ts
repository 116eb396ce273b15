/** Validation findings with their place in the file, printable as `file:line:col: error: …`. */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** Path of the file, as given to the validator. */
  readonly file: string;
  /** 1-based; 0 when the finding has no position (e.g. the file could not be read). */
  readonly line: number;
  readonly column: number;
  /** Where inside the script, e.g. `steps[2].gather.tries`. */
  readonly path: string;
  readonly message: string;
  /** What was found there (a short rendering), when it helps. */
  readonly found?: string;
  /** What was expected there, when it helps. */
  readonly expected?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  let s = `${where}: ${d.severity}: ${d.message}`;
  if (d.path) s += ` [at ${d.path}]`;
  if (d.found !== undefined) s += `; found ${d.found}`;
  if (d.expected !== undefined) s += `; expected ${d.expected}`;
  return s;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** `steps[2].gather.tries` from `['steps', 2, 'gather', 'tries']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s;
}
