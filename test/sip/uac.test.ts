/** UAC behaviour needing exact timing, against a hand-driven peer; plus REGISTER refresh and keep-alive against sipp. */
import type { RegistrationState, SipSignalling, TrunkHealth } from '../../src/telephony/embedded/sip';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { answerScenario, OPTIONS_200, scenario } from '../support/peers/sipp-scenarios';
import { type RawPeer, startRawPeer } from './support/raw-peer';
import { makeUa, OFFER, traceCollector, waitFor } from './support/ua';

const SDP = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 42000 RTP/AVP 0\r\n';

describe('UAC against a hand-driven peer', () => {
  let peer: RawPeer;
  let ua: SipSignalling;

  beforeEach(async () => {
    peer = await startRawPeer();
    ua = makeUa({ trunkUri: `sip:127.0.0.1:${peer.port}` });
    await ua.start();
  });
  afterEach(async () => {
    await ua.stop();
    await peer.close();
  });

  const uri = () => `sip:1001@127.0.0.1:${peer.port}`;

  it('re-sends the ACK when the 2xx is retransmitted (our ACK was lost)', async () => {
    const call = ua.invite({ requestUri: uri(), offer: OFFER, ringTimeoutMs: 5000, trace: () => {} });
    const [invite] = await peer.waitFor('INVITE');
    peer.reply(invite!, 200, 'OK', { tag: 't1', body: SDP });
    const dialog = await call;
    await peer.waitFor('ACK', 1);
    peer.reply(invite!, 200, 'OK', { tag: 't1', body: SDP });
    peer.reply(invite!, 200, 'OK', { tag: 't1', body: SDP });
    const acks = await peer.waitFor('ACK', 3);
    expect(acks).toHaveLength(3);
    expect(new Set(acks.map((a) => a.via.branch)).size).toBe(1); // the same ACK each time
    expect(acks[0]!.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(ua.activeDialogs).toBe(1);
    const bye = dialog.bye();
    const [b] = await peer.waitFor('BYE');
    peer.reply(b!, 200, 'OK');
    await bye;
  });

  it('sends CANCEL only after a provisional response (RFC 3261 §9.1)', async () => {
    const ac = new AbortController();
    const call = ua.invite({
      requestUri: uri(),
      offer: OFFER,
      ringTimeoutMs: 10000,
      trace: () => {},
      signal: ac.signal,
    });
    const [invite] = await peer.waitFor('INVITE');
    ac.abort();
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.requests('CANCEL')).toHaveLength(0); // nothing provisional yet: no CANCEL
    peer.reply(invite!, 180, 'Ringing', { tag: 'early1' });
    const [cancel] = await peer.waitFor('CANCEL');
    expect(cancel!.via.branch).toBe(invite!.via.branch);
    expect(cancel!.uri).toBe(invite!.uri);
    expect(cancel!.cseq).toEqual({ seq: invite!.cseq.seq, method: 'CANCEL' });
    expect(cancel!.toTag).toBeUndefined();
    peer.reply(cancel!, 200, 'OK', { tag: 'early1' });
    peer.reply(invite!, 487, 'Request Terminated', { tag: 'early1' });
    await expect(call).rejects.toMatchObject({ status: 487, kind: 'cancelled' });
    const [ack] = await peer.waitFor('ACK');
    expect(ack!.via.branch).toBe(invite!.via.branch); // non-2xx ACK is hop-by-hop, same branch
    expect(ua.activeDialogs).toBe(0);
  });

  it('reports early media (183 with SDP) to the media layer', async () => {
    const progress: Array<{ status: number; body?: { content: string } }> = [];
    const call = ua.invite({
      requestUri: uri(),
      offer: OFFER,
      ringTimeoutMs: 5000,
      trace: () => {},
      onProvisional: (p) => progress.push(p),
    });
    const [invite] = await peer.waitFor('INVITE');
    peer.reply(invite!, 183, 'Session Progress', { tag: 'e1', body: SDP });
    await waitFor(() => progress.length === 1);
    expect(progress[0]).toMatchObject({ status: 183, body: { content: SDP } });
    peer.reply(invite!, 486, 'Busy Here', { tag: 'e1' });
    await expect(call).rejects.toMatchObject({ status: 486, kind: 'final-response' });
  });

  it('fails as no-response (Timer B) when nothing answers', async () => {
    const trace = traceCollector();
    const err = await ua
      .invite({ requestUri: uri(), offer: OFFER, ringTimeoutMs: 60000, trace: trace.sink })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, kind: 'no-response' });
    // T1 = 100 ms: INVITE at 0, 100, 300, 700, 1500, 3100, 6300 ms, Timer B at 6.4 s. The exact schedule is
    // checked under fake timers (transaction.test.ts); on a loaded machine the last one may lose the race.
    const sends = trace.events.filter((e) => e.kind === 'sip' && e.summary.startsWith('INVITE')).length;
    expect(sends).toBeGreaterThanOrEqual(3); // retransmitted (Timer A) before giving up
    expect(sends).toBeLessThanOrEqual(7);
  }, 10000);
});

describe('large requests and the trunk, against sipp', () => {
  let ua: SipSignalling | undefined;
  let sipp: SippPeer | undefined;
  afterEach(async () => {
    await ua?.stop();
    await sipp?.stop();
    ua = sipp = undefined;
  });

  it('a request over 1300 bytes goes over TCP although UDP is the default (RFC 3261 §18.1.1)', async () => {
    sipp = await startSippUas({ scenarioXml: answerScenario(), transport: 'tcp' });
    ua = makeUa({ trunkUri: `sip:127.0.0.1:${sipp.port}` });
    await ua.start();
    const trace = traceCollector();
    const dialog = await ua.invite({
      requestUri: `sip:service@127.0.0.1:${sipp.port}`,
      offer: OFFER,
      ringTimeoutMs: 5000,
      trace: trace.sink,
      headers: { 'X-Padding': 'x'.repeat(1400) },
    });
    await dialog.bye();
    expect(await sipp.finished()).toBe(0);
    const invite = trace.events.find((e) => e.kind === 'sip' && e.summary.startsWith('INVITE'));
    expect(invite?.kind === 'sip' && invite.peer).toBe(`tcp:127.0.0.1:${sipp.port}`);
    expect(invite?.kind === 'sip' && invite.raw).toContain('Via: SIP/2.0/TCP');
  });

  it('REGISTER: 401 answered, refreshed before expiry with re-authentication', async () => {
    const challenge = `  <send>
    <![CDATA[
      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=reg[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: Digest realm="pbx.test", nonce="n[clock_tick]", qop="auth"
      Content-Length: 0
    ]]>
  </send>
`;
    const ok = (expires: number) => `  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=reg[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:fyrkant@127.0.0.1>;expires=${expires}
      Content-Length: 0
    ]]>
  </send>
`;
    const verify = `  <recv request="REGISTER">
    <action>
      <verifyauth assign_to="ok" username="fyrkant" password="pw"/>
    </action>
  </recv>
  <nop test="ok" next="good[n]"/>
  <send>
    <![CDATA[
      SIP/2.0 403 Wrong Credentials
      [last_Via:]
      [last_From:]
      [last_To:];tag=reg[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <nop next="end"/>
  <label id="good[n]"/>
`;
    const xml = scenario(
      'register',
      `  <recv request="REGISTER"/>
${challenge}${verify.replace('[n]', '1').replace('[n]', '1')}${ok(1)}  <recv request="REGISTER"/>
${challenge}${verify.replace('[n]', '2').replace('[n]', '2')}${ok(60)}  <label id="end"/>
`,
    );
    sipp = await startSippUas({ scenarioXml: xml });
    ua = makeUa({
      trunkUri: `sip:127.0.0.1:${sipp.port}`,
      trunk: { uri: '', fromUser: 'fyrkant', username: 'fyrkant', password: 'pw', register: { expires: 120 } },
    });
    const states: RegistrationState[] = [];
    ua.trunk.on('registration', (s) => states.push(s));
    await ua.start();
    await waitFor(() => states.filter((s) => s.state === 'registered').length === 2, 5000);
    expect(states.filter((s) => s.state === 'registered').map((s) => s.state === 'registered' && s.expires)).toEqual([
      1, 60,
    ]);
    expect(await sipp.finished()).toBe(0);
  });

  it('OPTIONS keep-alive tracks trunk health: reachable, then unreachable when the trunk goes away', async () => {
    sipp = await startSippUas({ scenarioXml: scenario('keepalive', OPTIONS_200), calls: 2 });
    ua = makeUa({
      trunkUri: `sip:127.0.0.1:${sipp.port}`,
      timers: { t1: 40, t2: 200, t4: 200, timerD: 200 },
      trunk: { uri: '', fromUser: 'fyrkant', keepaliveIntervalMs: 200 },
    });
    const health: TrunkHealth[] = [];
    ua.trunk.on('health', (h) => health.push(h));
    await ua.start();
    await waitFor(() => health.includes('reachable'));
    expect(await sipp.finished()).toBe(0); // answered its two OPTIONS and left
    await waitFor(() => health.includes('unreachable'), 6000);
    expect(health).toEqual(['reachable', 'unreachable']);
    expect(await ua.probeTrunk()).toBe(0);
  }, 15000);
});

describe('invite() input errors', () => {
  it('rejects (never throws) for a Request-URI it cannot route', async () => {
    const ua = makeUa({ trunkUri: 'sip:127.0.0.1:9' });
    await ua.start();
    try {
      const p = ua.invite({ requestUri: 'tel:+46812345', offer: OFFER, ringTimeoutMs: 1000, trace: () => {} });
      await expect(p).rejects.toMatchObject({ kind: 'transport', status: 0 });
      expect(ua.activeDialogs).toBe(0);
    } finally {
      await ua.stop();
    }
  });
});
