/**
 * Issue 20: trace events are written once per event-loop turn, in one transaction, and published
 * only after that commit; a state change writes the queued events first (same transaction) so the
 * stored trace keeps its order; a failing change rolls back and loses no event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/log';
import { AttemptBus, type AttemptUpdate } from '../../src/services/verification/attempt-bus';
import { TraceBatch } from '../../src/services/verification/trace-batch';
import {
  createAttempt,
  createUser,
  getAttempt,
  getUser,
  listAttemptEvents,
  openStore,
  type Store,
  transitionAttempt,
} from '../../src/store';

let dir: string;
let store: Store;
let bus: AttemptBus;
let seen: AttemptUpdate[];
let batch: TraceBatch;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-trace-batch-'));
  store = openStore({ path: join(dir, 'f.db') });
  bus = new AttemptBus();
  seen = [];
  bus.subscribe('*', (u) => seen.push(u));
  batch = new TraceBatch(store, bus, silentLogger());
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const nextTurn = () => new Promise<void>((r) => setImmediate(r));
const note = (message: string, at = 1000) => ({ kind: 'note' as const, at, level: 'info' as const, message });

it('writes the events of one turn in one batch after the turn, then publishes them in order', async () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  const b = createAttempt(store.db, { purpose: 'sign-in' });
  const before = listAttemptEvents(store.db, a.id).length;
  batch.add(a.id, note('a1'));
  batch.add(b.id, note('b1'));
  batch.add(a.id, note('a2'));
  batch.add(a.id, {
    kind: 'sip',
    at: 1001,
    direction: 'out',
    summary: 'INVITE sip:x@y',
    raw: 'INVITE sip:x@y SIP/2.0\r\nAuthorization: Digest username="u", response="secret"\r\n\r\n',
  } as never);
  // Nothing is written or told before the turn ends.
  expect(listAttemptEvents(store.db, a.id)).toHaveLength(before);
  expect(seen).toEqual([]);
  await nextTurn();
  expect(batch.batches).toBe(1);
  const rows = listAttemptEvents(store.db, a.id).slice(before);
  expect(rows.map((r) => [r.seq, r.summary])).toEqual([
    [before + 1, 'info: a1'],
    [before + 2, 'info: a2'],
    [before + 3, '→ INVITE sip:x@y'],
  ]);
  expect(rows[2]!.raw).not.toContain('secret');
  expect(listAttemptEvents(store.db, b.id).at(-1)!.summary).toBe('info: b1');
  expect(seen.map((u) => (u.type === 'trace' ? `${u.attemptId === a.id ? 'a' : 'b'}${u.seq}` : u.type))).toEqual([
    `a${before + 1}`,
    `b${before + 1}`,
    `a${before + 2}`,
    `a${before + 3}`,
  ]);
});

it('a state change commits the queued events first, in its own transaction', () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  batch.add(a.id, note('before dialling'));
  batch.writeWith(() => transitionAttempt(store.db, a.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' }));
  expect(listAttemptEvents(store.db, a.id).map((r) => r.summary)).toEqual([
    'state → queued',
    'info: before dialling',
    'state → dialling (sip:x@y)',
  ]);
  expect(batch.size).toBe(0);
});

it('a failing change rolls back the queued events with it and keeps them for the next write', async () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  const before = listAttemptEvents(store.db, a.id).length;
  batch.add(a.id, note('kept'));
  expect(() =>
    batch.writeWith(() => {
      transitionAttempt(store.db, a.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' });
      throw new Error('boom');
    }),
  ).toThrow('boom');
  expect(listAttemptEvents(store.db, a.id)).toHaveLength(before);
  await nextTurn();
  expect(listAttemptEvents(store.db, a.id).map((r) => r.summary)).toEqual([
    ...listAttemptEvents(store.db, a.id)
      .slice(0, before)
      .map((r) => r.summary),
    'info: kept',
  ]);
});

it('runs `committed` after the commit and before the queued events are published', () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  batch.add(a.id, note('the digit'));
  const order: string[] = [];
  bus.subscribe(a.id, () => order.push(`published, attempt ${getAttempt(store.db, a.id)?.state}`));
  batch.writeWith(
    () => transitionAttempt(store.db, a.id, { to: 'ended', outcome: 'approved' }),
    (r) => order.push(`committed ${r.state}, stored ${getAttempt(store.db, a.id)?.state}`),
  );
  // SSE wakes on the published trace, sees the attempt ended and takes the app password: it must be
  // in place by then (a CI run lost it when it was put after writeWith returned).
  expect(order).toEqual(['committed ended, stored ended', 'published, attempt ended']);
});

it('holds the write lock from the start, so a change that reads first cannot be refused by a writer that committed in between', () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  const other = new Database(join(dir, 'f.db'));
  other.pragma('busy_timeout = 0');
  try {
    batch.writeWith(() => {
      // Another process (the CLI) cannot slip a commit in between our read and our write.
      expect(() => other.prepare('UPDATE attempts SET updated_at = 1 WHERE id = ?').run(a.id)).toThrow(/locked|busy/i);
      return transitionAttempt(store.db, a.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' });
    });
  } finally {
    other.close();
  }
});

it('state changes queued in one turn commit with the trace in one batch, in order, and are each published after it', async () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  batch.transition(a.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' });
  batch.add(a.id, note('INVITE sent'));
  batch.transition(a.id, { to: 'answered', sipStatus: 200, callId: 'c1' });
  // A late 180 after the answer is dropped, not an error, and nothing after it is lost.
  batch.transition(a.id, { to: 'ringing', sipStatus: 180 });
  batch.transition(a.id, { to: 'in-script', scriptId: 'signin-approve', scriptHash: 'h' });
  batch.transition(a.id, { to: 'listening' });
  batch.add(a.id, note('prompt'));
  expect(getAttempt(store.db, a.id)!.state).toBe('queued');
  expect(seen).toEqual([]);
  await nextTurn();
  expect(batch.batches).toBe(1);
  const rows = listAttemptEvents(store.db, a.id);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  expect(rows.map((r) => r.summary)).toEqual([
    'state → queued',
    'state → dialling (sip:x@y)',
    'info: INVITE sent',
    'state → answered',
    'state → in-script (signin-approve)',
    'state → listening',
    'info: prompt',
  ]);
  const row = getAttempt(store.db, a.id)!;
  expect([row.state, row.callId, row.sipStatus, row.scriptId, row.ringingAt]).toEqual([
    'listening',
    'c1',
    200,
    'signin-approve',
    null,
  ]);
  expect(seen.map((u) => (u.type === 'state' ? u.state : u.type === 'trace' ? u.seq : u.type))).toEqual([
    'dialling',
    3,
    'answered',
    'in-script',
    'listening',
    7,
  ]);
});

it('the end commits what is queued first: the outcome never overtakes a state change', () => {
  const a = createAttempt(store.db, { purpose: 'sign-in' });
  batch.transition(a.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' });
  batch.transition(a.id, { to: 'answered', sipStatus: 200 });
  batch.writeWith(() => transitionAttempt(store.db, a.id, { to: 'ended', outcome: 'approved' }));
  expect(
    listAttemptEvents(store.db, a.id)
      .filter((e) => e.kind === 'state')
      .map((e) => e.summary),
  ).toEqual(['state → queued', 'state → dialling (sip:x@y)', 'state → answered', 'state → ended (approved)']);
  expect(seen.filter((u) => u.type === 'state').map((u) => (u.type === 'state' ? u.state : ''))).toEqual([
    'dialling',
    'answered',
  ]);
});

it('statements prepared on one connection are not reused after close: a reopened store works the same', async () => {
  const first = createAttempt(store.db, { purpose: 'sign-in' });
  transitionAttempt(store.db, first.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' });
  const user = createUser(store.db, { username: 'ann' });
  expect(getUser(store.db, user.id)!.username).toBe('ann');
  store.close();
  store = openStore({ path: join(dir, 'f.db') });
  batch = new TraceBatch(store, bus, silentLogger());
  expect(getUser(store.db, user.id)!.username).toBe('ann');
  expect(getAttempt(store.db, first.id)!.state).toBe('dialling');
  batch.transition(first.id, { to: 'answered', sipStatus: 200 });
  await nextTurn();
  const second = createAttempt(store.db, { purpose: 'sign-in' });
  expect(getAttempt(store.db, first.id)!.state).toBe('answered');
  expect(listAttemptEvents(store.db, first.id).at(-1)!.summary).toBe('state → answered');
  expect(getAttempt(store.db, second.id)!.state).toBe('queued');
});

it('a queued row that cannot be written does not hold back an outcome: the queue goes one by one, the outcome commits', () => {
  const gone = createAttempt(store.db, { purpose: 'sign-in' });
  const b = createAttempt(store.db, { purpose: 'sign-in' });
  batch.transition(gone.id, { to: 'dialling', dialledTarget: 'sip:x@y', backend: 'b' });
  batch.add(b.id, note('b before the end'));
  // An admin deleted the other call's attempt meanwhile.
  store.sqlite.prepare('DELETE FROM attempts WHERE id = ?').run(gone.id);
  const ended = batch.writeWith(() => transitionAttempt(store.db, b.id, { to: 'ended', outcome: 'approved' }));
  expect(ended.state).toBe('ended');
  expect(getAttempt(store.db, b.id)!.outcome).toBe('approved');
  expect(
    listAttemptEvents(store.db, b.id)
      .map((e) => e.summary)
      .slice(1),
  ).toEqual(['info: b before the end', 'state → ended (approved)']);
  expect(batch.size).toBe(0);
});
