/** A configuration problem with where it came from, so an admin can go straight to the line. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `sip.trunk.uri` (empty for whole-file problems such as bad YAML). */
  readonly path: string;
  /** What is wrong / what was expected. */
  readonly message: string;
  /** The offending value, already masked if it is a secret. */
  readonly value?: string;
  /** Where the value came from. */
  readonly source?: ConfigSource;
}

export type ConfigSource =
  | { readonly kind: 'file'; readonly file: string; readonly line?: number; readonly column?: number }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'override' };

export function formatSource(s: ConfigSource | undefined): string {
  if (!s) return '(config)';
  switch (s.kind) {
    case 'file':
      return s.line ? `${s.file}:${s.line}:${s.column ?? 1}` : s.file;
    case 'env':
      return `environment variable ${s.variable}`;
    case 'override':
      return '(programmatic override)';
  }
}

export function formatIssue(i: ConfigIssue): string {
  const where = formatSource(i.source);
  const key = i.path ? ` ${i.path}:` : '';
  const got = i.value !== undefined ? ` (got ${i.value})` : '';
  return `${where}:${key} ${i.message}${got}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
}
