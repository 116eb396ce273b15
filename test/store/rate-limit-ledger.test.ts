/**
 * The rate-limit ledger in the database (issue 19): the same limits as the in-memory limiter, shared
 * by every connection (node) on one SQLite file; slots of stopped or lost nodes stop counting.
 */
import type { Acquired, RateLimits } from '../../src/domain/policy';
import {
  beatNode,
  markNodeStopped,
  registerNode,
  releaseNodeSlots,
  type Store,
  StoreRateLimitLedger,
} from '../../src/store';
import { sharedDbFile } from '../support/shared-db-file';

const LEASE_MS = 3000;
const T0 = 1_000_000;

const limits = (o: Partial<RateLimits> = {}): RateLimits => ({
  perUser: { max: 0, windowSeconds: 60 },
  perNumber: { max: 0, windowSeconds: 60 },
  globalConcurrent: 100,
  globalPerMinute: 0,
  ...o,
});

const dbFile = sharedDbFile('fyrkant-ledger-');
const open = dbFile.open;

function node(store: Store, id: string, at = T0): void {
  registerNode(store.db, { id, hostname: 'h', pid: 1, httpUrl: null, sipAddress: null, version: 't' }, at);
}

function ledger(store: Store, nodeId: string, l: RateLimits): StoreRateLimitLedger {
  return new StoreRateLimitLedger(store.db, { nodeId, leaseMs: LEASE_MS, limits: l });
}

function lease(got: Acquired) {
  if (!got.ok) throw new Error(`expected a slot, got ${got.reason}`);
  return got.lease;
}

function slotRows(store: Store): number {
  return (store.sqlite.prepare('SELECT count(*) AS n FROM rate_limit_slots').get() as { n: number }).n;
}

describe('windows', () => {
  it('per user in a sliding window, with retry-after until the oldest call leaves it', () => {
    const s = open();
    const l = ledger(s, 'a', limits({ perUser: { max: 2, windowSeconds: 60 } }));
    expect(l.acquire({ userId: 'u1', number: '+461' }, T0).ok).toBe(true);
    expect(l.acquire({ userId: 'u1', number: '+462' }, T0 + 1000).ok).toBe(true);
    expect(l.acquire({ userId: 'u1', number: '+463' }, T0 + 2000)).toEqual({
      ok: false,
      reason: 'rate-limit-user',
      retryAfterMs: 58_000,
    });
    expect(l.acquire({ userId: 'u2', number: '+463' }, T0 + 2000).ok).toBe(true);
    expect(l.acquire({ userId: 'u1', number: '+463' }, T0 + 60_000).ok).toBe(true);
  });

  it('per number across users, and new calls per minute for everyone', () => {
    const s = open();
    const l = ledger(s, 'a', limits({ perNumber: { max: 1, windowSeconds: 300 }, globalPerMinute: 3 }));
    expect(l.acquire({ userId: 'a', number: '+461' }, T0).ok).toBe(true);
    expect(l.acquire({ userId: 'b', number: '+461' }, T0 + 10)).toMatchObject({
      ok: false,
      reason: 'rate-limit-number',
      retryAfterMs: 299_990,
    });
    expect(l.acquire({ number: '+462' }, T0 + 20).ok).toBe(true);
    expect(l.acquire({ number: '+463' }, T0 + 30).ok).toBe(true);
    expect(l.acquire({ number: '+464' }, T0 + 40)).toEqual({
      ok: false,
      reason: 'rate-limit-global',
      retryAfterMs: 59_960,
    });
    expect(l.acquire({ number: '+464' }, T0 + 60_001).ok).toBe(true);
  });

  it('a denied call leaves no trace; calls older than the longest window are pruned', () => {
    const s = open();
    const l = ledger(s, 'a', limits({ perUser: { max: 1, windowSeconds: 120 } }));
    expect(l.acquire({ userId: 'u', number: '+461' }, T0).ok).toBe(true);
    expect(l.acquire({ userId: 'u', number: '+462' }, T0 + 1).ok).toBe(false);
    const calls = () => (s.sqlite.prepare('SELECT count(*) AS n FROM rate_limit_calls').get() as { n: number }).n;
    expect(calls()).toBe(1);
    l.prune(T0 + 120_000);
    expect(calls()).toBe(0);
  });
});

describe('concurrent slots', () => {
  it('are held until released; release is idempotent and frees only its own slot', () => {
    const s = open();
    node(s, 'a');
    const l = ledger(s, 'a', limits({ globalConcurrent: 2 }));
    const one = lease(l.acquire({ number: '+461' }, T0));
    const two = lease(l.acquire({ number: '+462' }, T0));
    expect(l.active).toBe(2);
    expect(l.acquire({ number: '+463' }, T0)).toEqual({
      ok: false,
      reason: 'rate-limit-concurrent',
      retryAfterMs: 1000,
    });
    one.release();
    one.release();
    expect(one.released).toBe(true);
    expect(two.released).toBe(false);
    expect(l.active).toBe(1);
    const three = lease(l.acquire({ number: '+463' }, T0));
    one.release(); // still nothing more freed
    expect(l.acquire({ number: '+464' }, T0)).toMatchObject({ ok: false, reason: 'rate-limit-concurrent' });
    two.release();
    three.release();
    expect(l.active).toBe(0);
  });

  it('a per-node limit counts only this node; the global one counts every live node', () => {
    const a = open();
    const b = open();
    node(a, 'a');
    node(a, 'b');
    const l = limits({ globalConcurrent: 3, perNodeConcurrent: 2 });
    const la = ledger(a, 'a', l);
    const lb = ledger(b, 'b', l);
    lease(la.acquire({ number: '+461' }, T0));
    lease(la.acquire({ number: '+462' }, T0));
    expect(la.acquire({ number: '+463' }, T0)).toEqual({
      ok: false,
      reason: 'rate-limit-node-concurrent',
      retryAfterMs: 1000,
    });
    lease(lb.acquire({ number: '+463' }, T0));
    // b holds one of its two, but the three slots of the site are taken.
    expect(lb.acquire({ number: '+464' }, T0)).toMatchObject({ ok: false, reason: 'rate-limit-concurrent' });
    expect([la.active, lb.active, la.liveSlots(T0)]).toEqual([2, 1, 3]);
  });
});

describe('two ledgers on one database file (two nodes)', () => {
  it('share the windows and the concurrent limit', () => {
    const a = open();
    const b = open();
    node(a, 'a');
    node(b, 'b');
    const l = limits({ globalConcurrent: 3, perUser: { max: 2, windowSeconds: 60 } });
    const la = ledger(a, 'a', l);
    const lb = ledger(b, 'b', l);
    const first = lease(la.acquire({ userId: 'u', number: '+461' }, T0));
    lease(lb.acquire({ userId: 'u', number: '+462' }, T0 + 1));
    // The user's third call is refused on either node: both windows are one.
    expect(la.acquire({ userId: 'u', number: '+463' }, T0 + 2)).toMatchObject({ reason: 'rate-limit-user' });
    expect(lb.acquire({ userId: 'u', number: '+463' }, T0 + 2)).toMatchObject({ reason: 'rate-limit-user' });
    lease(lb.acquire({ userId: 'v', number: '+464' }, T0 + 3));
    expect(la.acquire({ userId: 'w', number: '+465' }, T0 + 4)).toMatchObject({ reason: 'rate-limit-concurrent' });
    // A release on one node frees the slot for the other.
    first.release();
    expect(lb.acquire({ userId: 'w', number: '+465' }, T0 + 5).ok).toBe(true);
    expect(slotRows(a)).toBe(3);
  });
});

describe('nodes that are gone', () => {
  it('a lost node (no heartbeat for longer than a lease) no longer holds its slots; its rows are pruned', () => {
    const a = open();
    const b = open();
    node(a, 'a', T0);
    node(b, 'b', T0);
    const l = limits({ globalConcurrent: 2 });
    const la = ledger(a, 'a', l);
    const lb = ledger(b, 'b', l);
    lease(la.acquire({ number: '+461' }, T0));
    lease(la.acquire({ number: '+462' }, T0));
    // a stops beating (killed); b beats on. Within a's lease its calls still count…
    const later = T0 + LEASE_MS;
    beatNode(b.db, 'b', { at: later, activeCalls: 0 });
    expect(lb.acquire({ number: '+463' }, later)).toMatchObject({ ok: false, reason: 'rate-limit-concurrent' });
    // …once the lease has run out, they do not.
    const lost = later + 1;
    lease(lb.acquire({ number: '+463' }, lost));
    expect(lb.liveSlots(lost)).toBe(1);
    expect(slotRows(b)).toBe(3);
    lb.prune(lost);
    expect(slotRows(b)).toBe(1);
  });

  it('a stopped node holds nothing; a restarted node starts with no slots of its previous run', () => {
    const a = open();
    const b = open();
    node(a, 'a');
    node(b, 'b');
    const l = limits({ globalConcurrent: 1 });
    const la = ledger(a, 'a', l);
    lease(la.acquire({ number: '+461' }, T0));
    const lb = ledger(b, 'b', l);
    expect(lb.acquire({ number: '+462' }, T0).ok).toBe(false);
    markNodeStopped(a.db, 'a', T0 + 1);
    const got = lease(lb.acquire({ number: '+462' }, T0 + 2));
    got.release();
    // a's first slot was never released (its run ended without it): registered again, a is live and
    // the slot would count once more — the node's start clears what its previous run left.
    node(a, 'a', T0 + 4);
    expect(lb.acquire({ number: '+463' }, T0 + 4)).toMatchObject({ ok: false, reason: 'rate-limit-concurrent' });
    expect(releaseNodeSlots(a.db, 'a')).toBe(1);
    expect(la.active).toBe(0);
    expect(lb.acquire({ number: '+464' }, T0 + 5).ok).toBe(true);
  });
});
