/**
 * Issue 12, defects 2 and 3 at the service: the attempt says "listening" only when the script starts
 * asking (after the transfer prompt and the extension), a retry is placed on time by the service
 * itself, and "call me again" never starts a second chain. Waits for conditions, never fixed sleeps.
 */
import { loadScripts, type ScriptRegistry } from '../../src/ivr/registry';
import { ivrScriptRunner } from '../../src/services/adapters/ivr-runner';
import { addPhoneMethod, createUser, getAttempt, listAttemptEvents } from '../../src/store';
import { namedPrompts, SCRIPTS_DIR } from '../ivr/helpers';
import { afterPrompt, press } from '../support/fake-telephony';
import { createHarness, type Harness } from '../support/service-harness';
import { until } from '../support/until';

let h: Harness;
let registry: ScriptRegistry | undefined;
afterEach(async () => {
  await h?.close();
  registry?.close();
  registry = undefined;
});

function enroll(harness: Harness, extension: string | null = null) {
  const user = createUser(harness.store.db, { username: `u${Math.random().toString(36).slice(2)}`, displayName: 'A' });
  const method = addPhoneMethod(harness.store.db, {
    userId: user.id,
    kind: 'office',
    country: 'SE',
    e164: '+46812345678',
    extension,
  });
  const r = harness.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
  if (r.status !== 'queued') throw new Error(`expected queued, got ${r.status}`);
  return r.attempt;
}

const states = (harness: Harness, id: string) =>
  listAttemptEvents(harness.store.db, id)
    .filter((e) => e.kind === 'state' && e.summary.startsWith('state → '))
    .map((e) => e.summary.split(' ')[2]);

describe('listening', () => {
  it('the attempt is listening only once the gather starts, after the transfer prompt and the extension', async () => {
    registry = await loadScripts(SCRIPTS_DIR);
    const scripts = ivrScriptRunner({
      registry,
      prompts: namedPrompts(),
      company: 'Example AB',
      maxCallMs: 10_000,
      extensionDelays: { preDelayMs: 0, postDelayMs: 10 },
      scripts: { enrollment: 'office-phone-verify', signIn: 'signin-approve', test: 'test-call', pin: 'pin-verify' },
    });
    h = createHarness({ scripts });
    h.backend.enqueue({
      playMs: 40,
      steps: [press('#', afterPrompt('greeting-extension'), 5)],
    });
    const a = enroll(h, '12');
    await until(() => (h.backend.calls[0]?.sentDigits.length ?? 0) > 0, 'the extension is sent');
    const stateWhenDigitsSent = getAttempt(h.store.db, a.id)?.state;
    const ended = await h.ended(a.id);
    expect(ended.outcome).toBe('approved');
    expect(stateWhenDigitsSent).toBe('in-script');
    expect(states(h, a.id)).toEqual(['queued', 'dialling', 'answered', 'in-script', 'listening', 'ended']);
  });
});

describe('retries and the chain', () => {
  const retry = (initialMs: number) => ({
    retry: { initialMs, factor: 2, maxMs: 60_000, maxTries: 3, outcomes: ['busy' as const] },
  });

  it('a retry is placed by the service when it is due, without the retry job', async () => {
    h = createHarness({ settings: retry(50) });
    h.backend.enqueue(
      { dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } },
      { steps: [press('#', afterPrompt(), 5)] },
    );
    const a = enroll(h);
    expect((await h.ended(a.id)).outcome).toBe('busy');
    await until(() => !!getAttempt(h.store.db, a.id)?.nextAttemptId, 'the retry to be placed');
    const next = getAttempt(h.store.db, a.id)!.nextAttemptId!;
    expect((await h.ended(next)).outcome).toBe('approved');
    expect(h.service.chainTail(a.id)?.id).toBe(next);
  });

  it('"call me again" during a pending retry places that retry now; again while it runs starts nothing new', async () => {
    h = createHarness({ settings: retry(60_000) });
    h.backend.enqueue({ dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } }, { dial: { kind: 'never' } });
    const a = enroll(h);
    const first = await h.ended(a.id);
    expect(first.retryDueAt).not.toBeNull();
    const again = h.service.callAgain(a.id, { purpose: 'enrollment', requestedBy: 'cli' });
    expect(again.status).toBe('queued');
    if (again.status !== 'queued') return;
    expect(getAttempt(h.store.db, a.id)).toMatchObject({ nextAttemptId: again.attempt.id, retryDueAt: null });
    expect(again.attempt).toMatchObject({ tryNo: 2, retryOf: a.id });
    await until(() => h.backend.dials.length === 2, 'the retry dial');
    const third = h.service.callAgain(a.id, { purpose: 'enrollment', requestedBy: 'cli' });
    expect(third.status === 'queued' && third.attempt.id).toBe(again.attempt.id);
    expect(h.backend.dials).toHaveLength(2);
    h.service.cancel(again.attempt.id);
    await h.ended(again.attempt.id);
  });
});
