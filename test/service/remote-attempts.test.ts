/**
 * The feed of attempts another node runs (issue 19): two "nodes" share one SQLite file; node A
 * writes its call's states as the verification service does, node B's bus has a listener for it.
 * The timer is driven by hand, so every poll is exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AttemptBus, type AttemptUpdate } from '../../src/services/verification/attempt-bus';
import { RemoteAttemptFeed, type RemoteFeedTimers } from '../../src/services/verification/remote-attempts';
import {
  appendAttemptEvent,
  claimRetry,
  createAttempt,
  openStore,
  ownAttempt,
  type Store,
  scheduleRetry,
  transitionAttempt,
} from '../../src/store';

let dir: string;
let a: Store; // node A's connection: runs the call
let b: Store; // node B's connection: has the listener

class HandTimer implements RemoteFeedTimers {
  fn: (() => void) | undefined;
  setInterval(fn: () => void) {
    this.fn = fn;
    return 1;
  }
  clearInterval() {
    this.fn = undefined;
  }
  tick() {
    this.fn?.();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-remote-'));
  a = openStore({ path: join(dir, 'f.db') });
  b = openStore({ path: join(dir, 'f.db') });
});
afterEach(() => {
  a.close();
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

function nodeB() {
  const bus = new AttemptBus();
  const timer = new HandTimer();
  const feed = new RemoteAttemptFeed(b, bus, pino({ level: 'silent' }), {
    nodeId: 'node-b',
    pollMs: 250,
    timers: timer,
  });
  feed.start();
  return { bus, timer, feed };
}

const LATER = Date.now() + 60_000;

function placedOnA(): string {
  const at = createAttempt(a.db, { purpose: 'sign-in', destination: '+46812345678' });
  expect(ownAttempt(a.db, at.id, 'node-a', LATER)).toBe(true);
  return at.id;
}

const brief = (u: AttemptUpdate) =>
  u.type === 'trace'
    ? `trace ${u.seq} ${u.summary}`
    : u.type === 'state'
      ? `state ${u.state}${u.outcome ? ` ${u.outcome}` : ''}`
      : `continued ${u.nextAttemptId}`;

describe('RemoteAttemptFeed', () => {
  it('rings every trace row and state of a call node A runs, in order, once each', () => {
    const { bus, timer } = nodeB();
    const id = placedOnA();
    transitionAttempt(a.db, id, { to: 'dialling', dialledTarget: 'sip:+46812345678@pbx', backend: 'embedded' });
    const got: string[] = [];
    const stop = bus.subscribe(id, (u) => got.push(brief(u)));
    timer.tick();
    expect(got).toEqual([]); // what was there at subscribe time the listener read itself

    transitionAttempt(a.db, id, { to: 'ringing', sipStatus: 180 });
    appendAttemptEvent(a.db, id, { at: Date.now(), kind: 'sip', summary: '← 200 OK', data: null });
    transitionAttempt(a.db, id, { to: 'answered' });
    timer.tick();
    timer.tick(); // nothing new: nothing rung again
    transitionAttempt(a.db, id, { to: 'ended', outcome: 'approved', reasonCode: 'pound' });
    timer.tick();
    expect(got).toEqual([
      'trace 3 state → ringing (180)',
      'state ringing',
      'trace 4 ← 200 OK',
      'trace 5 state → answered',
      'state answered',
      'trace 6 state → ended (approved pound)',
      'state ended approved',
    ]);
    stop();
  });

  it('says when a retry continues the attempt', () => {
    const { bus, timer } = nodeB();
    const id = placedOnA();
    const got: string[] = [];
    bus.subscribe(id, (u) => got.push(brief(u)));
    transitionAttempt(a.db, id, { to: 'ended', outcome: 'busy', reasonCode: 'busy' });
    scheduleRetry(a.db, id, Date.now());
    timer.tick();
    const next = createAttempt(a.db, { purpose: 'sign-in', destination: '+46812345678' });
    expect(claimRetry(a.db, id, next.id)).toBe(true);
    timer.tick();
    expect(got.filter((g) => !g.startsWith('trace'))).toEqual(['state ended busy', `continued ${next.id}`]);
  });

  it('leaves this node’s own calls and `*` listeners alone, and stops reading when nobody listens', () => {
    const { bus, timer, feed } = nodeB();
    const own = createAttempt(a.db, { purpose: 'sign-in', destination: '+46812345678' });
    expect(ownAttempt(a.db, own.id, 'node-b', LATER)).toBe(true);
    const foreign = placedOnA();
    const got: string[] = [];
    const all: string[] = [];
    bus.subscribe('*', (u) => all.push(brief(u)));
    bus.subscribe(own.id, (u) => got.push(`own ${brief(u)}`));
    const stop = bus.subscribe(foreign, (u) => got.push(`foreign ${brief(u)}`));
    transitionAttempt(a.db, own.id, { to: 'dialling', dialledTarget: 'x', backend: 'embedded' });
    transitionAttempt(a.db, foreign, { to: 'dialling', dialledTarget: 'x', backend: 'embedded' });
    timer.tick();
    expect(got).toEqual(['foreign trace 2 state → dialling (x)', 'foreign state dialling']);
    expect(all).toEqual([]);

    stop();
    const rungBefore = feed.rung;
    transitionAttempt(a.db, foreign, { to: 'ringing' });
    timer.tick();
    expect(feed.rung).toBe(rungBefore);
  });
});
