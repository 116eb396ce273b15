/** More of the SIP core against real sipp: digest auth, re-INVITE, INFO, forks, CANCEL races, session timers, TCP. */
import type { SessionBody } from '../../src/telephony/embedded/signalling';
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import {
  answerScenario,
  inDialogAck,
  inDialogRequest,
  OPTIONS_200,
  RECV_BYE_200,
  RECV_INVITE,
  response,
  scenario,
} from '../support/peers/sipp-scenarios';
import { makeUa, OFFER, traceCollector, waitFor } from './support/ua';

const CHALLENGE = `  <send>
    <![CDATA[
      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: Digest realm="sipp.test", nonce="[pid]n[call_number]x", qop="auth", algorithm=MD5
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
`;

const AUTH_SCENARIO = scenario(
  'auth',
  `  <recv request="INVITE"/>
${CHALLENGE}  <recv request="INVITE">
    <action>
      <verifyauth assign_to="authvalid" username="fyrkant" password="s3cret"/>
    </action>
  </recv>
  <nop hide="true" test="authvalid" next="good"/>
${CHALLENGE}  <nop next="end"/>
  <label id="good"/>
${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
${RECV_BYE_200}  <label id="end"/>
`,
);

describe('SIP core ↔ sipp (auth, mid-dialog, races)', () => {
  let ua: SipSignalling | undefined;
  let sipp: SippPeer | undefined;

  afterEach(async () => {
    await ua?.stop();
    await sipp?.stop();
    ua = undefined;
    sipp = undefined;
  });

  async function setup(
    xml: string,
    opts: { password?: string; transport?: 'udp' | 'tcp'; sessionExpires?: number } = {},
  ): Promise<SipSignalling> {
    sipp = await startSippUas({ scenarioXml: xml, transport: opts.transport ?? 'udp' });
    ua = makeUa({
      trunkUri: `sip:127.0.0.1:${sipp.port}`,
      transport: opts.transport ?? 'udp',
      trunk: { uri: '', fromUser: 'fyrkant', username: 'fyrkant', password: opts.password ?? 's3cret' },
      ...(opts.sessionExpires ? { sessionExpires: opts.sessionExpires } : {}),
    });
    await ua.start();
    return ua;
  }

  const invite = (u: SipSignalling, extra: Partial<Parameters<SipSignalling['invite']>[0]> = {}) =>
    u.invite({ requestUri: sipp!.uri(), offer: OFFER, ringTimeoutMs: 5000, trace: () => {}, ...extra });

  it('answers a 401 challenge (MD5, qop=auth) that sipp verifies with <verifyauth>', async () => {
    const u = await setup(AUTH_SCENARIO);
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    await dialog.bye();
    expect(await sipp!.finished()).toBe(0);
    const authorized = trace.events.find(
      (e) => e.kind === 'sip' && e.direction === 'out' && /\r\nAuthorization:/i.test(e.raw),
    );
    // The credentials went out, but the trace shows none of them.
    expect(authorized?.kind === 'sip' && authorized.raw).toMatch(/\r\nAuthorization: <redacted>\r\n/);
    expect(trace.summaries().filter((s) => s.startsWith('out INVITE'))).toHaveLength(2);
  });

  it('wrong password: rejected once more, ends as auth-failed without looping', async () => {
    const u = await setup(AUTH_SCENARIO, { password: 'wrong' });
    const trace = traceCollector();
    const err = await invite(u, { trace: trace.sink }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth-failed', status: 401 });
    expect(trace.summaries().filter((s) => s.startsWith('out INVITE'))).toHaveLength(2);
    expect(await sipp!.finished()).toBe(0);
  });

  it('callee re-INVITE is answered through the offer handler; callee INFO is delivered; our INFO is answered', async () => {
    const xml = scenario(
      'reinvite',
      `${RECV_INVITE}${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
${inDialogRequest('INVITE', 2, { sdp: true })}  <recv response="100" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="m=audio 41000" search_in="body" check_it="true" assign_to="dummy"/>
    </action>
  </recv>
  <Reference variables="dummy"/>
${inDialogAck(2)}${inDialogRequest('INFO', 3, { body: { type: 'application/dtmf-relay', text: 'Signal=#\nDuration=250' } })}  <recv response="200"/>
  <recv request="INFO"/>
${response(200, 'OK').replace(';tag=[pid]SIPpTag01[call_number]', '')}${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const dialog = await invite(u);
    const offers: Array<SessionBody | undefined> = [];
    dialog.setOfferHandler((offer) => {
      offers.push(offer);
      return { contentType: 'application/sdp', content: OFFER.content.replace('m=audio 40000', 'm=audio 41000') };
    });
    const info = await new Promise<SessionBody>((r) => dialog.once('info', r));
    // sipp sends CRLF line ends in bodies
    expect(info).toEqual({ contentType: 'application/dtmf-relay', content: 'Signal=#\r\nDuration=250\r\n' });
    expect(offers).toHaveLength(1);
    expect(offers[0]?.content).toContain('m=audio');
    expect(
      await dialog.sendInfo({ contentType: 'application/dtmf-relay', content: 'Signal=5\r\nDuration=160\r\n' }),
    ).toBe(200);
    await dialog.bye();
    expect(await sipp!.finished()).toBe(0);
  });

  it('a forked second 2xx (other To tag) is ACKed and then BYEd; the first stays the dialog', async () => {
    // A late 2xx from another branch of a fork (another To tag), after the first was ACKed.
    const second = `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      To: <sip:service@[local_ip]:[local_port]>;tag=fork2
      [last_Call-ID:]
      CSeq: [cseq] INVITE
      Contact: <sip:fork2@[local_ip]:[local_port]>
      Content-Length: 0
    ]]>
  </send>
`;
    const xml = scenario(
      'fork',
      `  <recv request="INVITE"/>
${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
${second}  <recv request="ACK"/>
${RECV_BYE_200}${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    await waitFor(() => trace.summaries().filter((s) => s === 'in 200 OK (BYE)').length === 1).catch((e) => {
      throw new Error(`${e}\n${trace.summaries().join('\n')}\n${sipp!.logs()}`);
    });
    expect(u.activeDialogs).toBe(1);
    const byes = trace.events.filter((e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('BYE'));
    expect(byes[0]?.kind === 'sip' && byes[0].raw).toContain('tag=fork2');
    await dialog.bye();
    expect(await sipp!.finished()).toBe(0);
    expect(u.activeDialogs).toBe(0);
  });

  it('a 200 that races our CANCEL is ACKed and BYEd; the attempt fails as cancelled', async () => {
    const xml = scenario(
      'race',
      `  <recv request="INVITE"/>
${response(180, 'Ringing')}  <recv request="CANCEL"/>
${response(200, 'OK')}  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [cseq] INVITE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const ac = new AbortController();
    const err = await invite(u, { signal: ac.signal, onProvisional: () => ac.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'cancelled' });
    expect(await sipp!.finished()).toBe(0);
    expect(u.activeDialogs).toBe(0);
  });

  it('session timer, we refresh (refresher=uac): UPDATE before expiry', async () => {
    const xml = scenario(
      'st-uac',
      `  <recv request="INVITE"/>
${response(200, 'OK', { sdp: true, extra: 'Session-Expires: 2;refresher=uac\n      Require: timer' })}  <recv request="ACK"/>
  <recv request="UPDATE">
    <action>
      <ereg regexp="2;refresher=uac" search_in="hdr" header="Session-Expires:" check_it="true" assign_to="se"/>
    </action>
  </recv>
  <Reference variables="se"/>
${response(200, 'OK', { extra: 'Session-Expires: 2;refresher=uac\n      Require: timer' }).replace(';tag=[pid]SIPpTag01[call_number]', '')}${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    await waitFor(() => trace.summaries().includes('in 200 OK (UPDATE)'), 4000);
    await dialog.bye();
    expect(await sipp!.finished()).toBe(0);
  });

  it('session timer, we refresh a peer without UPDATE: re-INVITE with our body, ACKed', async () => {
    const xml = scenario(
      'st-reinvite',
      `  <recv request="INVITE"/>
${response(200, 'OK', { sdp: true, extra: 'Session-Expires: 2;refresher=uac\n      Require: timer\n      Allow: INVITE, ACK, CANCEL, BYE' })}  <recv request="ACK"/>
  <recv request="INVITE">
    <action>
      <ereg regexp="m=audio 40000" search_in="body" check_it="true" assign_to="body"/>
    </action>
  </recv>
  <Reference variables="body"/>
${response(200, 'OK', { sdp: true, extra: 'Session-Expires: 2;refresher=uac\n      Require: timer' }).replace(';tag=[pid]SIPpTag01[call_number]', '')}  <recv request="ACK"/>
${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    await waitFor(() => trace.summaries().filter((s) => s.startsWith('out ACK')).length === 2, 4000);
    expect(trace.summaries().filter((s) => s.startsWith('out UPDATE'))).toHaveLength(0);
    await dialog.bye();
    expect(await sipp!.finished()).toBe(0);
  });

  it('session timer, they refresh (refresher=uas) but do not: we BYE at expiry', async () => {
    const xml = scenario(
      'st-uas',
      `  <recv request="INVITE"/>
${response(200, 'OK', { sdp: true, extra: 'Session-Expires: 3;refresher=uas\n      Require: timer' })}  <recv request="ACK"/>
${RECV_BYE_200}`,
    );
    const u = await setup(xml, { sessionExpires: 90 });
    const dialog = await invite(u);
    const ended = await new Promise<{ by: string; reason: string }>((r) => dialog.once('terminated', r));
    expect(ended).toMatchObject({ by: 'error', reason: 'session timer expired' });
    expect(await sipp!.finished()).toBe(0);
  });

  it('works over TCP', async () => {
    const u = await setup(answerScenario(), { transport: 'tcp' });
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    await dialog.bye();
    expect(await sipp!.finished()).toBe(0);
    expect(trace.events.every((e) => e.kind !== 'sip' || e.peer.startsWith('tcp:'))).toBe(true);
  });

  it('probeTrunk sends OPTIONS and reports the status', async () => {
    const u = await setup(scenario('options', OPTIONS_200));
    expect(await u.probeTrunk()).toBe(200);
    expect(await sipp!.finished()).toBe(0);
  });
});
