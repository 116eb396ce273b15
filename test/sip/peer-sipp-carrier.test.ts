/**
 * The SIP core against sipp scenarios reproducing carrier and PBX flows seen in the field (issue 14):
 * reliable provisionals (100rel → PRACK), SIP-I multipart bodies, an offerless re-INVITE whose answer
 * comes in the ACK, challenged BYE/INFO, a PBX that never answers (Timer B) and an auth-int challenge.
 */
import type { SessionBody } from '../../src/telephony/embedded/signalling';
import type { SipSignalling } from '../../src/telephony/embedded/sip';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import {
  inDialogAck,
  inDialogRequest,
  neverAnswerScenario,
  RECV_BYE_200,
  RECV_INVITE,
  response,
  SEND_200_TO_LAST,
  scenario,
} from '../support/peers/sipp-scenarios';
import { makeUa, OFFER, traceCollector } from './support/ua';

jest.setTimeout(30_000);

const SDP_LINES = [
  'v=0',
  'o=sipp 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 42000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
];

/** A SIP-I 200 OK body: the SDP and an ISUP ANM part (RFC 5621; ITU-T Q.1912.5). */
const MULTIPART = `--unique-boundary-1
Content-Type: application/sdp

${SDP_LINES.join('\n')}

--unique-boundary-1
Content-Type: application/ISUP;version=itu-t92+
Content-Disposition: signal;handling=optional

\x09\xa1\xc8\xfa\x7f\xe0\xb3
--unique-boundary-1--`;

const INVITE_HEADERS = `[$inv_via]
      [last_From:]
      [$inv_to];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>`;

/** Keep the INVITE's Via and To: the final response goes out after the PRACK was the last message. */
const RECV_INVITE_KEEP = `  <recv request="INVITE">
    <action>
      <ereg regexp=".*" search_in="hdr" header="Via:" assign_to="inv_via_v"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="inv_to_v"/>
    </action>
  </recv>
`;

function challenge(status: 401 | 407, qop = 'auth'): string {
  const header = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return `  <send>
    <![CDATA[
      SIP/2.0 ${status} ${status === 401 ? 'Unauthorized' : 'Proxy Authentication Required'}
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      ${header}: Digest realm="sipp.test", nonce="[pid]n[call_number]b", qop="${qop}", algorithm=MD5
      Content-Length: 0
    ]]>
  </send>
`;
}

describe('SIP core ↔ sipp: carrier and PBX flows', () => {
  let ua: SipSignalling | undefined;
  let sipp: SippPeer | undefined;

  afterEach(async () => {
    await ua?.stop();
    await sipp?.stop();
    ua = undefined;
    sipp = undefined;
  });

  async function setup(xml: string, timers?: { t1: number; t2: number; t4: number }): Promise<SipSignalling> {
    sipp = await startSippUas({ scenarioXml: xml });
    ua = makeUa({
      trunkUri: `sip:127.0.0.1:${sipp.port}`,
      trunk: { uri: '', fromUser: 'fyrkant', username: 'fyrkant', password: 's3cret' },
      ...(timers ? { timers } : {}),
    });
    await ua.start();
    return ua;
  }

  const invite = (u: SipSignalling, extra: Partial<Parameters<SipSignalling['invite']>[0]> = {}) =>
    u.invite({ requestUri: sipp!.uri(), offer: OFFER, ringTimeoutMs: 4000, trace: () => {}, ...extra });

  async function finishedOk(trace?: ReturnType<typeof traceCollector>): Promise<void> {
    const code = await sipp!.finished();
    if (code !== 0) throw new Error(`sipp exit ${code}\n${trace?.summaries().join('\n') ?? ''}\n${sipp!.logs()}`);
  }

  it('PRACKs a reliable 183 (Require: 100rel) in its early dialog; the 2xx without SDP uses the 183 answer', async () => {
    const xml = scenario(
      '100rel',
      `${RECV_INVITE_KEEP}  <nop>
    <action>
      <assignstr assign_to="inv_via" value="Via: [$inv_via_v]"/>
      <assignstr assign_to="inv_to" value="To: [$inv_to_v]"/>
    </action>
  </nop>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 183 Session Progress
      ${INVITE_HEADERS}
      Require: 100rel
      RSeq: 7
      Content-Type: application/sdp
      Content-Length: [len]

${SDP_LINES.join('\n')}
    ]]>
  </send>
  <recv request="PRACK">
    <action>
      <ereg regexp="^ *7 1 INVITE" search_in="hdr" header="RAck:" check_it="true" assign_to="rack"/>
    </action>
  </recv>
  <Reference variables="rack"/>
${SEND_200_TO_LAST}  <send>
    <![CDATA[
      SIP/2.0 200 OK
      ${INVITE_HEADERS}
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    const out = trace.events.find((e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('INVITE'));
    expect(out?.kind === 'sip' && out.raw).toMatch(/\r\nSupported: [^\r]*100rel/);
    expect(dialog.remoteBody?.content).toContain('m=audio 42000');
    await dialog.bye();
    await finishedOk(trace);
    // The BYE continues the early dialog's CSeq space (the PRACK took 2).
    const bye = trace.events.find((e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('BYE'));
    expect(bye?.kind === 'sip' && bye.raw).toMatch(/\r\nCSeq: 3 BYE\r\n/);
  });

  it('takes the SDP part of a multipart/mixed 200 (SIP-I: application/sdp + application/ISUP)', async () => {
    const xml = scenario(
      'sip-i',
      `  <recv request="INVITE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      MIME-Version: 1.0
      Content-Type: multipart/mixed;boundary=unique-boundary-1
      Content-Length: [len]

${MULTIPART}
    ]]>
  </send>
  <recv request="ACK"/>
${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const dialog = await invite(u);
    expect(dialog.remoteBody?.contentType).toBe('application/sdp');
    expect(dialog.remoteBody?.content.startsWith('v=0')).toBe(true);
    expect(dialog.remoteBody?.content).toContain('m=audio 42000');
    expect(dialog.remoteBody?.content).not.toContain('boundary');
    await dialog.bye();
    await finishedOk();
  });

  it('an offerless re-INVITE gets our offer in the 200; the answer in the ACK reaches the media layer', async () => {
    const xml = scenario(
      'late-answer',
      `${RECV_INVITE}${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
${inDialogRequest('INVITE', 2)}  <recv response="100" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="m=audio 40000" search_in="body" check_it="true" assign_to="offer"/>
    </action>
  </recv>
  <Reference variables="offer"/>
${inDialogAck(2, SDP_LINES.join('\n').replace('m=audio 42000', 'm=audio 43000'))}${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const dialog = await invite(u);
    const offers: Array<SessionBody | undefined> = [];
    dialog.setOfferHandler((offer) => {
      offers.push(offer);
      return OFFER;
    });
    const answer = await new Promise<SessionBody>((r) => dialog.once('answer', r));
    expect(offers).toEqual([undefined]);
    expect(answer.contentType).toBe('application/sdp');
    expect(answer.content).toContain('m=audio 43000');
    expect(dialog.remoteBody?.content).toContain('m=audio 43000');
    await dialog.bye();
    await finishedOk();
  });

  it('a BYE challenged with 401 is sent again with credentials (sipp checks them with <verifyauth>)', async () => {
    const xml = scenario(
      'bye-auth',
      `  <recv request="INVITE"/>
${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
  <recv request="BYE"/>
${challenge(401)}  <recv request="BYE">
    <action>
      <verifyauth assign_to="authvalid" username="fyrkant" password="s3cret"/>
    </action>
  </recv>
  <nop hide="true" test="authvalid" next="good"/>
  <nop next="end"/>
  <label id="good"/>
${SEND_200_TO_LAST}  <label id="end"/>
`,
    );
    const u = await setup(xml);
    const trace = traceCollector();
    const dialog = await invite(u, { trace: trace.sink });
    const ended = new Promise<{ status?: number }>((r) => dialog.once('terminated', r));
    await dialog.bye();
    expect((await ended).status).toBe(200);
    await finishedOk(trace);
    expect(trace.summaries().filter((s) => s.startsWith('out BYE'))).toHaveLength(2);
    expect(u.activeDialogs).toBe(0);
  });

  it('an INFO challenged with 407 is sent again with Proxy-Authorization', async () => {
    const xml = scenario(
      'info-auth',
      `  <recv request="INVITE"/>
${response(200, 'OK', { sdp: true })}  <recv request="ACK"/>
  <recv request="INFO"/>
${challenge(407)}  <recv request="INFO">
    <action>
      <ereg regexp="Digest .*username=.fyrkant" search_in="hdr" header="Proxy-Authorization:" check_it="true" assign_to="pa"/>
    </action>
  </recv>
  <Reference variables="pa"/>
${SEND_200_TO_LAST}${RECV_BYE_200}`,
    );
    const u = await setup(xml);
    const dialog = await invite(u);
    expect(
      await dialog.sendInfo({ contentType: 'application/dtmf-relay', content: 'Signal=1\r\nDuration=100\r\n' }),
    ).toBe(200);
    await dialog.bye();
    await finishedOk();
  });

  it('a PBX that never answers the INVITE fails with kind no-response (Timer B), not as a ring timeout', async () => {
    // sipp takes the INVITE (and its retransmissions) and says nothing.
    const xml = neverAnswerScenario(6000);
    const u = await setup(xml, { t1: 50, t2: 400, t4: 500 });
    const started = Date.now();
    const err = await invite(u, { ringTimeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'no-response', status: 0 });
    // Timer B is 64·T1 = 3.2 s: long before the ring timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a challenge that offers only qop=auth-int fails saying qop is unsupported (not wrong credentials)', async () => {
    const xml = scenario(
      'auth-int',
      `  <recv request="INVITE"/>\n${challenge(401, 'auth-int').replace('[last_To:]', '[last_To:];tag=[pid]x')}  <recv request="ACK"/>\n`,
    );
    const u = await setup(xml);
    const err = await invite(u).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth-unsupported', status: 401 });
    expect((err as Error).message).toMatch(/qop=auth-int/);
    expect((err as Error).message).toMatch(/not support/);
    await finishedOk();
  });
});
