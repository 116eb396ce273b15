/**
 * Login throttle (issue 13) under a fake clock: growing delays per (source, account), never a
 * lock-out for the right secret, other sources unaffected, sprays across accounts slowed, parallel
 * tries serialised, and memory bounded.
 */
import { LoginThrottle } from '../../src/domain/login-throttle';
import { MemoryThrottleState } from '../../src/domain/login-throttle-memory';
import { FakeThrottleClock } from '../support/throttle-clock';

const OPTS = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, sprayFreeAccounts: 5, maxWaitMs: 60_000 };

/** Runs one try; if it sleeps, returns the wait it asked for after letting the fake clock pass it. */
async function run(t: LoginThrottle, clock: FakeThrottleClock, source: string, account: string, ok: boolean) {
  const before = clock.sleeps.length;
  const p = t.attempt(source, account, async () => ok);
  await Promise.resolve();
  const waited = clock.sleeps.slice(before).reduce((a, b) => a + b, 0);
  if (waited > 0) clock.advance(waited);
  const v = await p;
  return { verdict: v, waited };
}

describe('LoginThrottle', () => {
  let clock: FakeThrottleClock;
  let t: LoginThrottle;
  beforeEach(() => {
    clock = new FakeThrottleClock();
    t = new LoginThrottle(OPTS, clock);
  });

  it('lets the first failures through at once, then doubles the delay up to the cap', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) waits.push((await run(t, clock, '10.0.0.9', 'anna', false)).waited);
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
  });

  it('never refuses the right secret: it waits, then succeeds, and success resets the count', async () => {
    for (let i = 0; i < 5; i++) await run(t, clock, '10.0.0.9', 'anna', false);
    const right = await run(t, clock, '10.0.0.9', 'anna', true);
    expect(right).toEqual({ verdict: { status: 'checked', ok: true, waitedMs: 4000 }, waited: 4000 });
    expect((await run(t, clock, '10.0.0.9', 'anna', false)).waited).toBe(0);
  });

  it('an attacker elsewhere cannot slow the real user down (per source + account)', async () => {
    for (let i = 0; i < 20; i++) await run(t, clock, '203.0.113.66', 'anna', false);
    expect(t.pendingDelay('203.0.113.66', 'anna')).toBe(8000);
    expect(t.pendingDelay('10.0.0.9', 'anna')).toBe(0);
    expect(await run(t, clock, '10.0.0.9', 'anna', true)).toEqual({
      verdict: { status: 'checked', ok: true, waitedMs: 0 },
      waited: 0,
    });
  });

  it('throttles a password spray: one source failing across many accounts slows down for all of them', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) waits.push((await run(t, clock, '198.51.100.5', `user${i}`, false)).waited);
    // Five accounts are free, then the source's tries wait 1 s, 2 s, 4 s …
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 1000, 2000, 4000]);
    // A fresh account from the same source waits as well; another source does not.
    expect(t.pendingDelay('198.51.100.5', 'fresh')).toBe(8000);
    expect(t.pendingDelay('198.51.100.6', 'fresh')).toBe(0);
  });

  it('forgets failures after the window', async () => {
    for (let i = 0; i < 5; i++) await run(t, clock, '10.0.0.9', 'anna', false);
    clock.advance(15 * 60_000 + 1);
    expect((await run(t, clock, '10.0.0.9', 'anna', false)).waited).toBe(0);
  });

  it('serialises parallel tries instead of letting them skip the delay; refuses only beyond maxWaitMs', async () => {
    const small = new LoginThrottle({ ...OPTS, freeFailures: 0, maxWaitMs: 5000 }, clock);
    await run(small, clock, '10.0.0.9', 'anna', false); // the next try waits 1 s
    const parallel = Array.from({ length: 6 }, () => small.attempt('10.0.0.9', 'anna', async () => false));
    await Promise.resolve();
    // Each reserved the next slot: 1 s, then +2 s … so the waits grow; beyond 5 s they are refused.
    const settled: string[] = [];
    parallel.forEach((p, i) => {
      void p.then((v) => settled.push(`${i}:${v.status}`));
    });
    for (let i = 0; i < 20 && settled.length < 6; i++) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    const verdicts = await Promise.all(parallel);
    const checked = verdicts.filter((v) => v.status === 'checked');
    const busy = verdicts.filter((v) => v.status === 'busy');
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(checked.length + busy.length).toBe(6);
    const waits = checked.map((v) => (v.status === 'checked' ? v.waitedMs : -1));
    expect(new Set(waits).size).toBe(waits.length); // no two ran in the same slot
    for (const b of busy) expect(b.status === 'busy' && b.retryAfterMs).toBeGreaterThan(5000);
  });

  it('keeps memory bounded under a flood of sources', async () => {
    const state = new MemoryThrottleState(100, 15 * 60_000);
    const bounded = new LoginThrottle({ ...OPTS, maxEntries: 100 }, clock, state);
    for (let i = 0; i < 1000; i++) await bounded.attempt(`10.1.${i >> 8}.${i & 255}`, `u${i}`, async () => false);
    const internals = state as unknown as { pairs: Map<string, unknown>; sources: Map<string, unknown> };
    expect(internals.pairs.size).toBeGreaterThan(0);
    expect(internals.pairs.size).toBeLessThanOrEqual(100);
    expect(internals.sources.size).toBeLessThanOrEqual(100);
  });
});
