/**
 * The secret that signs web session cookies and seals app passwords waiting for their pickup:
 * `http.sessionSecret` when set, else one made on first start and kept in `{dataDir}/session-secret`
 * (mode 0600), so a restart does not sign anyone out. Nodes that share the data directory share it
 * (issue 19): when several start at once on a fresh directory, the first file written wins and every
 * node reads that one — it is written aside and linked into place, which fails if one is there.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_LENGTH = 32;

export function sessionSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'session-secret');
  const kept = readKept(file);
  if (kept !== undefined && kept.length >= MIN_LENGTH) return kept;
  mkdirSync(dataDir, { recursive: true });
  const made = randomBytes(32).toString('base64url');
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, `${made}\n`, { mode: 0o600 });
  chmodSync(aside, 0o600);
  if (kept !== undefined) {
    // Too short to be one we made: replace it.
    renameSync(aside, file);
    return made;
  }
  try {
    linkSync(aside, file);
    return made;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another node made it meanwhile: use that one, so all of them have the same.
    return readKept(file) ?? made;
  } finally {
    unlinkSync(aside);
  }
}

/** The kept secret (trimmed), or undefined when there is no file. */
function readKept(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
}
