/**
 * The embedded backend (real SIP core + media) against sipp scenarios of PBX and carrier flows
 * (issue 14). sipp does the signalling; the phone's RTP is a UDP socket owned by the test (sipp's SDP
 * points at it), so the test sees exactly what fyrkant sends and sends RFC 4733 events and in-band
 * tones back: media after a late answer in the ACK, telephone-event PT mismatch, SIP-I multipart
 * answers, reliable 183 + bare 200, in-band DTMF with telephone-event agreed, the answer's ptime,
 * and a PBX that never answers.
 */
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/telephony/embedded/backend';
import { createSipSignalling } from '../../src/telephony/embedded/sip';
import type { Call, DtmfEvent } from '../../src/telephony/port';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import {
  BYE_LATER,
  inDialogAck,
  inDialogRequest,
  neverAnswerScenario,
  ok200WithBody,
  RECV_INVITE,
  SEND_200_TO_LAST,
  scenario,
} from '../support/peers/sipp-scenarios';
import { freePort } from '../support/ports';
import { Phone, pause, phoneSdp } from '../support/rtp-phone';

jest.setTimeout(30_000);

async function until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

const sdp = phoneSdp;
const ok200 = ok200WithBody;

const HEADERS = `[last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>`;

describe('embedded backend ↔ sipp: PBX and carrier media flows', () => {
  let backend: EmbeddedBackend | undefined;
  let sipp: SippPeer | undefined;
  const phones: Phone[] = [];

  afterEach(async () => {
    await backend?.stop();
    await sipp?.stop();
    for (const p of phones.splice(0)) p.close();
    backend = undefined;
    sipp = undefined;
  });

  async function phone(address?: string): Promise<Phone> {
    const p = await new Phone(address).open();
    phones.push(p);
    return p;
  }

  async function start(
    xml: string,
    opts: { inband?: 'auto' | 'always' | 'never'; t1?: number; mediaAddress?: string } = {},
  ): Promise<EmbeddedBackend> {
    sipp = await startSippUas({ scenarioXml: xml, timeoutS: 30 });
    const t1 = opts.t1 ?? 100;
    const signalling = createSipSignalling({
      listen: { host: '127.0.0.1', port: 0 },
      transport: 'udp',
      timers: { t1, t2: 400, t4: 500 },
      trunk: { uri: `sip:127.0.0.1:${sipp.port}`, fromUser: 'fyrkant' },
    });
    const base = await freePort();
    backend = createEmbeddedBackend({
      signalling,
      media: {
        address: opts.mediaAddress ?? '127.0.0.1',
        rtpPortMin: base,
        rtpPortMax: Math.min(65534, base + 200),
        // Media on a worker thread, as configured by default (issue 20); test/media/backend.test.ts runs both.
        workers: 1,
      },
      ...(opts.inband ? { dtmf: { inbandDetection: opts.inband } } : {}),
    });
    await backend.start();
    return backend;
  }

  const dial = (b: EmbeddedBackend, ringTimeoutMs = 5000) =>
    b.dial({
      attemptId: 'a1',
      requestUri: sipp!.uri('1001'),
      policyDecisionId: 'p1',
      ringTimeoutMs,
      trace: () => {},
    });

  function digits(call: Call): DtmfEvent[] {
    const got: DtmfEvent[] = [];
    call.on('dtmf', (e) => got.push(e));
    return got;
  }

  const shown = (got: DtmfEvent[]) => got.map((e) => `${e.digit}:${e.source}`);

  async function hangUp(call: Call): Promise<void> {
    await call.hangup();
    const code = await sipp!.finished();
    if (code !== 0) throw new Error(`sipp exit ${code}\n${sipp!.logs()}`);
  }

  it('an offerless re-INVITE answered in the ACK moves the media: RTP goes to the new address, its # is heard', async () => {
    const [a, b] = [await phone(), await phone()];
    const xml = scenario(
      'late-answer',
      `${RECV_INVITE}${ok200(sdp(a.port, { tePt: 101 }))}  <recv request="ACK"/>
  <pause milliseconds="300"/>
${inDialogRequest('INVITE', 2)}  <recv response="100" optional="true"/>
  <recv response="200"/>
${inDialogAck(2, sdp(b.port, { tePt: 101 }))}${BYE_LATER}`,
    );
    const call = await dial(await start(xml));
    const got = digits(call);
    await until(() => a.packets.length > 0, 'RTP at the first address');
    await until(() => b.packets.length > 0, 'RTP at the address answered in the ACK');
    await b.event(11, 101, 5000, 100);
    await until(() => got.length > 0, 'the # from the new address');
    expect(shown(got)).toEqual(['#:rfc4733']);
    await hangUp(call);
  });

  it('telephone-event PT mismatch: hears events on the PT we offered (101), sends on the PT the answer named (100)', async () => {
    const a = await phone();
    const xml = scenario(
      'pt-mismatch',
      `  <recv request="INVITE"/>\n${ok200(sdp(a.port, { tePt: 100 }))}  <recv request="ACK"/>\n${BYE_LATER}`,
    );
    const call = await dial(await start(xml));
    const got = digits(call);
    await until(() => a.ourPort > 0, 'RTP from fyrkant');
    await a.event(11, 101, 8000, 200);
    await until(() => got.length > 0, 'the # sent with PT 101');
    expect(shown(got)).toEqual(['#:rfc4733']);
    await call.sendDigits('1');
    const events = a.packets.filter((p) => p.length === 4);
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((p) => p.pt))).toEqual(new Set([100]));
    await hangUp(call);
  });

  it('a SIP-I 200 with multipart/mixed (SDP + ISUP) is answered: media flows to the SDP part', async () => {
    const a = await phone();
    const body = `--b0und4ry\nContent-Type: application/sdp\n\n${sdp(a.port, { tePt: 101 })}\n--b0und4ry\nContent-Type: application/ISUP;version=itu-t92+\nContent-Disposition: signal;handling=optional\n\n\x09\xa1\xc8\xfa\x7f\xe0\n--b0und4ry--`;
    const xml = scenario(
      'sip-i',
      `  <recv request="INVITE"/>\n${ok200(body, 'multipart/mixed;boundary=b0und4ry')}  <recv request="ACK"/>\n${BYE_LATER}`,
    );
    const call = await dial(await start(xml));
    await until(() => a.packets.length >= 3, 'RTP to the SDP part address');
    expect(call.dtmfModes).toContain('rfc4733');
    expect(call.state.name).toBe('answered');
    await hangUp(call);
  });

  it('a reliable 183 with SDP then a 200 without: PRACKed, answered, media flows', async () => {
    const a = await phone();
    const xml = scenario(
      'rel-183',
      `  <recv request="INVITE">
    <action>
      <ereg regexp=".*" search_in="hdr" header="Via:" assign_to="v"/>
      <ereg regexp=".*" search_in="hdr" header="CSeq:" assign_to="c"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 183 Session Progress
      ${HEADERS}
      Require: 100rel
      RSeq: 1
      Content-Type: application/sdp
      Content-Length: [len]

${sdp(a.port, { tePt: 101 })}
    ]]>
  </send>
  <recv request="PRACK"/>
${SEND_200_TO_LAST}  <send>
    <![CDATA[
      SIP/2.0 200 OK
      Via: [$v]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      CSeq: [$c]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
${BYE_LATER}`,
    );
    const call = await dial(await start(xml), 4000);
    await until(() => a.packets.length >= 3, 'RTP to the 183 answer address');
    await hangUp(call);
  });

  it('auto: with telephone-event agreed, in-band tones are heard until events come; a key sent both ways counts once', async () => {
    const a = await phone();
    const xml = scenario(
      'inband-te',
      `  <recv request="INVITE"/>\n${ok200(sdp(a.port, { tePt: 101 }))}  <recv request="ACK"/>\n${BYE_LATER}`,
    );
    const call = await dial(await start(xml));
    expect(call.dtmfModes).toEqual(['rfc4733', 'info', 'inband']);
    const got = digits(call);
    await until(() => a.ourPort > 0, 'RTP from fyrkant');
    await a.tones('#', 1000, 160_000);
    await until(() => got.length >= 1, 'the in-band #');
    await a.tones('5', 2000, 320_000, { code: 5, pt: 101 });
    await a.event(1, 101, 480_000, 3000);
    await until(() => got.some((e) => e.digit === '1'), 'the RFC 4733 1');
    expect(shown(got)).toEqual(['#:inband', expect.stringMatching(/^5:/), '1:rfc4733']);
    await hangUp(call);
  });

  it('never: no in-band detection even without telephone-event', async () => {
    const a = await phone();
    const xml = scenario(
      'inband-never',
      `  <recv request="INVITE"/>\n${ok200(sdp(a.port))}  <recv request="ACK"/>\n${BYE_LATER}`,
    );
    const call = await dial(await start(xml, { inband: 'never' }));
    expect(call.dtmfModes).toEqual(['info']);
    await hangUp(call);
  });

  it("honours the answer's a=ptime:30 (240-sample packets, timestamps 240 apart)", async () => {
    const a = await phone();
    const xml = scenario(
      'ptime',
      `  <recv request="INVITE"/>\n${ok200(sdp(a.port, { tePt: 101, ptime: 30 }))}  <recv request="ACK"/>\n${BYE_LATER}`,
    );
    const call = await dial(await start(xml));
    await until(() => a.packets.length >= 10, 'ten packets');
    const audio = a.packets.filter((p) => p.pt === 0);
    expect(audio.every((p) => p.length === 240)).toBe(true);
    for (let i = 1; i < audio.length; i++) {
      if (audio[i]!.seq !== ((audio[i - 1]!.seq + 1) & 0xffff)) continue;
      expect(((audio[i]!.ts - audio[i - 1]!.ts) >>> 0) % 240).toBe(0);
    }
    await hangUp(call);
  });

  it('IPv6 media: with media.address ::1 the offer says IN IP6, RTP flows to an IPv6 answer and its # is heard', async () => {
    const a = await phone('::1');
    const xml = scenario(
      'ipv6',
      `  <recv request="INVITE">
    <action>
      <ereg regexp="c=IN IP6 ::1" search_in="body" check_it="true" assign_to="c6"/>
    </action>
  </recv>
  <Reference variables="c6"/>
${ok200(sdp(a.port, { tePt: 101, ip6: true }))}  <recv request="ACK"/>
${BYE_LATER}`,
    );
    const call = await dial(await start(xml, { mediaAddress: '::1' }));
    const got = digits(call);
    await until(() => a.ourPort > 0, 'RTP over IPv6');
    await a.event(11, 101, 8000, 300);
    await until(() => got.length > 0, 'the # over IPv6');
    expect(shown(got)).toEqual(['#:rfc4733']);
    await hangUp(call);
  });

  it('an IPv6 answer to IPv4 media fails at once saying so (not "no free RTP port", not a silent call)', async () => {
    const xml = scenario(
      'ipv6-mismatch',
      `  <recv request="INVITE"/>
${ok200(sdp(40000, { tePt: 101, ip6: true }))}  <recv request="ACK"/>
${BYE_LATER}`,
    );
    const err = await dial(await start(xml)).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'media' });
    expect((err as Error).message).toMatch(/IPv6.*media\.address/);
    expect(await sipp!.finished()).toBe(0);
  });

  it('a PBX that never answers the INVITE (Timer B) is unavailable, not no-answer', async () => {
    const xml = neverAnswerScenario(6000);
    const b = await start(xml, { t1: 50 });
    const err = await dial(b, 30_000).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'unavailable' });
    expect((err as Error).message).toMatch(/no response/);
  });
});
