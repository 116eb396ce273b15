/**
 * Issue 20: the CLI import writes in short transactions so a running service's writes wait at most
 * one slice — each slice is visible to another connection as soon as it is reported — and stays all
 * or none: a database error in a later slice removes what the earlier slices wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DestinationPolicy } from '../../src/domain/policy';
import { phonePort } from '../../src/services/adapters/phone-policy';
import { importUsersInSlices, toImportRows, validateImport } from '../../src/services/users/import';
import { createUser, listAudit, openStore, type Store } from '../../src/store';
import { testPolicyOptions } from '../support/api-harness';

// Validating rows parses every number: a loaded 2-core machine running other suites needs headroom.
jest.setTimeout(60_000);

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-import-slices-'));
  store = openStore({ path: join(dir, 'f.db') });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function validRows(n: number) {
  const rows = toImportRows(
    Array.from({ length: n }, (_, i) => ({
      line: i + 1,
      fields: [`user${i}`, `User ${i}`, 'sv-SE', `08-123 4${String(i).padStart(4, '0')}`, '', 'SE'],
    })),
  );
  const phones = phonePort(new DestinationPolicy(testPolicyOptions()));
  const { valid, problems } = validateImport(store, phones, rows, { language: 'sv-SE', country: 'SE' });
  expect(problems).toEqual([]);
  return valid;
}

const countUsers = (db: Database.Database) => (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;

it('commits slice by slice: another connection sees each slice when it is reported', async () => {
  const rows = validRows(25);
  const other = new Database(join(dir, 'f.db'), { readonly: true });
  const seen: [number, number][] = [];
  const n = await importUsersInSlices(store, rows, 'cli', {
    sliceRows: 10,
    pauseMs: 0,
    onRow: (done) => seen.push([done, countUsers(other)]),
  });
  other.close();
  expect(n).toBe(25);
  expect(seen).toEqual([
    [10, 10],
    [20, 20],
    [25, 25],
  ]);
  expect(listAudit(store.db, { action: 'user.import' }).map((a) => a.detail)).toEqual([{ imported: 25 }]);
});

it('all or none: an error in a later slice removes the earlier slices', async () => {
  const rows = validRows(25);
  // Someone takes a username of the third slice after the rows were validated.
  createUser(store.db, { username: 'user22' });
  await expect(importUsersInSlices(store, rows, 'cli', { sliceRows: 10, pauseMs: 0 })).rejects.toThrow(/UNIQUE/);
  expect(countUsers(store.sqlite)).toBe(1);
  expect(listAudit(store.db, { action: 'user.import' })).toEqual([]);
});
