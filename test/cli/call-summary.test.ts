import type { CallReport } from '../../src/cli/call/run-call';
import { humanSummary, jsonReport } from '../../src/cli/call/summary';

const report: CallReport = {
  outcome: 'approved',
  sipStatus: 200,
  reason: 'the user confirmed on the phone',
  digits: '#',
  dtmfSource: 'rfc4733',
  extensionSent: '1001',
  durationMs: 5234,
  callId: 'abc@127.0.0.1',
  attemptId: 'a1',
  requestUri: 'sip:+46812345600@pbx',
  scriptId: 'office-phone-verify',
  policy: { allow: true, reason: 'allowed' },
  trace: [
    {
      kind: 'sip',
      at: 1000,
      direction: 'out',
      peer: 'udp:10.0.0.1:5060',
      summary: 'INVITE sip:+46812345600@pbx',
      raw: '',
    },
    { kind: 'sip', at: 1010, direction: 'in', peer: 'udp:10.0.0.1:5060', summary: '200 OK (INVITE)', raw: '' },
    { kind: 'dtmf', at: 3000, direction: 'out', digit: '1', source: 'rfc4733' },
    { kind: 'prompt', at: 3500, phase: 'start', prompt: 'greeting' },
    { kind: 'dtmf', at: 4000, direction: 'in', digit: '#', source: 'rfc4733' },
    { kind: 'note', at: 4001, level: 'info', message: 'not shown' },
  ],
};

describe('fyrkant call output', () => {
  it('prints a text SIP ladder with DTMF and prompts, then the outcome', () => {
    const text = humanSummary('08-123 456 00', report);
    expect(text).toContain('+  0.000s  fyrkant ──INVITE sip:+46812345600@pbx──▶ udp:10.0.0.1:5060');
    expect(text).toContain('+  0.010s  fyrkant ◀──200 OK (INVITE)── udp:10.0.0.1:5060');
    expect(text).toContain('DTMF sent 1 (rfc4733)');
    expect(text).toContain('DTMF received # (rfc4733)');
    expect(text).toContain('prompt greeting: start');
    expect(text).not.toContain('not shown');
    expect(text).toContain('Outcome: approved — the user confirmed on the phone');
    expect(text).toContain('SIP 200, digits # via rfc4733, extension 1001 sent, 5.2 s, Call-ID abc@127.0.0.1');
  });

  it('--json prints exactly one object with the promised fields first', () => {
    const out = jsonReport(report);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(out);
    expect(Object.keys(json).slice(0, 8)).toEqual([
      'outcome',
      'sipStatus',
      'reason',
      'digits',
      'dtmfSource',
      'extensionSent',
      'durationMs',
      'callId',
    ]);
    expect(json).not.toHaveProperty('trace');
  });
});
