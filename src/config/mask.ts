/** Masking secrets for display (`config check`, error messages, logs). */
import { type Config, SECRET_PATHS } from './schema';

export const MASK = '********';

function isSecretPath(path: readonly (string | number)[]): boolean {
  return SECRET_PATHS.some((p) => p.length === path.length && p.every((s, i) => s === path[i]));
}

/** A value as shown in an error: JSON, shortened, masked if it sits at a secret key. */
export function maskValue(path: readonly (string | number)[], value: unknown): string {
  if (isSecretPath(path) && value !== null) return MASK;
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** A deep copy of the config with every secret replaced by a mask (null stays null: "not set" is useful to see). */
export function maskedConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const p of SECRET_PATHS) {
    let cur: Record<string, unknown> | undefined = copy;
    for (const seg of p.slice(0, -1)) cur = cur?.[seg] as Record<string, unknown> | undefined;
    const last = p[p.length - 1];
    if (cur && last && cur[last] !== null && cur[last] !== undefined) cur[last] = MASK;
  }
  return copy as unknown as Config;
}
