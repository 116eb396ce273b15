/**
 * Issue 12, defects 5–7 at the service: the final SIP status is stored, a blocked user's attempt has
 * its own outcome, and cancel works for queued and running attempts. Waits on the attempt bus / the
 * stored state, never on fixed sleeps.
 */
import { addPhoneMethod, createUser, getAttempt, updateUser } from '../../src/store';
import { afterPrompt, press } from '../support/fake-telephony';
import { createHarness, type Harness } from '../support/service-harness';
import { until } from '../support/until';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function userWithPhone(harness: Harness) {
  const user = createUser(harness.store.db, { username: `u${Math.random().toString(36).slice(2)}`, displayName: 'A' });
  const method = addPhoneMethod(harness.store.db, {
    userId: user.id,
    kind: 'office',
    country: 'SE',
    e164: '+46812345678',
    extension: null,
  });
  return { user, method };
}

function enroll(harness: Harness) {
  const { user, method } = userWithPhone(harness);
  const r = harness.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
  if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  return r.attempt;
}

describe('attempt end details', () => {
  it('an answered call stores its final status 200, not the 180 seen while ringing', async () => {
    h = createHarness();
    h.backend.enqueue({
      progress: [{ atMs: 1, progress: 'ringing' }],
      dial: { kind: 'answer', afterMs: 20 },
      steps: [press('#', afterPrompt(), 5)],
    });
    const a = enroll(h);
    await until(() => getAttempt(h.store.db, a.id)?.state === 'ringing' || !!getAttempt(h.store.db, a.id)?.answeredAt);
    const ended = await h.ended(a.id);
    expect([ended.outcome, ended.sipStatus]).toEqual(['approved', 200]);
  });

  it("a blocked user's attempt is recorded as blocked (not rate-limited) and nothing is dialled", () => {
    h = createHarness();
    const { user, method } = userWithPhone(h);
    updateUser(h.store.db, user.id, { blockedUntil: Date.now() + 60_000 });
    const r = h.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    expect(r.status).toBe('denied');
    if (r.status !== 'denied') return;
    expect([r.kind, r.attempt.outcome, r.attempt.reasonCode]).toEqual(['blocked', 'blocked', 'user-blocked']);
    expect(h.backend.dials).toHaveLength(0);
  });
});

describe('cancel', () => {
  it('a queued attempt ends cancelled at once and is never dialled', async () => {
    h = createHarness({ settings: { maxConcurrentCalls: () => 1 } });
    h.backend.enqueue({ dial: { kind: 'never' } });
    const running = enroll(h);
    const queued = enroll(h);
    expect(getAttempt(h.store.db, queued.id)?.state).toBe('queued');
    expect(h.service.cancel(queued.id)).toBe(true);
    expect(getAttempt(h.store.db, queued.id)).toMatchObject({ state: 'ended', outcome: 'cancelled' });
    // The running one is cancelled too; then the queue runs the cancelled job, which must not dial.
    expect(h.service.cancel(running.id)).toBe(true);
    expect((await h.ended(running.id)).outcome).toBe('cancelled');
    await h.service.queue.whenIdle();
    expect(h.backend.dials.map((d) => d.attemptId)).toEqual([running.id]);
    expect(h.service.cancel(queued.id)).toBe(false);
  });

  it('a running (ringing) attempt is cancelled with a CANCEL and ends cancelled', async () => {
    h = createHarness();
    h.backend.enqueue({ dial: { kind: 'never' } });
    const a = enroll(h);
    await until(() => h.backend.dials.length === 1);
    expect(h.service.cancel(a.id)).toBe(true);
    expect(await h.ended(a.id)).toMatchObject({ outcome: 'cancelled', reasonCode: 'cancelled' });
  });
});
