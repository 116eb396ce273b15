/**
 * API keys: `fyk_<prefix>_<secret>`. The prefix (8 chars) finds the row and is shown in lists; the
 * secret is 32 random bytes. Only a SHA-256 of the whole key is stored: with 256 bits of entropy a
 * fast hash is safe, and every API request has to check one, so scrypt would only add latency.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_SCOPE_VALUES = ['admin', 'integration'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPE_VALUES)[number];

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const KEY_RE = /^fyk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  /** The full key: shown once, never stored. */
  readonly key: string;
  readonly prefix: string;
  readonly hash: string;
}

export function generateApiKey(): NewApiKey {
  const bytes = randomBytes(8);
  let prefix = '';
  for (const b of bytes) prefix += PREFIX_ALPHABET[b % PREFIX_ALPHABET.length];
  const key = `fyk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The prefix of a well-formed key, or undefined for anything else (no lookup for garbage). */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_RE.exec(key)?.[1];
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Admin keys may do everything an integration key may. */
export function scopeAllows(granted: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  return granted.includes('admin') || granted.includes(required);
}
