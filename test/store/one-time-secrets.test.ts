/**
 * One-time secrets in the database (issue 19): the issued app password waits sealed, never in
 * plaintext; exactly one take gets it — also when several processes on one SQLite file take at
 * once; expired ones are never handed out and are swept; one sealed under another key is absent.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Store, StoreOneTimeSecrets } from '../../src/store';
import { REPO_ROOT } from '../support/cli';
import { sharedDbFile } from '../support/shared-db-file';

interface Issued {
  readonly id: string;
  readonly name: string;
  readonly password: string;
}

const SHARED = 'the-session-secret-every-node-of-the-site-has';
const TTL = 15 * 60_000;
const T0 = 1_000_000;
const issued = (n: number): Issued => ({ id: `ap-${n}`, name: 'Enrollment', password: `abcd-efgh-jkmn-pq${n}` });

const dbFile = sharedDbFile('fyrkant-one-time-');
const open = dbFile.open;

function holder(store: Store, sharedSecret = SHARED, onUnreadable?: (id: string) => void) {
  return new StoreOneTimeSecrets<Issued>(store.db, { sharedSecret, ...(onUnreadable ? { onUnreadable } : {}) });
}

function rows(store: Store): { attempt_id: string; sealed: string; expires_at: number }[] {
  return store.sqlite.prepare('SELECT * FROM one_time_secrets').all() as never;
}

describe('StoreOneTimeSecrets', () => {
  it('stores the value sealed: neither the password nor its name is in the row', () => {
    const store = open();
    holder(store).put('att-1', issued(1), TTL, T0);
    const [row] = rows(store);
    expect(row).toMatchObject({ attempt_id: 'att-1', expires_at: T0 + TTL });
    expect(row!.sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    const raw = JSON.stringify(store.sqlite.prepare('SELECT * FROM one_time_secrets').raw().all());
    expect(raw).not.toContain('abcd-efgh');
    expect(raw).not.toContain('Enrollment');
    expect(Buffer.from(row!.sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('abcd');
    // A random IV each time: the same value sealed twice differs.
    holder(store).put('att-2', issued(1), TTL, T0);
    expect(rows(store)[1]!.sealed).not.toBe(row!.sealed);
  });

  it('hands the value out once: the second take gets nothing, and the row is gone', () => {
    const store = open();
    const s = holder(store);
    s.put('att-1', issued(1), TTL, T0);
    expect(s.has('att-1', T0 + 1)).toBe(true);
    expect(s.take('att-1', T0 + 1)).toEqual(issued(1));
    expect(s.take('att-1', T0 + 2)).toBeUndefined();
    expect(s.has('att-1', T0 + 2)).toBe(false);
    expect(rows(store)).toEqual([]);
    expect(s.take('never-put', T0)).toBeUndefined();
  });

  it('another connection (node) on the same file with the same secret takes it; then nobody can', () => {
    const a = holder(open());
    const b = holder(open());
    a.put('att-1', issued(1), TTL, T0);
    expect(b.take('att-1', T0 + 1)).toEqual(issued(1));
    expect(a.take('att-1', T0 + 2)).toBeUndefined();
    expect(b.take('att-1', T0 + 2)).toBeUndefined();
  });

  it('never hands out an expired value, and sweeps expired rows', () => {
    const store = open();
    const s = holder(store);
    s.put('att-1', issued(1), TTL, T0);
    s.put('att-2', issued(2), 2 * TTL, T0);
    expect(s.has('att-1', T0 + TTL)).toBe(false);
    expect(s.take('att-1', T0 + TTL)).toBeUndefined();
    // The take swept every expired row, not only its own; the one still valid stays.
    s.put('att-3', issued(3), TTL, T0 + TTL);
    expect(rows(store).map((r) => r.attempt_id)).toEqual(['att-2', 'att-3']);
    expect(s.sweep(T0 + 2 * TTL)).toBe(2);
    expect(s.take('att-3', T0 + TTL + 1)).toBeUndefined();
    expect(rows(store)).toEqual([]);
  });

  it('a row sealed under another secret is absent: removed, with the warning, no secret in it', () => {
    const store = open();
    holder(store, 'another-site-secret-a-misconfigured-node-has').put('att-1', issued(1), TTL, T0);
    const unreadable: string[] = [];
    const s = holder(store, SHARED, (id) => unreadable.push(id));
    expect(s.has('att-1', T0 + 1)).toBe(true);
    expect(s.take('att-1', T0 + 1)).toBeUndefined();
    expect(unreadable).toEqual(['att-1']);
    expect(rows(store)).toEqual([]);
  });

  it('a sealed value moved to another attempt does not open (the attempt id is bound in)', () => {
    const store = open();
    const s = holder(store, SHARED, () => {});
    s.put('att-1', issued(1), TTL, T0);
    store.sqlite.prepare("UPDATE one_time_secrets SET attempt_id = 'att-2'").run();
    expect(s.take('att-2', T0 + 1)).toBeUndefined();
  });

  it('refuses an empty shared secret', () => {
    expect(() => holder(open(), '')).toThrow(/shared secret is empty/);
  });
});

/** What one taker process got: the attempt ids it won and the passwords it read. */
interface Won {
  readonly pid: number;
  readonly won: Record<string, string>;
}

/**
 * A process of its own on the database file that, once told "go" on stdin, takes every id in
 * `ids` through StoreOneTimeSecrets and prints what it won as one JSON line.
 */
function taker(dbPath: string, ids: readonly string[]): { ready: Promise<void>; go: () => void; won: Promise<Won> } {
  const code = `
    const { openStore, StoreOneTimeSecrets } = require(${JSON.stringify(join(REPO_ROOT, 'src', 'store'))});
    const store = openStore({ path: process.argv[1] });
    const s = new StoreOneTimeSecrets(store.db, { sharedSecret: ${JSON.stringify(SHARED)} });
    const ids = JSON.parse(process.argv[2]);
    console.log('ready');
    process.stdin.once('data', () => {
      const won = {};
      for (const id of ids) { const v = s.take(id); if (v) won[id] = v.password; }
      store.close();
      console.log(JSON.stringify({ pid: process.pid, won }));
      process.exit(0);
    });`;
  const child = spawn(
    process.execPath,
    ['-r', join(REPO_ROOT, 'test', 'support', 'swc-register.js'), '-e', code, dbPath, JSON.stringify(ids)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => {
    readyResolve = r;
  });
  const won = new Promise<Won>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.includes('ready\n')) readyResolve();
    });
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last));
      else reject(new Error(`taker exited ${code}: ${out}`));
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), won };
}

describe('StoreOneTimeSecrets across processes', () => {
  it('four processes taking the same 200 secrets at once: each is won exactly once, intact', async () => {
    const store = open();
    const s = holder(store);
    const ids = Array.from({ length: 200 }, (_, n) => `att-${n}`);
    for (const [n, id] of ids.entries()) s.put(id, issued(n), TTL);
    const takers = Array.from({ length: 4 }, (_, n) => taker(dbFile.path, n % 2 ? ids : [...ids].reverse()));
    await Promise.all(takers.map((t) => t.ready));
    for (const t of takers) t.go();
    const results = await Promise.all(takers.map((t) => t.won));

    const wins = results.flatMap((r) => Object.entries(r.won));
    expect(wins).toHaveLength(200);
    expect(new Set(wins.map(([id]) => id)).size).toBe(200);
    for (const [id, password] of wins) expect(password).toBe(issued(Number(id.slice(4))).password);
    expect(rows(store)).toEqual([]);
    expect(s.take('att-0')).toBeUndefined();
  }, 60_000);
});
