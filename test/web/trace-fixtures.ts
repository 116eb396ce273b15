import type { TraceEvent } from '../../src/telephony/port';

const T0 = 1_764_000_000_000;

function sip(at: number, direction: 'in' | 'out', firstLine: string, cseq: string, extra = ''): TraceEvent {
  const raw =
    `${firstLine}\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nCall-ID: abc@127.0.0.1\r\n` +
    `CSeq: ${cseq}\r\n${extra}Content-Length: 0\r\n\r\n`;
  const summary = firstLine.replace(/^SIP\/2\.0 /, '').replace(/ SIP\/2\.0$/, '');
  return { kind: 'sip', at: T0 + at, direction, peer: 'udp:127.0.0.1:5062', summary, raw, callId: 'abc@127.0.0.1' };
}

/** An office-phone verification as the embedded backend would trace it: answer, extension, prompt, #. */
export function verifiedTrace(): TraceEvent[] {
  return [
    { kind: 'state', at: T0, state: 'answered', detail: 'dialling' },
    sip(1, 'out', 'INVITE sip:+46812345678@127.0.0.1:5062 SIP/2.0', '1 INVITE', 'Authorization: [redacted]\r\n'),
    sip(12, 'in', 'SIP/2.0 100 Trying', '1 INVITE'),
    sip(40, 'in', 'SIP/2.0 180 Ringing', '1 INVITE'),
    sip(1230, 'in', 'SIP/2.0 200 OK', '1 INVITE'),
    sip(1232, 'out', 'ACK sip:+46812345678@127.0.0.1:5062 SIP/2.0', '1 ACK'),
    { kind: 'dtmf', at: T0 + 2240, direction: 'out', digit: '1', source: 'rfc4733' },
    { kind: 'dtmf', at: T0 + 2440, direction: 'out', digit: '2', source: 'rfc4733' },
    { kind: 'prompt', at: T0 + 3000, phase: 'start', prompt: 'greeting@sv-SE' },
    { kind: 'dtmf', at: T0 + 4100, direction: 'in', digit: '#', source: 'rfc4733' },
    { kind: 'prompt', at: T0 + 4101, phase: 'interrupted', prompt: 'greeting@sv-SE' },
    { kind: 'note', at: T0 + 4150, level: 'info', message: 'approved' },
    sip(4200, 'out', 'BYE sip:+46812345678@127.0.0.1:5062 SIP/2.0', '2 BYE'),
    sip(4210, 'in', 'SIP/2.0 200 OK', '2 BYE'),
    { kind: 'note', at: T0 + 4215, level: 'info', message: 'ivr: step 5 hangup done → stop' },
  ];
}

/** A busy phone: INVITE, 100, 486, ACK. */
export function busyTrace(): TraceEvent[] {
  return [
    sip(0, 'out', 'INVITE sip:+46812345678@127.0.0.1:5062 SIP/2.0', '1 INVITE'),
    sip(10, 'in', 'SIP/2.0 100 Trying', '1 INVITE'),
    sip(30, 'in', 'SIP/2.0 486 Busy Here', '1 INVITE'),
    sip(31, 'out', 'ACK sip:+46812345678@127.0.0.1:5062 SIP/2.0', '1 ACK'),
  ];
}
