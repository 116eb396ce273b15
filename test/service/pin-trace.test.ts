/**
 * A PIN typed on the phone must never reach the attempt's stored trace: the backend traces every
 * received digit, so the service wraps its trace sink through the script runner's guard.
 */
import type { LoadedScript } from '../../src/ivr/script';
import { ivrScriptRunner } from '../../src/services/adapters/ivr-runner';
import type { TraceEvent } from '../../src/telephony/port';
import { namedPrompts, shippedScript } from '../ivr/helpers';
import { afterPrompt, fakeCall, press } from '../support/fake-telephony';

function runner(scripts: Record<string, LoadedScript>) {
  return ivrScriptRunner({
    registry: { get: (id: string) => scripts[id] },
    prompts: namedPrompts(),
    company: 'Example AB',
    maxCallMs: 10_000,
    scripts: { enrollment: 'office-phone-verify', signIn: 'signin-approve', test: 'test-call', pin: 'pin-verify' },
  });
}

async function runPin(guard: boolean) {
  const r = runner({ 'pin-verify': shippedScript('pin-verify') });
  const stored: TraceEvent[] = [];
  const sink = (e: TraceEvent) => stored.push(e);
  const trace = guard && r.guardTrace ? r.guardTrace(sink) : sink;
  const call = fakeCall({ steps: [press('4711#', afterPrompt(), 5)] }, { trace });
  const run = await r.run(call, {
    attemptId: 'a1',
    scriptId: 'pin-verify',
    language: 'en-US',
    variables: { extension: '', displayName: 'Ada' },
    verifyPin: async (pin) => pin === '4711',
    signal: new AbortController().signal,
    trace,
  });
  const dtmfIn = stored
    .filter((e) => e.kind === 'dtmf' && e.direction === 'in')
    .map((e) => (e as { digit: string }).digit);
  return { run, dtmfIn, stored };
}

describe('PIN digits in the attempt trace', () => {
  it('are masked when the service guards its trace sink, and the PIN is still checked', async () => {
    const { run, dtmfIn, stored } = await runPin(true);
    expect(run.result).toBe('pin-ok');
    expect(dtmfIn.length).toBeGreaterThanOrEqual(4);
    expect(dtmfIn.join('')).not.toMatch(/[0-9]/);
    expect(JSON.stringify(stored)).not.toContain('4711');
  });

  it('would leak without the guard (the test can fail)', async () => {
    const { dtmfIn } = await runPin(false);
    expect(dtmfIn.join('')).toContain('4711');
  });
});
