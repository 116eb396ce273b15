/**
 * Issue 19: a sign-in started for an explicitly chosen phone (`methodId`) never goes on to another
 * phone, even when the node running the call dies and a survivor (another process, its own store
 * connection and service) ends the attempt as `interrupted`. Without a chosen phone the backup step
 * still calls the user's other verified phone. The choice also travels to the retries of a chain.
 */
import pino from 'pino';
import { NodeService } from '../../src/services/nodes/node-service';
import { addPhoneMethod, createUser, dueRetries, getAttempt, type Store } from '../../src/store';
import { callsOf, createHarness, type Harness } from '../support/service-harness';
import { until } from '../support/until';

const LEASE = 30_000;
/** Sign-ins are never retried later (retryDelayFor); `interrupted` asks for the backup phone. */
const POLICY = {
  ringTimeoutMs: 60_000,
  backupPhone: true,
  retry: {
    initialMs: 1000,
    factor: 2,
    maxMs: 10_000,
    maxTries: 2,
    outcomes: ['busy' as const, 'interrupted' as const],
  },
};

let harnesses: Harness[] = [];
let nodes: NodeService[] = [];
afterEach(async () => {
  for (const n of nodes) n.stop();
  // The survivor shares the first harness's directory: closed first, the owner of the directory last.
  for (const x of harnesses.reverse()) await x.close();
  harnesses = [];
  nodes = [];
});

/** One fyrkant process: its own store connection, service and node, on the shared database file. */
async function processOn(nodeId: string, clock: { t: number }, dir?: string) {
  let node: NodeService | undefined;
  let h: Harness | undefined;
  h = createHarness({
    settings: POLICY,
    ...(dir ? { dir } : {}),
    ownership: (store: Store) => {
      node = new NodeService({
        store,
        log: pino({ level: 'silent' }),
        calls: callsOf(() => h!),
        settings: { id: nodeId, heartbeatMs: 5_000, leaseMs: LEASE, drainMs: 60_000 },
        identity: { hostname: nodeId, pid: 1000, version: 'test', sipAddress: '127.0.0.1:5060' },
        now: () => clock.t,
        processAlive: () => false,
      });
      return node;
    },
  });
  harnesses.push(h);
  nodes.push(node!);
  await node!.start();
  return { h, node: node! };
}

/** A user with two verified phones: the default office phone and a mobile. */
function userWithTwoPhones(h: Harness) {
  const user = createUser(h.store.db, { username: `u${Math.random().toString(36).slice(2)}`, displayName: 'Anna' });
  const office = addPhoneMethod(h.store.db, { userId: user.id, kind: 'office', country: 'SE', e164: '+46812345678' });
  const mobile = addPhoneMethod(h.store.db, { userId: user.id, kind: 'mobile', country: 'SE', e164: '+46701234567' });
  h.store.sqlite.prepare('UPDATE phone_methods SET verified_at = 1, is_default = 1 WHERE id = ?').run(office.id);
  h.store.sqlite.prepare('UPDATE phone_methods SET verified_at = 2 WHERE id = ?').run(mobile.id);
  return { user, office, mobile };
}

/**
 * Node A places a sign-in that rings forever and then goes silent (killed); node B, past A's lease,
 * ends it as interrupted. Returns B's process and the interrupted attempt.
 */
async function signInLostWithItsNode(chosen: 'office' | 'mobile' | undefined) {
  const clock = { t: 1_000_000 };
  const a = await processOn('node-a', clock);
  const phones = userWithTwoPhones(a.h);
  a.h.backend.enqueue({ dial: { kind: 'never' } });
  const r = a.h.service.start({
    userId: phones.user.id,
    purpose: 'sign-in',
    requestedBy: 'cli',
    ...(chosen ? { methodId: phones[chosen].id } : {}),
  });
  if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  await until(() => a.h.backend.dials.length === 1, "node A's dial");

  const b = await processOn('node-b', clock, a.h.dir);
  clock.t += LEASE + 1;
  await b.node.beat();
  const ended = getAttempt(b.h.store.db, r.attempt.id)!;
  expect(ended).toMatchObject({ state: 'ended', outcome: 'interrupted', reasonCode: 'node-lost', ownerNode: 'node-b' });
  return { a, b, phones, ended };
}

describe('a chosen phone survives a node loss', () => {
  it('started with methodId: the survivor calls no other phone, and a sign-in is not retried later', async () => {
    const { b, phones, ended } = await signInLostWithItsNode('mobile');
    expect(ended.methodChosen).toBe(true);
    expect(ended.phoneMethodId).toBe(phones.mobile.id);
    // The policy: no retry for a sign-in (nobody waits minutes at a login screen), no backup for a chosen phone.
    expect(ended).toMatchObject({ retryDueAt: null, nextAttemptId: null });
    expect(dueRetries(b.h.store.db, Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await b.h.service.processDueRetries(Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(b.h.backend.dials).toHaveLength(0);
  });

  it('started without methodId: the survivor calls the other verified phone at once, as before', async () => {
    const { b, phones, ended } = await signInLostWithItsNode(undefined);
    expect(ended.methodChosen).toBe(false);
    expect(ended.phoneMethodId).toBe(phones.office.id);
    await until(() => !!getAttempt(b.h.store.db, ended.id)?.nextAttemptId, 'the backup call to be placed');
    const next = getAttempt(b.h.store.db, getAttempt(b.h.store.db, ended.id)!.nextAttemptId!)!;
    expect(next).toMatchObject({ phoneMethodId: phones.mobile.id, retryOf: ended.id, tryNo: 2, methodChosen: false });
    await until(() => b.h.backend.dials.length === 1, "the survivor's backup dial");
    expect(b.h.backend.dials[0]?.requestUri).toBe('sip:+46701234567@pbx.test');
  });
});

describe('the choice travels along the chain', () => {
  it('a retry of an attempt for a chosen phone is for the same phone and is marked chosen too', async () => {
    const h = createHarness({ settings: { retry: { ...POLICY.retry, initialMs: 10 } } });
    harnesses.push(h);
    const { user, mobile } = userWithTwoPhones(h);
    h.backend.enqueue({ dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } }, { dial: { kind: 'never' } });
    // Enrollment: retried later on the same phone when busy (sign-ins are not).
    const r = h.service.start({ userId: user.id, methodId: mobile.id, purpose: 'enrollment', requestedBy: 'cli' });
    if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
    expect(r.attempt.methodChosen).toBe(true);
    expect((await h.ended(r.attempt.id)).outcome).toBe('busy');
    await until(() => !!getAttempt(h.store.db, r.attempt.id)?.nextAttemptId, 'the retry to be placed');
    const retry = getAttempt(h.store.db, getAttempt(h.store.db, r.attempt.id)!.nextAttemptId!)!;
    expect(retry).toMatchObject({ phoneMethodId: mobile.id, methodChosen: true, tryNo: 2, retryOf: r.attempt.id });
    h.service.cancel(retry.id);
    await h.ended(retry.id);
  });
});
