import { normaliseAppPassword } from '../../src/domain/app-passwords/generate';
import { hashSecret, verifySecret } from '../../src/domain/secrets/slow-hash';
import type { AttemptUpdate } from '../../src/services/verification/attempt-bus';
import {
  activeAppPasswordHashes,
  addPhoneMethod,
  createAttempt,
  createBypass,
  createUser,
  getAttempt,
  getPhoneMethod,
  getUser,
  listAttemptEvents,
  listAudit,
  listFraudReports,
  transitionAttempt,
} from '../../src/store';
import { afterPrompt, press } from '../support/fake-telephony';
import { createHarness, type Harness, TEST_SCRYPT } from '../support/service-harness';
import { until } from '../support/until';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function userWithPhone(harness: Harness, opts: { verified?: boolean; extension?: string; e164?: string } = {}) {
  const user = createUser(harness.store.db, {
    username: `u${Math.random().toString(36).slice(2)}`,
    displayName: 'Anna',
  });
  const method = addPhoneMethod(harness.store.db, {
    userId: user.id,
    kind: 'office',
    country: 'SE',
    e164: opts.e164 ?? '+46812345678',
    extension: opts.extension ?? null,
  });
  if (opts.verified)
    harness.store.sqlite
      .prepare('UPDATE phone_methods SET verified_at = 1, is_default = 1 WHERE id = ?')
      .run(method.id);
  return { user, method };
}

function start(harness: Harness, req: Parameters<Harness['service']['start']>[0]) {
  const r = harness.service.start(req);
  if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  return r.attempt;
}

describe('enrollment', () => {
  it('approved: method verified and default, app password issued once and stored only as a hash', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h, { extension: '1234' });
    h.backend.enqueue({ steps: [press('#', afterPrompt('greeting'), 10)] });
    const a = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    const ended = await h.ended(a.id);
    expect(ended.outcome).toBe('approved');
    expect(ended.digitsSent).toBe('1234');
    expect(h.backend.calls[0]!.allSentDigits).toBe('1234');
    const m = getPhoneMethod(h.store.db, method.id)!;
    expect(m.verifiedAt).not.toBeNull();
    expect(m.isDefault).toBe(true);
    const issued = h.service.takeIssuedAppPassword(a.id);
    expect(issued?.password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(h.service.takeIssuedAppPassword(a.id)).toBeUndefined();
    const hashes = activeAppPasswordHashes(h.store.db, user.id);
    expect(hashes).toHaveLength(1);
    expect(hashes[0]!.hash).not.toContain(issued!.password);
    expect(await verifySecret(normaliseAppPassword(issued!.password), hashes[0]!.hash)).toBe(true);
    expect(listAudit(h.store.db).map((e) => e.action)).toEqual(
      expect.arrayContaining(['phone-method.verified', 'app-password.issue']),
    );
  });

  it('a second approved enrollment does not issue another app password', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h);
    const second = addPhoneMethod(h.store.db, { userId: user.id, kind: 'mobile', country: 'SE', e164: '+46701234567' });
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] }, { steps: [press('#', afterPrompt(), 5)] });
    const a1 = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    await h.ended(a1.id);
    const a2 = start(h, { userId: user.id, methodId: second.id, purpose: 'enrollment', requestedBy: 'cli' });
    expect((await h.ended(a2.id)).outcome).toBe('approved');
    expect(h.service.takeIssuedAppPassword(a2.id)).toBeUndefined();
    // The first verified method stays the default.
    expect(getPhoneMethod(h.store.db, method.id)!.isDefault).toBe(true);
    expect(getPhoneMethod(h.store.db, second.id)!.isDefault).toBe(false);
    expect(getPhoneMethod(h.store.db, second.id)!.verifiedAt).not.toBeNull();
  });

  it('every state transition is committed before it is published, in order; answered + in-script in one commit', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h);
    // At each publish: the state events already committed, and the row's state.
    const seen: { state: string; committed: string[]; row: string | undefined }[] = [];
    const committedStates = (id: string) =>
      listAttemptEvents(h.store.db, id)
        .filter((e) => e.kind === 'state' && e.summary.startsWith('state'))
        .map((e) => e.summary.split(' ')[2]!);
    h.bus.subscribe('*', (u: AttemptUpdate) => {
      if (u.type === 'state')
        seen.push({
          state: u.state,
          committed: committedStates(u.attemptId),
          row: getAttempt(h.store.db, u.attemptId)?.state,
        });
    });
    h.backend.enqueue({
      progress: [{ atMs: 5, progress: 'ringing' }],
      dial: { kind: 'answer', afterMs: 30 },
      steps: [press('#', afterPrompt(), 5)],
    });
    const a = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    await h.ended(a.id);
    expect(seen.map((s) => s.state)).toEqual(['queued', 'dialling', 'ringing', 'answered', 'in-script', 'ended']);
    for (const [i, s] of seen.entries())
      expect(s.committed.slice(0, i + 1)).toEqual(seen.slice(0, i + 1).map((x) => x.state));
    // Answered and in-script happen in one turn: one commit (issue 20), published one after the other.
    const answered = seen.find((s) => s.state === 'answered')!;
    expect(answered.row).toBe('in-script');
    expect(answered.committed).toContain('in-script');
    expect(committedStates(a.id)).toEqual(['queued', 'dialling', 'ringing', 'answered', 'in-script', 'ended']);
  });
});

describe('sign-in', () => {
  it.each([
    ['#', 'approved'],
    ['0#', 'fraud'],
    ['5#', 'denied'],
  ])('pressing %s → %s', async (digits, outcome) => {
    h = createHarness();
    const { user } = userWithPhone(h, { verified: true });
    h.backend.enqueue({ steps: [press(digits, afterPrompt(), 5)] });
    const a = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    const ended = await h.ended(a.id);
    expect(ended.outcome).toBe(outcome);
    expect(ended.digitsReceived).toBe(digits);
    expect(ended.dtmfSource).toBe('rfc4733');
  });

  it('no input and remote hangup are recorded as such', async () => {
    h = createHarness();
    const { user } = userWithPhone(h, { verified: true });
    h.backend.enqueue({}, { steps: [{ on: { after: 'answer' }, delayMs: 20, action: { do: 'hangup' } }] });
    const a1 = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect((await h.ended(a1.id)).outcome).toBe('no-input');
    const a2 = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect((await h.ended(a2.id)).outcome).toBe('hangup');
  });

  it('a sign-in needs a verified phone', () => {
    h = createHarness();
    const { user } = userWithPhone(h);
    expect(h.service.start({ userId: user.id, purpose: 'sign-in', requestedBy: 'cli' }).status).toBe('no-method');
    expect(h.backend.dials).toHaveLength(0);
  });

  it.each([
    [{ kind: 'fail', reason: 'busy', sipStatus: 486, sipReason: 'Busy Here' } as const, 'busy', 486],
    [{ kind: 'fail', reason: 'not-found', sipStatus: 404, sipReason: 'Not Found' } as const, 'not-found', 404],
    [
      { kind: 'fail', reason: 'unavailable', sipStatus: 503, sipReason: 'Service Unavailable' } as const,
      'unavailable',
      503,
    ],
    // Our CANCEL at the ring timeout is answered 487; the outcome still says nobody answered.
    [{ kind: 'never' } as const, 'no-answer', 487],
  ])('dial failure %j → %s', async (dial, outcome, status) => {
    h = createHarness({ settings: { backupPhone: false } });
    const { user } = userWithPhone(h, { verified: true });
    h.backend.enqueue({ dial });
    const a = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    const ended = await h.ended(a.id);
    expect(ended.outcome).toBe(outcome);
    expect(ended.sipStatus ?? undefined).toBe(status);
  });

  it('falls back to the backup phone when the default does not answer', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h, { verified: true });
    const backup = addPhoneMethod(h.store.db, { userId: user.id, kind: 'mobile', country: 'SE', e164: '+46701234567' });
    h.store.sqlite.prepare('UPDATE phone_methods SET verified_at = 2 WHERE id = ?').run(backup.id);
    h.backend.enqueue(
      { dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } },
      { steps: [press('#', afterPrompt(), 5)] },
    );
    const continued: AttemptUpdate[] = [];
    const a = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    h.bus.subscribe(a.id, (u) => continued.push(u));
    const first = await h.ended(a.id);
    expect(first.outcome).toBe('busy');
    for (let i = 0; i < 100 && !getAttempt(h.store.db, a.id)?.nextAttemptId; i++)
      await new Promise((r) => setTimeout(r, 10));
    const nextId = getAttempt(h.store.db, a.id)!.nextAttemptId!;
    const next = await h.ended(nextId);
    expect(next.outcome).toBe('approved');
    expect(next.phoneMethodId).toBe(backup.id);
    expect(next.retryOf).toBe(a.id);
    expect(next.tryNo).toBe(2);
    expect(h.backend.dials.map((d) => d.requestUri)).toEqual([
      `sip:${method.e164}@pbx.test`,
      'sip:+46701234567@pbx.test',
    ]);
    expect(continued.some((u) => u.type === 'continued' && u.nextAttemptId === nextId)).toBe(true);
  });

  it('fraud: report recorded, user auto-blocked, audited; the next call is refused without dialling', async () => {
    h = createHarness({ settings: { fraudAutoBlockDays: 90 } });
    const { user } = userWithPhone(h, { verified: true });
    h.backend.enqueue({ steps: [press('0#', afterPrompt(), 5)] });
    const a = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect((await h.ended(a.id)).outcome).toBe('fraud');
    const reports = listFraudReports(h.store.db, { userId: user.id });
    expect(reports).toHaveLength(1);
    expect(reports[0]!.attemptId).toBe(a.id);
    expect(reports[0]!.digits).toBe('0#');
    const blockedUntil = getUser(h.store.db, user.id)!.blockedUntil!;
    expect(blockedUntil - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(listAudit(h.store.db, { action: 'fraud.report' })).toHaveLength(1);
    const again = h.service.start({ userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect(again.status).toBe('denied');
    expect(h.backend.dials).toHaveLength(1);
  });

  it('a one-time bypass approves once without a call and is audited', async () => {
    h = createHarness();
    const { user } = userWithPhone(h, { verified: true });
    createBypass(h.store.db, { userId: user.id, createdBy: 'apikey:x', reason: 'lost phone', ttlMs: 300_000 });
    const r = h.service.start({ userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect(r.status).toBe('bypassed');
    if (r.status !== 'bypassed') return;
    expect(r.attempt.outcome).toBe('approved');
    expect(r.attempt.reasonCode).toBe('bypass');
    expect(h.backend.dials).toHaveLength(0);
    expect(listAudit(h.store.db, { action: 'bypass.use' })).toHaveLength(1);
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    const second = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect((await h.ended(second.id)).outcome).toBe('approved');
    expect(h.backend.dials).toHaveLength(1);
  });

  it('PIN mode compares against the stored hash', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h, { verified: true });
    h.store.sqlite
      .prepare('UPDATE phone_methods SET pin_hash = ? WHERE id = ?')
      .run(await hashSecret('4711', TEST_SCRYPT), method.id);
    h.backend.enqueue({ steps: [press('4711#', afterPrompt(), 5)] }, { steps: [press('1234#', afterPrompt(), 5)] });
    const ok = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect((await h.ended(ok.id)).outcome).toBe('approved');
    expect(getAttempt(h.store.db, ok.id)!.scriptId).toBe('pin-verify');
    const bad = start(h, { userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
    expect((await h.ended(bad.id)).outcome).toBe('pin-failed');
  });
});

describe('policy, limits and the queue', () => {
  it('a policy denial is recorded as policy-denied and never dials', () => {
    h = createHarness();
    const { user, method } = userWithPhone(h, { e164: '+46900123456' });
    const r = h.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    expect(r.status).toBe('denied');
    if (r.status !== 'denied') return;
    expect(r.kind).toBe('policy');
    expect(r.attempt.outcome).toBe('policy-denied');
    expect(r.attempt.reasonCode).toBe('blocked-number-type:premium-rate');
    expect(h.backend.dials).toHaveLength(0);
  });

  it('over the rate limit → rate-limited with retry-after, no dial', async () => {
    h = createHarness();
    h.planner.perUserLimit = 1;
    const { user, method } = userWithPhone(h);
    h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
    const a = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    await h.ended(a.id);
    const r = h.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    expect(r.status).toBe('denied');
    if (r.status !== 'denied') return;
    expect([r.kind, r.attempt.outcome, r.retryAfterMs]).toEqual(['rate-limit', 'rate-limited', 60_000]);
    expect(h.backend.dials).toHaveLength(1);
  });

  it('the queue never runs more calls than the global limit', async () => {
    h = createHarness({
      settings: { maxConcurrentCalls: () => 2 },
      telephony: { defaultPlan: { dial: { kind: 'answer', afterMs: 30 }, steps: [press('#', afterPrompt(), 20)] } },
    });
    let maxActive = 0;
    h.bus.subscribe('*', () => {
      maxActive = Math.max(maxActive, h.backend.calls.filter((c) => !c.ended).length + 0);
    });
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const { user, method } = userWithPhone(h);
      ids.push(start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' }).id);
    }
    expect(h.service.queue.active).toBe(2);
    expect(h.service.queue.length).toBe(4);
    for (const id of ids) expect((await h.ended(id)).outcome).toBe('approved');
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(h.backend.dials).toHaveLength(6);
    // Every call's slot was given back, and every dial carried its own decision.
    expect(new Set(h.planner.released).size).toBe(6);
    expect(new Set(h.backend.dials.map((d) => d.policyDecisionId)).size).toBe(6);
  });

  it('an attempt that waited in the queue meets the rate limits at its turn, still before any INVITE', async () => {
    h = createHarness({
      settings: { maxConcurrentCalls: () => 1 },
      telephony: { defaultPlan: { dial: { kind: 'answer', afterMs: 20 }, steps: [press('#', afterPrompt(), 10)] } },
    });
    h.planner.perUserLimit = 1;
    const { user, method } = userWithPhone(h);
    const first = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    const waiting = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    expect(waiting.policyDecisionId).toBeNull();
    expect((await h.ended(first.id)).outcome).toBe('approved');
    const denied = await h.ended(waiting.id);
    expect([denied.outcome, denied.reasonCode, denied.dialledAt]).toEqual([
      'rate-limited',
      'rate-limit:per-user',
      null,
    ]);
    expect(h.backend.dials).toHaveLength(1);
  });

  it('busy enrollments are retried with backoff on the same phone', async () => {
    h = createHarness({
      settings: { retry: { initialMs: 50, factor: 2, maxMs: 1000, maxTries: 3, outcomes: ['busy'] } },
    });
    const { user, method } = userWithPhone(h);
    h.backend.enqueue(
      { dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } },
      { dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } },
      { steps: [press('#', afterPrompt(), 5)] },
    );
    const a = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    const first = await h.ended(a.id);
    expect(first.outcome).toBe('busy');
    expect(first.retryDueAt! - first.endedAt!).toBe(50);
    expect(await h.service.processDueRetries(first.endedAt! + 10)).toBe(0);
    expect(await h.service.processDueRetries(first.endedAt! + 50)).toBe(1);
    const second = await h.ended(getAttempt(h.store.db, a.id)!.nextAttemptId!);
    expect(second.outcome).toBe('busy');
    expect(second.retryDueAt! - second.endedAt!).toBe(100);
    await h.service.processDueRetries(second.endedAt! + 100);
    const third = await h.ended(getAttempt(h.store.db, second.id)!.nextAttemptId!);
    expect([third.outcome, third.tryNo, third.retryDueAt]).toEqual(['approved', 3, null]);
    expect(getPhoneMethod(h.store.db, method.id)!.verifiedAt).not.toBeNull();
  });
});

describe('crash recovery and shutdown', () => {
  it('attempts left unfinished are ended as interrupted on start', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h);
    const a = createAttempt(h.store.db, { purpose: 'enrollment', userId: user.id, phoneMethodId: method.id });
    transitionAttempt(h.store.db, a.id, { to: 'dialling', dialledTarget: 'sip:x', backend: 'embedded' });
    const b = createAttempt(h.store.db, { purpose: 'sign-in', userId: user.id, phoneMethodId: method.id });
    expect(h.service.recoverInterrupted()).toBe(2);
    for (const id of [a.id, b.id])
      expect(getAttempt(h.store.db, id)).toMatchObject({ state: 'ended', outcome: 'interrupted' });
  });

  it('shutdown mid-call hangs up and records interrupted', async () => {
    h = createHarness();
    const { user, method } = userWithPhone(h);
    h.backend.enqueue({ dial: { kind: 'never' } });
    const a = start(h, { userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
    await until(() => h.backend.dials.length === 1, 'the dial');
    await h.service.shutdown(1000);
    expect(getAttempt(h.store.db, a.id)).toMatchObject({ state: 'ended', outcome: 'interrupted' });
  });
});
