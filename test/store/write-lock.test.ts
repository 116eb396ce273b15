/**
 * Several processes on one SQLite file (nodes of one site, the CLI beside `serve`): a transaction
 * that reads before it writes must wait for another process's write like any other writer. A
 * deferred transaction cannot: its read snapshot is stale once the other process commits, so SQLite
 * refuses the upgrade at once with "database is locked" whatever busy_timeout says (a three-node
 * site lost a third of its user deletions that way). Every `db.transaction` begins IMMEDIATE.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser, deleteUser, getUser, listAudit, openStore, type Store } from '../../src/store';

let dir: string;
let store: Store;
let holder: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-lock-'));
  store = openStore({ path: join(dir, 'fyrkant.db') });
});
afterEach(() => {
  if (holder?.exitCode === null) holder.kill('SIGKILL');
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Another process that writes to the file and holds its write lock for `ms`, then commits. */
function holdWriteLock(path: string, ms: number): Promise<ChildProcess> {
  const code = `
    const db = new (require('better-sqlite3'))(process.argv[1]);
    db.exec("BEGIN IMMEDIATE; INSERT INTO audit_log (actor, action, target) VALUES ('other', 'other.write', 'x')");
    console.log('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
    db.exec('COMMIT');
    db.close();`;
  const child = spawn(process.execPath, ['-e', code, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  holder = child;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      if (b.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (c) => reject(new Error(`lock holder exited ${c} before locking`)));
  });
}

it('a read-then-write transaction waits for another process holding the write lock, then commits', async () => {
  const user = createUser(store.db, { username: 'anna' });
  const other = await holdWriteLock(store.path, 300);
  const removed = store.db.transaction(() => {
    if (!getUser(store.db, user.id)) return false;
    return deleteUser(store.db, user.id);
  });
  expect(removed).toBe(true);
  expect(getUser(store.db, user.id)).toBeUndefined();
  // The other process's write went in first, and was not lost.
  expect(listAudit(store.db, {}).map((a) => a.action)).toContain('other.write');
  await new Promise((r) => other.once('exit', r));
});
