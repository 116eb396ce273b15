import type { IvrEvent } from '../../src/ivr/events';
import { runScript } from '../../src/ivr/session';
import type { TraceEvent } from '../../src/telephony/port';
import { afterPrompt, afterPromptEnd, fakeCall, press, remoteHangup } from '../support/fake-telephony';
import { namedPrompts, scriptFromText, shippedScript } from './helpers';

const vars = { company: 'Example AB', language: 'sv-SE' };
const office = () => shippedScript('office-phone-verify');

describe('session: office-phone-verify on the fake port', () => {
  it('sends the extension after the transfer prompt, then approves on #', async () => {
    const call = fakeCall({ steps: [press('#', afterPrompt('greeting-extension'), 5)] });
    const events: IvrEvent[] = [];
    const out = await runScript({
      script: office(),
      call,
      vars: { ...vars, extension: '1001' },
      prompts: namedPrompts(),
      maxCallMs: 10_000,
      extensionDelays: { preDelayMs: 0, postDelayMs: 10 },
      onEvent: (e) => events.push(e),
    });
    expect(out).toMatchObject({
      result: 'approved',
      digits: '#',
      dtmfSource: 'rfc4733',
      extensionSent: true,
      endedBy: 'script',
      scriptId: 'office-phone-verify',
    });
    expect(out.scriptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(call.log.filter((l) => l.type === 'play' || l.type === 'send-digits')).toMatchObject([
      { type: 'play', name: 'office-phone-verify/transfer@sv-SE' },
      { type: 'send-digits', digits: '1001' },
      { type: 'play', name: 'office-phone-verify/greeting-extension@sv-SE' },
      { type: 'play', name: 'office-phone-verify/success@sv-SE' },
    ]);
    expect(call.state.name === 'ended' && call.state.end.by).toBe('local');
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['verb-start', 'verb-end', 'prompt', 'digits']));
    expect(events.at(-1)).toMatchObject({ kind: 'result', result: 'approved' });
  });

  it("a '#' pressed during the transfer prompt reaches the gather after the extension is dialled", async () => {
    const call = fakeCall({ playMs: 300, steps: [press('#', afterPrompt('transfer'), 20)] });
    const out = await runScript({
      script: office(),
      call,
      vars: { ...vars, extension: '12' },
      prompts: namedPrompts(),
      maxCallMs: 10_000,
      extensionDelays: { preDelayMs: 0, postDelayMs: 10 },
    });
    expect(out).toMatchObject({ result: 'approved', digits: '#', extensionSent: true });
    // The greeting is not played to someone who already pressed #.
    expect(call.plays.map((p) => p.name)).toEqual([
      'office-phone-verify/transfer@sv-SE',
      'office-phone-verify/success@sv-SE',
    ]);
  });

  it('without an extension greets directly and reports fraud on 0#', async () => {
    const call = fakeCall({ steps: [press('0#', afterPrompt('greeting'), 5, { gapMs: 10 })] });
    const out = await runScript({ script: office(), call, vars, prompts: namedPrompts(), maxCallMs: 10_000 });
    expect(out).toMatchObject({ result: 'fraud', digits: '0#', extensionSent: false });
    expect(call.sentDigits).toEqual([]);
    expect(call.plays.map((p) => p.name)).toEqual([
      'office-phone-verify/greeting@sv-SE',
      'office-phone-verify/fraud@sv-SE',
    ]);
  });

  it('retries with the retry prompt after invalid input, then denies after the last try', async () => {
    const call = fakeCall({
      steps: [
        press('5#', afterPrompt('greeting'), 5, { gapMs: 5 }),
        press('7#', afterPrompt('retry', 1), 5, { gapMs: 5 }),
        press('9#', afterPrompt('retry', 2), 5, { gapMs: 5 }),
      ],
    });
    const out = await runScript({ script: office(), call, vars, prompts: namedPrompts(), maxCallMs: 10_000 });
    expect(out).toMatchObject({ result: 'denied', digits: '9#' });
    expect(call.plays.map((p) => p.name.split('/')[1])).toEqual([
      'greeting@sv-SE',
      'invalid@sv-SE',
      'retry@sv-SE',
      'invalid@sv-SE',
      'retry@sv-SE',
      'goodbye@sv-SE',
    ]);
  });

  it('stops at once when the far end hangs up during the greeting', async () => {
    const call = fakeCall({ playMs: 5000, steps: [remoteHangup(afterPrompt('greeting'), 20)] });
    const t0 = Date.now();
    const out = await runScript({ script: office(), call, vars, prompts: namedPrompts(), maxCallMs: 60_000 });
    expect(out).toMatchObject({ result: 'hangup', endedBy: 'remote' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(call.plays).toHaveLength(1);
  });

  it('keeps a decided result when the far end hangs up during the goodbye', async () => {
    const call = fakeCall({
      playMs: 300,
      steps: [press('#', afterPrompt('greeting'), 5), remoteHangup(afterPrompt('success'), 10)],
    });
    const out = await runScript({ script: office(), call, vars, prompts: namedPrompts(), maxCallMs: 10_000 });
    expect(out).toMatchObject({ result: 'approved', endedBy: 'remote' });
  });

  it('enforces the maximum call duration and hangs up', async () => {
    const call = fakeCall({ playMs: 5000 });
    const t0 = Date.now();
    const out = await runScript({ script: office(), call, vars, prompts: namedPrompts(), maxCallMs: 150 });
    expect(out).toMatchObject({ result: 'max-duration', endedBy: 'max-duration' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(call.state.name).toBe('ended');
  });

  it('is cancellable through its signal', async () => {
    const call = fakeCall({ playMs: 5000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const out = await runScript({
      script: office(),
      call,
      vars,
      prompts: namedPrompts(),
      maxCallMs: 60_000,
      signal: ac.signal,
    });
    expect(out).toMatchObject({ result: 'aborted', endedBy: 'aborted' });
    expect(call.state.name).toBe('ended');
  });

  it('mirrors its events into the attempt trace as notes', async () => {
    const trace: TraceEvent[] = [];
    const call = fakeCall({ steps: [press('#', afterPromptEnd('greeting'), 5)] });
    await runScript({
      script: office(),
      call,
      vars,
      prompts: namedPrompts(),
      maxCallMs: 10_000,
      trace: (e) => trace.push(e),
    });
    const notes = trace.filter((e) => e.kind === 'note').map((e) => (e.kind === 'note' ? e.message : ''));
    expect(notes[0]).toMatch(/^ivr: script office-phone-verify \([0-9a-f]{12}\) starts in sv-SE$/);
    expect(notes).toContain('ivr: result approved');
  });

  it('fails with result error (not a crash) when a prompt cannot be produced', async () => {
    const call = fakeCall();
    const out = await runScript({
      script: office(),
      call,
      vars,
      prompts: { forScript: () => ({ audio: async () => Promise.reject(new Error('espeak-ng is not installed')) }) },
      maxCallMs: 10_000,
    });
    expect(out).toMatchObject({ result: 'error', endedBy: 'error', error: 'espeak-ng is not installed' });
    expect(call.state.name).toBe('ended');
  });

  it('stops a goto loop that never waits', async () => {
    const script = scriptFromText(`
prompts: {}
steps:
  - id: a
    goto: a
`);
    const out = await runScript({ script, call: fakeCall(), vars, prompts: namedPrompts(), maxCallMs: 10_000 });
    expect(out.result).toBe('error');
    expect(out.error).toMatch(/goto loop/);
  });

  it('draws a challenge digit 1-9 per call unless one is given', async () => {
    const script = scriptFromText(`
prompts: {}
steps:
  - hangup
`);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const out = await runScript({ script, call: fakeCall(), vars, prompts: namedPrompts(), maxCallMs: 1000 });
      seen.add(out.challengeDigit);
      expect(out.result).toBe('no-result');
    }
    for (const d of seen) expect(d).toMatch(/^[1-9]$/);
    expect(seen.size).toBeGreaterThan(3);
    const fixed = await runScript({
      script,
      call: fakeCall(),
      vars: { ...vars, challengeDigit: '4' },
      prompts: namedPrompts(),
      maxCallMs: 1000,
    });
    expect(fixed.challengeDigit).toBe('4');
  });
});
