/**
 * Bulk user import (`fyrkant users import users.csv`): every row is validated first (username,
 * language, number through the parser and the destination policy, extension, duplicates in the file
 * and in the database); bad rows are reported with their line numbers and the good rows are written
 * in ONE transaction — all of them or, on a database error, none.
 *
 * `importUsersInSlices` is what the CLI uses while `serve` may be running: the same rows in short
 * transactions with a pause between them, so the service's own writes (a call's outcome, its trace)
 * wait at most one slice instead of the whole import (issue 20: a 10,000-row import in one
 * transaction held the write lock for ~3.5 s, and the service's event loop waited in SQLite's busy
 * handler that long). On a database error the users already written are removed again.
 */
import { checkDisplayName, checkUsername } from '../../domain/identity-text';
import { checkUserLanguage } from '../../domain/user-language';
import { addPhoneMethod, audit, createUser, deleteUser, getUserByUsername, type Store } from '../../store';
import { applyEntraFields, checkEntraFields, type EntraFields } from './entra-identity';
import type { PhonePort } from './phone-port';

const ENTRA_COLUMN: Record<keyof EntraFields, string> = {
  entraObjectId: 'entra object id',
  upn: 'upn',
  entraTenantId: 'entra tenant id',
};

export interface ImportRow {
  readonly line: number;
  readonly username: string;
  readonly displayName: string;
  readonly language: string;
  readonly number: string;
  readonly extension: string;
  readonly country: string;
  /** Optional Entra ID identity (EAM door). */
  readonly entraObjectId: string;
  readonly upn: string;
  readonly entraTenantId: string;
}

export interface RowProblem {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export interface ValidRow {
  readonly line: number;
  readonly username: string;
  readonly displayName: string;
  readonly language: string;
  readonly phone: { e164: string; country: string; extension: string | null } | null;
  readonly entra: EntraFields;
}

export const IMPORT_COLUMNS = [
  'username',
  'display name',
  'language',
  'office number',
  'extension',
  'country',
  'entra object id',
  'upn',
  'entra tenant id',
] as const;

const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function toImportRows(records: readonly { line: number; fields: string[] }[]): ImportRow[] {
  const body =
    records[0] && records[0].fields[0]?.trim().toLowerCase() === 'username' ? records.slice(1) : [...records];
  return body.map(({ line, fields }) => {
    const f = (i: number) => (fields[i] ?? '').trim();
    return {
      line,
      username: f(0),
      displayName: f(1),
      language: f(2),
      number: f(3),
      extension: f(4),
      country: f(5),
      entraObjectId: f(6),
      upn: f(7),
      entraTenantId: f(8),
    };
  });
}

export function validateImport(
  store: Store,
  phones: PhonePort,
  rows: readonly ImportRow[],
  defaults: { language: string; country: string; languages?: readonly string[] },
): { valid: ValidRow[]; problems: RowProblem[] } {
  const valid: ValidRow[] = [];
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const before = problems.length;
    const bad = (field: string, message: string) => problems.push({ line: row.line, field, message });
    // The same rule as the API and the web UI (NFKC, nothing invisible, one script).
    const name = checkUsername(row.username);
    const username = name.ok ? name.value : row.username;
    if (!row.username) bad('username', 'username is empty');
    else if (!name.ok) bad('username', `${name.message.en} (${JSON.stringify(row.username)})`);
    else if (seen.has(username)) bad('username', `username "${username}" is also on line ${seen.get(username)}`);
    else if (getUserByUsername(store.db, username)) bad('username', `user "${username}" already exists`);
    if (row.username) seen.set(username, seen.get(username) ?? row.line);
    const display = checkDisplayName(row.displayName);
    if (!display.ok) bad('display name', `${display.message.en} (${JSON.stringify(row.displayName)})`);
    let language = row.language || defaults.language;
    if (!LANGUAGE.test(language)) bad('language', `"${row.language}" is not a language tag like sv-SE`);
    else if (defaults.languages) {
      const check = checkUserLanguage(language, defaults.languages);
      if (check.ok) language = check.value;
      else bad('language', check.message.en);
    }
    let phone: ValidRow['phone'] = null;
    if (row.number) {
      const parsed = phones.parse({
        number: row.number,
        country: row.country || defaults.country,
        extension: row.extension || null,
      });
      if (!parsed.ok)
        bad(
          parsed.field === 'extension' ? 'extension' : parsed.field === 'country' ? 'country' : 'office number',
          parsed.message.en,
        );
      else {
        const d = phones.destination(parsed);
        if (!d.allowed) bad('office number', `${d.message.en} (${d.reasonCode})`);
        else phone = { e164: parsed.e164, country: parsed.country, extension: parsed.extension };
      }
    } else if (row.extension) bad('office number', 'an extension was given without an office number');
    const entra: EntraFields = {
      ...(row.entraObjectId ? { entraObjectId: row.entraObjectId } : {}),
      ...(row.upn ? { upn: row.upn } : {}),
      ...(row.entraTenantId ? { entraTenantId: row.entraTenantId } : {}),
    };
    for (const p of checkEntraFields(store, undefined, entra))
      bad(ENTRA_COLUMN[p.field], `${p.message.en} (${String(entra[p.field])})`);
    for (const [key, value] of [
      ['oid', row.entraObjectId.toLowerCase()],
      ['upn', row.upn.toLowerCase()],
    ] as const) {
      if (!value) continue;
      const other = seen.get(`${key}:${value}`);
      if (other !== undefined) bad(key === 'oid' ? 'entra object id' : 'upn', `"${value}" is also on line ${other}`);
      else seen.set(`${key}:${value}`, row.line);
    }
    if (problems.length === before)
      valid.push({
        line: row.line,
        username,
        displayName: display.ok ? display.value : row.displayName,
        language,
        phone,
        entra,
      });
  }
  return { valid, problems };
}

/** Writes the valid rows in one transaction; `onRow` reports progress. */
export function importUsers(
  store: Store,
  rows: readonly ValidRow[],
  actor: string,
  onRow?: (done: number) => void,
): number {
  return store.db.transaction(() => {
    let n = 0;
    for (const r of rows) {
      writeRow(store, r, actor);
      // Not `onRow?.(++n)`: without a callback the optional call would skip the increment too.
      n++;
      onRow?.(n);
    }
    audit(store.db, { actor, action: 'user.import', target: null, detail: { imported: n } });
    return n;
  });
}

function writeRow(store: Store, r: ValidRow, actor: string): string {
  const u = createUser(store.db, { username: r.username, displayName: r.displayName, language: r.language });
  if (r.phone)
    addPhoneMethod(store.db, {
      userId: u.id,
      kind: 'office',
      country: r.phone.country,
      e164: r.phone.e164,
      extension: r.phone.extension,
    });
  applyEntraFields(store, u.id, r.entra, actor);
  return u.id;
}

export interface SliceOptions {
  /** Rows per transaction (default 20: a few ms of lock per slice on a 2-core machine). */
  readonly sliceRows?: number;
  /** Pause between slices so a waiting writer gets the lock (default 5 ms). */
  readonly pauseMs?: number;
  readonly onRow?: (done: number) => void;
}

/** The valid rows in short transactions (see the top of this file); resolves with the count. */
export async function importUsersInSlices(
  store: Store,
  rows: readonly ValidRow[],
  actor: string,
  options: SliceOptions = {},
): Promise<number> {
  const slice = Math.max(1, options.sliceRows ?? 20);
  const created: string[] = [];
  try {
    for (let i = 0; i < rows.length; i += slice) {
      const part = rows.slice(i, i + slice);
      store.db.transaction(() => {
        for (const r of part) writeRow(store, r, actor);
      });
      // Counted once committed (a failed slice rolls back on its own).
      created.push(...part.map((r) => r.username));
      options.onRow?.(created.length);
      if (i + slice < rows.length) await new Promise((r) => setTimeout(r, options.pauseMs ?? 5));
    }
    audit(store.db, { actor, action: 'user.import', target: null, detail: { imported: created.length } });
    return created.length;
  } catch (err) {
    // All or none: remove what the earlier slices wrote, then report the error.
    for (let i = 0; i < created.length; i += slice)
      store.db.transaction(() => {
        for (const username of created.slice(i, i + slice)) {
          const u = getUserByUsername(store.db, username);
          if (u) deleteUser(store.db, u.id);
        }
      });
    throw err;
  }
}
