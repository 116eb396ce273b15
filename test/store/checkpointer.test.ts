/**
 * Issue 20: WAL checkpoints (and their fsyncs) run on a worker thread with its own connection, not
 * inside the service's commits; the service's connection keeps only a far-off safety net.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendAttemptEvents, createAttempt, listAttemptEvents, openStore, type Store } from '../../src/store';

let dir: string;
let store: Store | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-ckpt-'));
});
afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `cond` once per event-loop turn (with a short timer so the worker gets time) until true or 10 s. */
async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function writePages(s: Store, attempts: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const a = createAttempt(s.db, { purpose: 'sign-in' });
    ids.push(a.id);
    appendAttemptEvents(
      s,
      Array.from({ length: 10 }, (_, k) => ({
        attemptId: a.id,
        event: { at: k, kind: 'note' as const, summary: `event ${k} ${'x'.repeat(200)}` },
      })),
    );
  }
  return ids;
}

it('a worker checkpoints the WAL into the database file while the connection only writes', async () => {
  const path = join(dir, 'f.db');
  store = openStore({ path, backgroundCheckpoints: { intervalMs: 20 } });
  const s = store;
  expect(s.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(20_000);
  const sizeBefore = statSync(path).size;
  const ids = writePages(s, 300);
  // Far below the connection's own threshold: only the worker can have copied pages into the file.
  await until(() => (s.checkpointer?.runs ?? 0) > 0 && statSync(path).size > sizeBefore);
  expect(listAttemptEvents(s.db, ids.at(-1)!)).toHaveLength(11);
  s.close();
  store = undefined;
  // Reopened (as after a crash or restart): everything is there.
  store = openStore({ path });
  expect(listAttemptEvents(store.db, ids[0]!)).toHaveLength(11);
  expect(store.checkpointer).toBeUndefined();
  expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
});

it('without the option (CLI, tests) SQLite checkpoints as before; `:memory:` never starts a worker', () => {
  store = openStore({ path: ':memory:', backgroundCheckpoints: {} });
  expect(store.checkpointer).toBeUndefined();
});

it('stopping hands checkpoints back to the connection', () => {
  store = openStore({ path: join(dir, 'g.db'), backgroundCheckpoints: { intervalMs: 1000, fallbackPages: 5000 } });
  expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(5000);
  store.checkpointer!.stop();
  expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
});
