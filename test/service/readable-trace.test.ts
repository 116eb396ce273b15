/**
 * Issue 12: one trace per attempt that reads end to end — which DTMF mode carried each digit (sent
 * and received), what the script heard and when, and why the call ended. The shared call run writes
 * the last line, so the service's stored trace and `fyrkant call`'s ladder say the same.
 */
import { textLadder } from '../../src/cli/call/ladder';
import { loadScripts, type ScriptRegistry } from '../../src/ivr/registry';
import { ivrScriptRunner } from '../../src/services/adapters/ivr-runner';
import { addPhoneMethod, createUser, listAttemptEvents } from '../../src/store';
import { traceFromEventRows } from '../../src/web/ladder/from-store';
import { namedPrompts, SCRIPTS_DIR } from '../ivr/helpers';
import { afterPrompt, press } from '../support/fake-telephony';
import { createHarness, type Harness } from '../support/service-harness';

let h: Harness;
let registry: ScriptRegistry | undefined;
afterEach(async () => {
  await h?.close();
  registry?.close();
});

it('tells the digits with their modes, what the script heard and when, and why the call ended', async () => {
  registry = await loadScripts(SCRIPTS_DIR);
  h = createHarness({
    scripts: ivrScriptRunner({
      registry,
      prompts: namedPrompts(),
      company: 'Example AB',
      maxCallMs: 10_000,
      extensionDelays: { preDelayMs: 0, postDelayMs: 10 },
      scripts: { enrollment: 'office-phone-verify', signIn: 'signin-approve', test: 'test-call', pin: 'pin-verify' },
    }),
  });
  // '#' (SIP INFO) while the transfer prompt plays.
  h.backend.enqueue({ playMs: 60, steps: [press('#', afterPrompt('transfer'), 10, { source: 'info' })] });
  const user = createUser(h.store.db, { username: 'trace', displayName: 'T' });
  const method = addPhoneMethod(h.store.db, {
    userId: user.id,
    kind: 'office',
    country: 'SE',
    e164: '+46812345678',
    extension: '12',
  });
  const r = h.service.start({ userId: user.id, methodId: method.id, purpose: 'enrollment', requestedBy: 'cli' });
  if (r.status !== 'queued') throw new Error(r.status);
  expect((await h.ended(r.attempt.id)).outcome).toBe('approved');
  // The attempt ends at the answer ('#'); the call's trace is complete once the call is over.
  await h.service.queue.whenIdle();
  h.service.traces.flush();

  const lines = textLadder(traceFromEventRows(listAttemptEvents(h.store.db, r.attempt.id)))
    .split('\n')
    .map((l) => l.replace(/^\s*\+\s*[0-9.]+s\s+/, ''));
  const order = [
    'DTMF received # (info)',
    'DTMF sent 1 (rfc4733)',
    'DTMF sent 2 (rfc4733)',
    'ivr: step 2 listens for keys (1 pressed earlier, kept)',
    'ivr: input "#" (try 1) matched via info',
    'outcome: approved (script-approved) — script result approved (the user confirmed on the phone); heard "#" via info',
  ];
  const at = order.map((line) => lines.indexOf(line));
  // Each line is there (a miss shows the whole ladder), and in this order.
  expect(at.map((i, n) => (i >= 0 ? 'found' : `missing "${order[n]}" in:\n${lines.join('\n')}`))).toEqual(
    order.map(() => 'found'),
  );
  expect([...at].sort((a, b) => a - b)).toEqual(at);
});
