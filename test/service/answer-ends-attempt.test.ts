/**
 * Issue 20: the callee's answer decides the attempt at once. With the real `signin-approve` script,
 * '#' ends the attempt (approved, committed) while the call is still up playing its "approved"
 * prompt; the later hang-up changes nothing on the attempt, and the call's trace still ends with
 * why the call ended.
 */
import { loadScripts, type ScriptRegistry } from '../../src/ivr/registry';
import { ivrScriptRunner } from '../../src/services/adapters/ivr-runner';
import { addPhoneMethod, createUser, getAttempt, listAttemptEvents } from '../../src/store';
import { namedPrompts, SCRIPTS_DIR } from '../ivr/helpers';
import { afterPrompt, press } from '../support/fake-telephony';
import { createHarness, type Harness } from '../support/service-harness';

let h: Harness;
let registry: ScriptRegistry | undefined;
afterEach(async () => {
  await h?.close();
  registry?.close();
});

it("'#' commits the approval while the goodbye prompt still plays", async () => {
  registry = await loadScripts(SCRIPTS_DIR);
  h = createHarness({
    scripts: ivrScriptRunner({
      registry,
      prompts: namedPrompts(),
      company: 'Example AB',
      maxCallMs: 60_000,
      scripts: { enrollment: 'office-phone-verify', signIn: 'signin-approve', test: 'test-call', pin: 'pin-verify' },
    }),
  });
  // The "approved" prompt plays until the call ends: the call is certainly up when the attempt ends.
  h.backend.enqueue({
    playMs: (audio) => (/approved/.test(audio.name) ? 60_000 : 30),
    steps: [press('#', afterPrompt('greeting'), 5)],
  });
  const user = createUser(h.store.db, { username: 'early', displayName: 'E' });
  const method = addPhoneMethod(h.store.db, { userId: user.id, kind: 'office', country: 'SE', e164: '+46812345678' });
  h.store.sqlite.prepare('UPDATE phone_methods SET verified_at = 1, is_default = 1 WHERE id = ?').run(method.id);
  const r = h.service.start({ userId: user.id, purpose: 'sign-in', requestedBy: 'cli' });
  if (r.status !== 'queued') throw new Error(r.status);

  const ended = await h.ended(r.attempt.id);
  expect(ended).toMatchObject({ outcome: 'approved', reasonCode: 'script-approved', digitsReceived: '#' });
  const call = h.backend.calls[0]!;
  expect(call.ended).toBe(false);
  const summaries = () => listAttemptEvents(h.store.db, r.attempt.id).map((e) => e.summary);
  // Committed together with the end: the '#' and the script's result are in the stored trace.
  expect(summaries()).toEqual(expect.arrayContaining(['DTMF # in (rfc4733)', 'info: ivr: result approved']));

  await call.hangup('test over');
  await h.service.queue.whenIdle();
  h.service.traces.flush();
  expect(getAttempt(h.store.db, r.attempt.id)).toMatchObject({ outcome: 'approved', endedAt: ended.endedAt });
  expect(summaries().at(-1)).toMatch(/^info: outcome: approved \(script-approved\)/);
});
