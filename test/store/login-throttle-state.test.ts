/**
 * The login throttle's counts in the database (issue 19): two connections on one SQLite file (two
 * nodes) count the same failures, the spray count across accounts is shared too, idle rows are
 * pruned, and the table holds keyed hashes only — never the usernames or addresses tried.
 */
import { LoginThrottle } from '../../src/domain/login-throttle';
import { type Store, StoreThrottleState, throttleHashKey } from '../../src/store';
import { sharedDbFile } from '../support/shared-db-file';
import { FakeThrottleClock } from '../support/throttle-clock';

const OPTS = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, sprayFreeAccounts: 2, maxWaitMs: 60_000 };
const WINDOW_MS = 15 * 60_000;
const KEY = throttleHashKey('a shared session secret of enough length');

const dbFile = sharedDbFile('fyrkant-throttle-');
const open = dbFile.open;

function state(store: Store): StoreThrottleState {
  return new StoreThrottleState(store.db, { hashKey: KEY, scope: 'web', windowMs: WINDOW_MS });
}

function throttle(store: Store, clock: FakeThrottleClock): LoginThrottle {
  return new LoginThrottle({ ...OPTS, windowMs: WINDOW_MS }, clock, state(store));
}

/** A throttle whose tables hold at most `maxEntries` rows each. */
function capped(store: Store, clock: FakeThrottleClock, maxEntries: number): LoginThrottle {
  const st = new StoreThrottleState(store.db, { hashKey: KEY, scope: 'web', windowMs: WINDOW_MS, maxEntries });
  return new LoginThrottle({ ...OPTS, windowMs: WINDOW_MS }, clock, st);
}

/** Three failures of one pair: its next try waits baseDelayMs. */
async function delay(t: LoginThrottle, source: string, account: string): Promise<void> {
  for (let i = 0; i < 3; i++) await fail(t, source, account);
  expect(t.pendingDelay(source, account)).toBe(1000);
}

const TABLES = ['login_throttle_pairs', 'login_throttle_sources', 'login_throttle_failed'];

/** One failed try that must not wait. */
async function fail(t: LoginThrottle, source: string, account: string): Promise<void> {
  const v = await t.attempt(source, account, async () => false);
  expect(v).toEqual({ status: 'checked', ok: false, waitedMs: 0 });
}

function rows(store: Store, table: string): number {
  return (store.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('StoreThrottleState', () => {
  it('two nodes on one file count the same failures: the delay starts after freeFailures in total', async () => {
    const clock = new FakeThrottleClock();
    const a = throttle(open(), clock);
    const b = throttle(open(), clock);
    expect(a.pendingDelay('10.0.0.9', 'admin')).toBe(0);
    await fail(a, '10.0.0.9', 'admin');
    await fail(b, '10.0.0.9', 'admin');
    await fail(a, '10.0.0.9', 'admin'); // the 3rd failure in total: the next try waits
    expect(b.pendingDelay('10.0.0.9', 'admin')).toBe(1000);
    expect(a.pendingDelay('10.0.0.9', 'admin')).toBe(1000);
    // Another source, and the same source for another account, are not slowed down.
    expect(b.pendingDelay('10.0.0.8', 'admin')).toBe(0);
    expect(b.pendingDelay('10.0.0.9', 'other')).toBe(0);
    // Node B's try waits the delay node A's failures earned.
    const tried = b.attempt('10.0.0.9', 'admin', async () => true);
    expect(clock.sleeps).toEqual([1000]);
    clock.advance(1000);
    expect(await tried).toEqual({ status: 'checked', ok: true, waitedMs: 1000 });
    // Success clears the count on every node.
    expect(a.pendingDelay('10.0.0.9', 'admin')).toBe(0);
  });

  it('a spray across accounts counts across nodes too', async () => {
    const clock = new FakeThrottleClock();
    const a = throttle(open(), clock);
    const b = throttle(open(), clock);
    await fail(a, '10.0.0.7', 'u1');
    await fail(b, '10.0.0.7', 'u2');
    expect(a.pendingDelay('10.0.0.7', 'u9')).toBe(0);
    await fail(a, '10.0.0.7', 'u3'); // a third account, over sprayFreeAccounts = 2
    expect(b.pendingDelay('10.0.0.7', 'u9')).toBe(1000);
  });

  it('keeps only keyed hashes: no username or address in the tables', async () => {
    const clock = new FakeThrottleClock();
    const store = open();
    await fail(throttle(store, clock), '192.0.2.44', 'ldap:alice.secretary');
    const dump = JSON.stringify(
      ['login_throttle_pairs', 'login_throttle_sources', 'login_throttle_failed'].map((t) =>
        store.sqlite.prepare(`SELECT * FROM ${t}`).all(),
      ),
    );
    expect(rows(store, 'login_throttle_failed')).toBe(1);
    expect(dump).not.toMatch(/alice|192\.0\.2/);
    // Another key (another site) gives other hashes: the counts do not carry over.
    const other = new LoginThrottle(
      OPTS,
      clock,
      new StoreThrottleState(store.db, { hashKey: 'x', scope: 'web', windowMs: WINDOW_MS }),
    );
    for (let i = 0; i < 2; i++) await fail(throttle(store, clock), '192.0.2.44', 'ldap:alice.secretary');
    expect(throttle(store, clock).pendingDelay('192.0.2.44', 'ldap:alice.secretary')).toBe(1000);
    expect(other.pendingDelay('192.0.2.44', 'ldap:alice.secretary')).toBe(0);
  });

  it('prunes rows idle longer than the window, and the counts start afresh', async () => {
    const clock = new FakeThrottleClock();
    const store = open();
    const t = throttle(store, clock);
    for (let i = 0; i < 3; i++) await fail(t, '10.0.0.5', 'admin');
    await fail(t, '10.0.0.5', 'u2');
    expect(rows(store, 'login_throttle_pairs')).toBe(2);
    expect(t.pendingDelay('10.0.0.5', 'admin')).toBe(1000);
    clock.advance(WINDOW_MS + 1);
    // The next try (another source) prunes: everything idle goes.
    await fail(t, '10.0.0.6', 'admin');
    expect(rows(store, 'login_throttle_pairs')).toBe(1);
    expect(rows(store, 'login_throttle_sources')).toBe(1);
    expect(rows(store, 'login_throttle_failed')).toBe(1);
    expect(t.pendingDelay('10.0.0.5', 'admin')).toBe(0);
  });

  it('keeps each table at most maxEntries rows under a spray, and a delayed pair stays delayed', async () => {
    const clock = new FakeThrottleClock();
    const store = open();
    const t = capped(store, clock, 5);
    await delay(t, '10.0.0.1', 'victim');
    // Twenty more (address, username) pairs inside the window, none idle: over the cap of five.
    for (let i = 0; i < 20; i++) await fail(t, `10.1.0.${i}`, `user${i}`);
    expect(TABLES.map((table) => rows(store, table))).toEqual([5, 5, 5]);
    // The least recently seen rows owing no wait went; the pair that still owes one did not.
    expect(t.pendingDelay('10.0.0.1', 'victim')).toBe(1000);
    expect(t.pendingDelay('10.1.0.19', 'user19')).toBe(0);
    const tried = t.attempt('10.0.0.1', 'victim', async () => false);
    expect(clock.sleeps).toEqual([1000]);
    clock.advance(1000);
    expect(await tried).toMatchObject({ status: 'checked', waitedMs: 1000 });
  });

  it('when delayed pairs alone exceed the cap, those whose wait ends soonest go', async () => {
    const clock = new FakeThrottleClock();
    const store = open();
    const t = capped(store, clock, 2);
    for (const n of [1, 2, 3]) {
      await delay(t, `10.2.0.${n}`, 'admin');
      clock.advance(100); // each later pair's wait ends 100 ms after the one before
    }
    expect(TABLES.map((table) => rows(store, table))).toEqual([2, 2, 2]);
    expect(t.pendingDelay('10.2.0.1', 'admin')).toBe(0);
    expect(t.pendingDelay('10.2.0.2', 'admin')).toBe(800);
    expect(t.pendingDelay('10.2.0.3', 'admin')).toBe(900);
  });
});
