import { DialFailure, type TraceEvent } from '../../src/telephony/port';
import { afterDigitsSent, afterPrompt, FakeTelephony, fakeCall, press, remoteHangup } from '../support/fake-telephony';

const audio = (name: string) => ({ name, path: `/tmp/${name}.wav`, hash: name });
const dialReq = (over: Partial<Parameters<FakeTelephony['dial']>[0]> = {}) => ({
  attemptId: 'a1',
  requestUri: 'sip:1001@127.0.0.1',
  policyDecisionId: 'p1',
  ringTimeoutMs: 200,
  trace: () => {},
  ...over,
});

describe('fake telephony (test double of our own port)', () => {
  it('answers, plays, records sent digits, and presses scripted digits after a prompt starts', async () => {
    const trace: TraceEvent[] = [];
    const fake = new FakeTelephony();
    fake.enqueue({ playMs: 200, steps: [press('1#', afterPrompt('greeting'), 20, { gapMs: 10 })] });
    const call = await fake.dial(dialReq({ trace: (e) => trace.push(e) }));
    await call.sendDigits('1001');
    const digits: string[] = [];
    call.on('dtmf', (e) => digits.push(e.digit));
    const r = await call.play(audio('x/greeting@sv-SE'), { bargeIn: true });
    expect(r).toEqual({ status: 'interrupted', digit: '1' });
    await new Promise((r2) => setTimeout(r2, 40));
    expect(digits).toEqual(['1', '#']);
    const fc = fake.calls[0]!;
    expect(fc.allSentDigits).toBe('1001');
    expect(fc.log.map((l) => l.type)).toEqual(['send-digits', 'play', 'dtmf-in', 'play-end', 'dtmf-in']);
    expect(trace.some((e) => e.kind === 'prompt' && e.phase === 'interrupted')).toBe(true);
    await call.hangup();
    expect(call.state.name).toBe('ended');
  });

  it('completes a play without barge-in even when digits arrive', async () => {
    const call = fakeCall({ playMs: 60, steps: [press('#', { after: 'answer' }, 10)] });
    const r = await call.play(audio('p'), { bargeIn: false });
    expect(r.status).toBe('completed');
    expect(call.received.map((d) => d.digit)).toEqual(['#']);
  });

  it('ends plays with call-ended on remote hangup, and triggers after digits were sent', async () => {
    const call = fakeCall({ playMs: 1000, steps: [remoteHangup(afterDigitsSent(1), 10)] });
    await call.sendDigits('55');
    const r = await call.play(audio('p'), { bargeIn: true });
    expect(r.status).toBe('call-ended');
    expect(call.state.name === 'ended' && call.state.end.by).toBe('remote');
    await expect(call.sendDigits('1')).rejects.toThrow(/ended/);
  });

  it('aborts a play through its signal', async () => {
    const call = fakeCall({ playMs: 1000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    expect((await call.play(audio('p'), { bargeIn: true, signal: ac.signal })).status).toBe('aborted');
  });

  it('fails dials as planned, refuses without a policy decision, and cancels on abort', async () => {
    const fake = new FakeTelephony();
    fake.enqueue({ dial: { kind: 'fail', reason: 'busy', sipStatus: 486 } }, { dial: { kind: 'never' } });
    await expect(fake.dial(dialReq())).rejects.toMatchObject({ reason: 'busy', sipStatus: 486 });
    await expect(fake.dial(dialReq())).rejects.toMatchObject({ reason: 'no-answer' });
    await expect(fake.dial(dialReq({ policyDecisionId: '' }))).rejects.toBeInstanceOf(DialFailure);
    fake.enqueue({ dial: { kind: 'never' } });
    const ac = new AbortController();
    const p = fake.dial(dialReq({ ringTimeoutMs: 5000 }), ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ reason: 'cancelled' });
    expect(fake.dials).toHaveLength(4);
  });

  it('reports progress and health, and hangs up active calls on stop', async () => {
    const fake = new FakeTelephony();
    await fake.start();
    const progress: string[] = [];
    fake.enqueue({ dial: { kind: 'answer', afterMs: 30 }, progress: [{ atMs: 5, progress: 'ringing' }] });
    const call = await fake.dial(dialReq(), undefined, { onProgress: (p) => progress.push(p.kind) });
    expect(progress).toEqual(['ringing']);
    expect((await fake.health()).activeCalls).toBe(1);
    await fake.stop();
    expect(call.state.name).toBe('ended');
    expect((await fake.health()).activeCalls).toBe(0);
  });
});
