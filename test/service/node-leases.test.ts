/**
 * Call ownership and node leases (issue 19) under an injected clock: a node owns the attempts it
 * places, its heartbeat renews the lease, a survivor ends the attempts of a node whose lease ran out
 * (exactly at the boundary, not a millisecond before), exactly one claimant wins, a restart under
 * the same node id takes over its own attempts at once (and frees the call slots its previous run
 * held in the shared rate limits), the retry policy applies, and a draining
 * node refuses new calls without recording anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type NodeCalls, NodeService } from '../../src/services/nodes/node-service';
import {
  addPhoneMethod,
  claimOrphan,
  createUser,
  dueRetries,
  getAttempt,
  getNode,
  listAttempts,
  listNodes,
  orphanedAttempts,
  requestNodeDrain,
  type Store,
  StoreRateLimitLedger,
} from '../../src/store';
import { callsOf, createHarness, type Harness } from '../support/service-harness';

const LEASE = 30_000;
const BEAT = 5_000;
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

function makeNode(
  store: Store,
  id: string,
  clock: { t: number },
  calls: NodeCalls,
  over: { pid?: number; alive?: boolean; onDraining?: (retryAfterMs: number) => void } = {},
): NodeService {
  return new NodeService({
    store,
    log: pino({ level: 'silent' }),
    calls,
    settings: { id, heartbeatMs: BEAT, leaseMs: LEASE, drainMs: 60_000 },
    identity: { hostname: 'host-1', pid: over.pid ?? 1000, version: 'test', sipAddress: '127.0.0.1:5060' },
    now: () => clock.t,
    processAlive: () => over.alive ?? false,
    ...(over.onDraining ? { onDraining: over.onDraining } : {}),
  });
}

/** Node A owns the harness's calls; `clock` drives every node. */
async function setup(retry = false, onDraining?: (retryAfterMs: number) => void) {
  const clock = { t: 1_000_000 };
  let a: NodeService | undefined;
  h = createHarness({
    settings: {
      ringTimeoutMs: 60_000,
      ...(retry
        ? { retry: { initialMs: 1000, factor: 2, maxMs: 10_000, maxTries: 2, outcomes: ['busy', 'interrupted'] } }
        : {}),
    },
    ownership: (store) => {
      a = makeNode(
        store,
        'node-a',
        clock,
        callsOf(() => h!),
        onDraining ? { onDraining } : {},
      );
      return a;
    },
  });
  await a!.start();
  return { clock, a: a! };
}

/** An attempt node A placed: queued, owned by A with a lease (the call itself never starts here). */
function placeOwned(a: NodeService): string {
  const user = createUser(h!.store.db, { username: `u${Math.random().toString(36).slice(2)}` });
  const method = addPhoneMethod(h!.store.db, { userId: user.id, kind: 'office', country: 'SE', e164: '+46812345678' });
  // A call that rings forever: the attempt stays in flight until someone ends it.
  h!.backend.enqueue({ dial: { kind: 'never' } });
  const r = h!.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
  if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  expect(getAttempt(h!.store.db, r.attempt.id)).toMatchObject({
    ownerNode: 'node-a',
    leaseUntil: a ? expect.any(Number) : null,
  });
  return r.attempt.id;
}

describe('node leases', () => {
  it('a survivor ends the attempts of a silent node exactly when its lease runs out', async () => {
    const { clock, a } = await setup();
    const id = placeOwned(a);
    const leaseAt = clock.t + LEASE;
    expect(getAttempt(h!.store.db, id)?.leaseUntil).toBe(leaseAt);

    const b = makeNode(
      h!.store,
      'node-b',
      clock,
      callsOf(() => h!),
    );
    await b.start();
    expect(getAttempt(h!.store.db, id)?.state).not.toBe('ended');

    // A beats at +20 s: the lease moves to +50 s. B beating at +49.999 s and at exactly +50 s finds nothing.
    clock.t += 20_000;
    await a.beat();
    const renewed = clock.t + LEASE;
    expect(getAttempt(h!.store.db, id)?.leaseUntil).toBe(renewed);
    clock.t = renewed - 1;
    await b.beat();
    expect(getAttempt(h!.store.db, id)?.state).not.toBe('ended');
    clock.t = renewed;
    await b.beat();
    expect(getAttempt(h!.store.db, id)?.state).not.toBe('ended');

    // One millisecond past the lease (A silent — killed): B ends it as interrupted and owns the row.
    clock.t = renewed + 1;
    await b.beat();
    const ended = getAttempt(h!.store.db, id)!;
    expect(ended).toMatchObject({
      state: 'ended',
      outcome: 'interrupted',
      reasonCode: 'node-lost',
      ownerNode: 'node-b',
    });
    // A, waking up, may not dial it: the claim before the INVITE fails.
    expect(a.confirm(id)).toBe(false);
    b.stop();
  });

  it('exactly one of two survivors wins the claim', async () => {
    const { clock, a } = await setup();
    const id = placeOwned(a);
    clock.t += LEASE + 1;
    const [seen] = orphanedAttempts(h!.store.db, { at: clock.t, self: 'node-b', atStart: false });
    expect(seen?.id).toBe(id);
    // Both read the same row; the conditional update lets only the first through.
    expect(claimOrphan(h!.store.db, seen!, 'node-b', clock.t + LEASE)).toBe(true);
    expect(claimOrphan(h!.store.db, seen!, 'node-c', clock.t + LEASE)).toBe(false);
    expect(getAttempt(h!.store.db, id)?.ownerNode).toBe('node-b');
  });

  it('a restart under the same node id ends its previous attempts at once, and the retry policy applies', async () => {
    const { clock, a } = await setup(true);
    const id = placeOwned(a);
    // kill -9: no stop, no beat. The same node starts again 1 s later (its lease has 29 s to run).
    clock.t += 1000;
    const again = makeNode(
      h!.store,
      'node-a',
      clock,
      callsOf(() => h!),
      { pid: 2000, alive: false },
    );
    await again.start();
    const ended = getAttempt(h!.store.db, id)!;
    expect(ended).toMatchObject({ state: 'ended', outcome: 'interrupted', reasonCode: 'process-restart' });
    // enrollment + `interrupted` in the retry outcomes: a retry is due after the backoff (1 s).
    expect(ended.retryDueAt).toBe((ended.endedAt ?? 0) + 1000);
    again.stop();
  });

  it('a restart frees the call slots (shared rate limits) its previous run held; a refused duplicate frees none', async () => {
    const { clock } = await setup();
    const limits = {
      perUser: { max: 0, windowSeconds: 60 },
      perNumber: { max: 0, windowSeconds: 60 },
      globalConcurrent: 5,
      globalPerMinute: 0,
    };
    const ledger = new StoreRateLimitLedger(h!.store.db, { nodeId: 'node-a', leaseMs: LEASE, limits });
    expect(ledger.acquire({ number: '+46812345678' }, clock.t).ok).toBe(true);
    const start = (alive: boolean) =>
      makeNode(
        h!.store,
        'node-a',
        clock,
        callsOf(() => h!),
        { pid: 2000, alive },
      ).start();
    // The first run (pid 1000) is alive: the second start is refused and the slot stays.
    await expect(start(true)).rejects.toThrow(/in use by a running fyrkant/);
    expect(ledger.active).toBe(1);
    // It was killed: the next start takes over, and the call it held is no longer counted.
    clock.t += 1000;
    await start(false);
    expect(ledger.active).toBe(0);
  });

  it('refuses to start while a live process on this host runs under the same node id', async () => {
    const { clock } = await setup();
    const dup = makeNode(
      h!.store,
      'node-a',
      clock,
      callsOf(() => h!),
      { pid: 3000, alive: true },
    );
    await expect(dup.start()).rejects.toThrow(/node id "node-a" is in use by a running fyrkant \(pid 1000\)/);
    // Once its heartbeat is older than a lease, the old process is taken for dead.
    clock.t += LEASE + 1;
    await expect(dup.start()).resolves.toBeUndefined();
  });
});

describe('drain', () => {
  it('a drain request in the database is noticed on the next beat; no new call is recorded', async () => {
    const { clock, a } = await setup();
    const drains: unknown[] = [];
    a.onDrain((s) => drains.push(s));
    expect(requestNodeDrain(h!.store.db, 'node-a', 'cli', clock.t)).toBe(true);
    expect(requestNodeDrain(h!.store.db, 'no-such-node', 'cli', clock.t)).toBe(false);
    clock.t += BEAT;
    await a.beat();
    expect(drains).toEqual([{ kind: 'request', by: 'cli' }]);
    await expect(a.drain({ kind: 'request', by: 'cli' })).resolves.toBe('drained');
    expect(getNode(h!.store.db, 'node-a')?.state).toBe('draining');

    const user = createUser(h!.store.db, { username: 'late' });
    const method = addPhoneMethod(h!.store.db, {
      userId: user.id,
      kind: 'office',
      country: 'SE',
      e164: '+46812345679',
    });
    const before = listAttempts(h!.store.db).length;
    const r = h!.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    expect(r).toMatchObject({ status: 'unavailable', reasonCode: 'node-draining', retryAfterMs: 10_000 });
    expect(r.status === 'unavailable' && r.message.sv).toMatch(/tar inte emot nya samtal/);
    expect(listAttempts(h!.store.db).length).toBe(before);
    expect(h!.backend.dials).toHaveLength(0);

    a.stop();
    expect(listNodes(h!.store.db)).toMatchObject([{ id: 'node-a', state: 'stopped', activeCalls: 0 }]);
  });
});

describe('drain tells the telephony side', () => {
  it('once, as the drain begins, with the Retry-After of the HTTP refusals', async () => {
    const told: number[] = [];
    const { a } = await setup(false, (ms) => told.push(ms));
    expect(told).toEqual([]);
    const first = a.drain({ kind: 'signal', signal: 'SIGTERM' });
    expect(told).toEqual([10_000]);
    await first;
    await a.drain({ kind: 'request', by: 'cli' });
    expect(told).toEqual([10_000]);
    a.stop();
  });

  it('a hook that throws does not stop the drain', async () => {
    const { a } = await setup(false, () => {
      throw new Error('backend gone');
    });
    await expect(a.drain({ kind: 'signal', signal: 'SIGTERM' })).resolves.toBe('drained');
    expect(a.refusal()).toMatchObject({ reasonCode: 'node-draining' });
    a.stop();
  });
});

describe('retries across nodes', () => {
  const BUSY = { dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } } as const;
  const retry = { initialMs: 60_000, factor: 2, maxMs: 60_000, maxTries: 2, outcomes: ['busy' as const] };

  it('a due retry is claimed before its call is placed: a second node that saw it due dials nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fyrkant-retry-nodes-'));
    const clock = { t: Date.now() };
    let nodeA: NodeService | undefined;
    let nodeB: NodeService | undefined;
    const a = createHarness({
      dir,
      settings: { retry },
      ownership: (store) =>
        (nodeA = makeNode(
          store,
          'node-a',
          clock,
          callsOf(() => a),
        )),
    });
    // A second node: its own connection to the same database file, its own telephony.
    const b = createHarness({
      dir,
      settings: { retry },
      ownership: (store) =>
        (nodeB = makeNode(
          store,
          'node-b',
          clock,
          callsOf(() => b),
        )),
    });
    try {
      await nodeA!.start();
      await nodeB!.start();
      const user = createUser(a.store.db, { username: 'retry-me' });
      const method = addPhoneMethod(a.store.db, {
        userId: user.id,
        kind: 'office',
        country: 'SE',
        e164: '+46812345670',
      });
      a.backend.enqueue(BUSY);
      const r = a.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
      if (r.status !== 'queued') throw new Error(r.status);
      expect(await a.ended(r.attempt.id)).toMatchObject({ outcome: 'busy' });
      const later = Date.now() + 120_000;
      // Both nodes' retry jobs read the due retry at the same moment…
      const [seenByB] = dueRetries(b.store.db, later);
      expect(seenByB?.id).toBe(r.attempt.id);
      // …node A places it first; node B, acting on what it read, must not dial again.
      expect(await a.service.processDueRetries(later)).toBe(1);
      const placed = (b.service as unknown as { placeRetry(row: unknown): unknown }).placeRetry(seenByB);
      expect(placed).toBeUndefined();
      expect(b.backend.dials).toHaveLength(0);
      expect(a.backend.dials).toHaveLength(2);
      const attempts = listAttempts(a.store.db);
      expect(attempts).toHaveLength(2);
      expect(getAttempt(a.store.db, r.attempt.id)?.nextAttemptId).toBe(
        attempts.find((x) => x.retryOf === r.attempt.id)?.id,
      );
    } finally {
      nodeA?.stop();
      nodeB?.stop();
      await b.close();
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a draining node leaves a due retry due (for another node or its next start)', async () => {
    const clock = { t: Date.now() };
    let node: NodeService | undefined;
    h = createHarness({
      settings: { retry },
      ownership: (store) =>
        (node = makeNode(
          store,
          'node-a',
          clock,
          callsOf(() => h!),
        )),
    });
    await node!.start();
    const user = createUser(h.store.db, { username: 'retry-later' });
    const method = addPhoneMethod(h.store.db, { userId: user.id, kind: 'office', country: 'SE', e164: '+46812345671' });
    h.backend.enqueue(BUSY);
    const r = h.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    if (r.status !== 'queued') throw new Error(r.status);
    const ended = await h.ended(r.attempt.id);
    await node!.drain({ kind: 'signal', signal: 'SIGTERM' });
    expect(await h.service.processDueRetries(Date.now() + 120_000)).toBe(0);
    expect(getAttempt(h.store.db, r.attempt.id)).toMatchObject({ retryDueAt: ended.retryDueAt, nextAttemptId: null });
    expect(h.backend.dials).toHaveLength(1);
    node!.stop();
  });
});
