/**
 * A draining embedded node on SIP (issue 19), against real sipp and a raw UDP socket: while
 * draining, an out-of-dialog OPTIONS (what a SIP dispatcher probes with) and a new INVITE are
 * answered `503 Service Unavailable` with `Retry-After`, and counted; the call in progress keeps
 * working — INFO both ways, a re-INVITE from the far end, and its BYE answered 200. Accepting again
 * answers OPTIONS 200.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/telephony/embedded/backend';
import { createSipSignalling, type SipSignalling } from '../../src/telephony/embedded/sip';
import type { Call, CallEnd, DtmfEvent } from '../../src/telephony/port';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import {
  inDialogAck,
  inDialogRequest,
  RECV_INVITE,
  response,
  SEND_200_TO_LAST,
  scenario,
} from '../support/peers/sipp-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { waitFor } from './support/ua';

/**
 * Answers; waits for our INFO (sent only once the test has seen the 503s); then sends an INFO (#),
 * a re-INVITE with a new offer (and its ACK), and a BYE — each must get 200 from the draining node.
 */
const IN_PROGRESS = scenario(
  'call-in-progress-while-draining',
  `${RECV_INVITE}${response(180, 'Ringing')}${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
  <recv request="INFO" timeout="20000"/>
${SEND_200_TO_LAST}${inDialogRequest('INFO', 2, { body: { type: 'application/dtmf-relay', text: 'Signal=#\nDuration=250' } })}  <recv response="200"/>
${inDialogRequest('INVITE', 3, { sdp: true })}  <recv response="100" optional="true"/>
  <recv response="200"/>
${inDialogAck(3)}${inDialogRequest('BYE', 4)}  <recv response="200"/>
`,
);

function outOfDialog(method: 'OPTIONS' | 'INVITE', callId: string, port: number, target: number): Buffer {
  return Buffer.from(
    [
      `${method} sip:fyrkant@127.0.0.1:${target} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'From: <sip:dispatcher@127.0.0.1>;tag=d1',
      `To: <sip:fyrkant@127.0.0.1:${target}>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:dispatcher@127.0.0.1:${port}>`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

describe('a draining embedded node on SIP', () => {
  let signalling: SipSignalling;
  let backend: EmbeddedBackend;
  let sipp: SippPeer | undefined;
  let sock: Socket;
  const got: string[] = [];

  beforeEach(async () => {
    sipp = await startSippUas({ scenarioXml: IN_PROGRESS, mediaPort: await freeEvenPortPair(), timeoutS: 30 });
    signalling = createSipSignalling({
      listen: { host: '127.0.0.1', port: 0 },
      transport: 'udp',
      timers: { t1: 100, t2: 400, t4: 500 },
      trunk: { uri: `sip:127.0.0.1:${sipp.port}`, fromUser: 'fyrkant' },
    });
    const rtp = await freePort();
    backend = createEmbeddedBackend({
      signalling,
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 100 },
      dtmf: { sendMode: 'info' },
    });
    await backend.start();
    got.length = 0;
    sock = createSocket('udp4');
    sock.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  });
  afterEach(async () => {
    sock.close();
    await backend.stop();
    await sipp?.stop();
  });

  /** The one answer to an out-of-dialog request from the raw socket. */
  async function ask(method: 'OPTIONS' | 'INVITE', callId: string): Promise<string> {
    sock.send(outOfDialog(method, callId, sock.address().port, signalling.port), signalling.port, '127.0.0.1');
    const mine = () => got.filter((m) => m.includes(`Call-ID: ${callId}\r\n`) && !m.startsWith('SIP/2.0 100'));
    await waitFor(() => mine().length > 0);
    return mine()[0]!;
  }

  it('answers OPTIONS and a new INVITE 503 + Retry-After; the call in progress completes', async () => {
    expect(await ask('OPTIONS', 'probe-before')).toMatch(/^SIP\/2\.0 200 OK\r\n/);

    const call: Call = await backend.dial({
      attemptId: 'a1',
      requestUri: sipp!.uri(),
      policyDecisionId: 'test-decision',
      ringTimeoutMs: 5000,
      trace: () => {},
    });
    const digits: DtmfEvent[] = [];
    call.on('dtmf', (e) => digits.push(e));
    const ended = new Promise<CallEnd>((r) => call.once('end', r));

    backend.setAvailability('draining', { retryAfterSeconds: 7 });
    const probe = await ask('OPTIONS', 'probe-draining');
    expect(probe).toMatch(/^SIP\/2\.0 503 Service Unavailable\r\n/);
    expect(probe).toMatch(/\r\nRetry-After: 7\r\n/);
    const invite = await ask('INVITE', 'invite-draining');
    expect(invite).toMatch(/^SIP\/2\.0 503 Service Unavailable\r\n/);
    expect(invite).toMatch(/\r\nRetry-After: 7\r\n/);
    expect(signalling.stats()).toMatchObject({
      drainingRefusedOptions: 1,
      drainingRefusedInvites: 1,
      unsolicitedInvites: 0,
    });

    // The call goes on: our INFO, the far end's INFO, its re-INVITE, its BYE — all answered 200.
    await call.sendDigits('5');
    const end = await ended;
    expect(end).toMatchObject({ by: 'remote' });
    expect(digits.map((d) => `${d.digit}/${d.source}`)).toEqual(['#/info']);
    expect(await sipp!.finished()).toBe(0);
    expect(backend.activeCalls).toBe(0);

    // Back to accepting (the port allows it; a node never does today): OPTIONS 200 again.
    backend.setAvailability('accepting');
    expect(await ask('OPTIONS', 'probe-after')).toMatch(/^SIP\/2\.0 200 OK\r\n/);
  });
});
