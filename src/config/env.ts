/**
 * Environment overrides: `FYRKANT_SIP__TRUNK__PASSWORD` sets `sip.trunk.password`. Segments are
 * matched to the schema's keys ignoring case and underscores (`RTP_PORT_MIN` → `rtpPortMin`).
 * Values for string keys are taken literally (a password `0123` stays a string); others are read as
 * YAML scalars/flow collections (`8080`, `true`, `[rfc4733, info]`).
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

export const ENV_PREFIX = 'FYRKANT_';

/**
 * Variables with the prefix that are not configuration keys: the tools read them themselves, and
 * they are never reported as unknown keys. Any other `FYRKANT_…` variable is a key (so a typo is an
 * error, not silently ignored).
 */
export const NOT_CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  FYRKANT_CONFIG: 'the site configuration file',
  FYRKANT_API_KEY: 'the API key `fyrkant verify` (and other API clients) send',
};

export interface EnvOverride {
  readonly variable: string;
  readonly path: string[];
  readonly value: unknown;
}

export function envOverrides(env: NodeJS.ProcessEnv, schema: z.ZodType): EnvOverride[] {
  const out: EnvOverride[] = [];
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || Object.hasOwn(NOT_CONFIG_VARIABLES, variable) || raw === undefined)
      continue;
    const segments = variable.slice(ENV_PREFIX.length).split('__');
    const path: string[] = [];
    let node: z.ZodType | undefined = schema;
    for (const seg of segments) {
      const shape: Record<string, z.ZodType> | undefined = node ? objectShape(node) : undefined;
      const wanted = seg.replace(/_/g, '').toLowerCase();
      const key: string | undefined = shape ? Object.keys(shape).find((k) => k.toLowerCase() === wanted) : undefined;
      // An unknown segment is kept (camelCased) so validation reports it as an unknown key.
      path.push(key ?? seg.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
      node = key && shape ? shape[key] : undefined;
    }
    const literal = node ? isStringLeaf(node) : false;
    out.push({ variable, path, value: literal ? raw : parseValue(raw) });
  }
  return out;
}

function parseValue(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType };

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = def(cur);
    if (d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

export function objectShape(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const d = def(unwrap(s));
  return d.type === 'object' ? d.shape : undefined;
}

function isStringLeaf(s: z.ZodType): boolean {
  const t = def(unwrap(s)).type;
  return t === 'string' || t === 'enum';
}
