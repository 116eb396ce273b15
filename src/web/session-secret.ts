/**
 * The secret that signs web session cookies: `http.sessionSecret` when set, else one made on first
 * start and kept in `{dataDir}/session-secret` (mode 0600), so a restart does not sign anyone out.
 *
 * Nodes sharing a data dir may start at the same moment: the file is written whole under a temporary
 * name and then hard-linked into place, which fails if it already exists, so the first one made wins
 * and every other process reads that one — never a half-written file, never one secret per node.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_LENGTH = 32;

export function sessionSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'session-secret');
  const kept = readSecret(file);
  if (kept) return kept;
  mkdirSync(dataDir, { recursive: true });
  const made = randomBytes(32).toString('base64url');
  const winner = keepFirstSecret(file, made);
  if (winner) return winner;
  // A file too short to be a secret (a write cut off by a crash before this code): replace it.
  replaceSecret(file, made);
  return readSecret(file) ?? made;
}

/** The secret in `file`, or undefined if there is none or it is too short to be one. */
function readSecret(file: string): string | undefined {
  try {
    const kept = readFileSync(file, 'utf8').trim();
    return kept.length >= MIN_LENGTH ? kept : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A new file next to `file` holding `secret`, written whole (mode 0600). */
function writeTemp(file: string, secret: string): string {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return temp;
}

/**
 * Puts `secret` in `file` unless a file is there already, and returns what `file` then holds
 * (undefined if an existing file is too short to be a secret).
 */
export function keepFirstSecret(file: string, secret: string): string | undefined {
  const temp = writeTemp(file, secret);
  try {
    linkSync(temp, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readSecret(file);
  } finally {
    unlinkSync(temp);
  }
}

function replaceSecret(file: string, secret: string): void {
  renameSync(writeTemp(file, secret), file);
}
