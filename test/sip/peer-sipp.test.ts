/** The SIP core against a real sipp UAS on 127.0.0.1 (free ports). */
import { InviteFailure } from '../../src/telephony/embedded/signalling';
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { answerScenario, RECV_INVITE, response, SEND_BYE, scenario } from '../support/peers/sipp-scenarios';
import { makeUa, OFFER, traceCollector } from './support/ua';

describe('SIP core ↔ sipp UAS', () => {
  let ua: SipSignalling | undefined;
  let sipp: SippPeer | undefined;

  afterEach(async () => {
    await ua?.stop();
    await sipp?.stop();
    ua = undefined;
    sipp = undefined;
  });

  async function setup(xml: string, extraArgs: string[] = []): Promise<SipSignalling> {
    sipp = await startSippUas({ scenarioXml: xml, extraArgs });
    ua = makeUa({ trunkUri: `sip:127.0.0.1:${sipp.port}` });
    await ua.start();
    return ua;
  }

  it('answers with 180 then 200: confirmed dialog, ACK, and our BYE ends it', async () => {
    const u = await setup(answerScenario());
    const trace = traceCollector();
    const provisional: number[] = [];
    const dialog = await u.invite({
      requestUri: sipp!.uri(),
      offer: OFFER,
      ringTimeoutMs: 5000,
      trace: trace.sink,
      onProvisional: (p) => provisional.push(p.status),
    });
    expect(provisional).toContain(180);
    expect(dialog.remoteBody?.content).toContain('m=audio');
    expect(u.activeDialogs).toBe(1);
    const ended = new Promise((r) => dialog.once('terminated', r));
    await dialog.bye();
    expect(await ended).toMatchObject({ by: 'local', status: 200 });
    expect(u.activeDialogs).toBe(0);
    expect(await sipp!.finished()).toBe(0);
    expect(trace.summaries()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^out INVITE sip:service@/),
        'in 180 Ringing (INVITE)',
        'in 200 OK (INVITE)',
        expect.stringMatching(/^out ACK /),
        expect.stringMatching(/^out BYE /),
        'in 200 OK (BYE)',
      ]),
    );
  });

  it('ends with the callee BYE', async () => {
    const xml = scenario(
      'callee-bye',
      `${RECV_INVITE}${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
  <pause milliseconds="200"/>
${SEND_BYE}`,
    );
    const u = await setup(xml);
    const dialog = await u.invite({ requestUri: sipp!.uri(), offer: OFFER, ringTimeoutMs: 5000, trace: () => {} });
    const terminated = new Promise<{ by: string }>((r) => dialog.once('terminated', r));
    const bye = new Promise((r) => dialog.once('bye', r));
    await bye;
    expect((await terminated).by).toBe('remote');
    expect(await sipp!.finished()).toBe(0);
    expect(u.activeDialogs).toBe(0);
  });

  it('reports 486 Busy Here as a final-response failure', async () => {
    const xml = scenario(
      'busy',
      `  <recv request="INVITE"/>
${response(486, 'Busy Here')}  <recv request="ACK"/>
`,
    );
    const u = await setup(xml);
    const err = await u
      .invite({ requestUri: sipp!.uri(), offer: OFFER, ringTimeoutMs: 5000, trace: () => {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InviteFailure);
    expect(err).toMatchObject({ status: 486, kind: 'final-response' });
    expect(await sipp!.finished()).toBe(0);
    expect(u.activeDialogs).toBe(0);
  });

  it('cancels an unanswered call: CANCEL after 180, 487, no stray dialog', async () => {
    const xml = scenario(
      'cancel',
      `  <recv request="INVITE"/>
${response(180, 'Ringing')}  <recv request="CANCEL"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [cseq] INVITE
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
`,
    );
    const u = await setup(xml);
    const ac = new AbortController();
    const p = u.invite({
      requestUri: sipp!.uri(),
      offer: OFFER,
      ringTimeoutMs: 10000,
      trace: () => {},
      signal: ac.signal,
      onProvisional: () => ac.abort(),
    });
    const err = await p.catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 487, kind: 'cancelled' });
    expect(await sipp!.finished()).toBe(0);
    expect(u.activeDialogs).toBe(0);
  });

  it('rings out: ring timeout sends CANCEL and fails as timeout', async () => {
    const xml = scenario(
      'ringout',
      `  <recv request="INVITE"/>
${response(180, 'Ringing')}  <recv request="CANCEL"/>
${response(200, 'OK')}  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [cseq] INVITE
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
`,
    );
    const u = await setup(xml);
    const err = await u
      .invite({ requestUri: sipp!.uri(), offer: OFFER, ringTimeoutMs: 300, trace: () => {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 487, kind: 'timeout' });
    expect(await sipp!.finished()).toBe(0);
  });
});
