/**
 * Only the phone can press '#' (issue 13): the embedded backend (real SIP core + media) against sipp
 * as the PBX, a test-owned RTP socket as the phone (sipp's SDP points at it, ../support/rtp-phone.ts),
 * and an attacker socket on another host address (127.0.0.2 — all of 127/8 is loopback on Linux)
 * that sends RFC 4733 '#' presses to the call's RTP port (told the port at answer, the race that
 * won 40 of 40 calls before) and sprays every even port of the RTP range (guessing).
 *
 * A '#' digit on the call is what the IVR takes as approval: the attacker must never produce one,
 * and the phone's own '#' must always get through.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/telephony/embedded/backend';
import type { EmbeddedCall } from '../../src/telephony/embedded/call';
import { writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';
import type { RtpSourceMode } from '../../src/telephony/embedded/media/rtp/source-policy';
import { createSipSignalling } from '../../src/telephony/embedded/sip';
import type { Call, DtmfEvent, TraceEvent } from '../../src/telephony/port';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import {
  BYE_LATER,
  inDialogAck,
  inDialogRequest,
  ok200WithBody,
  RECV_INVITE,
  scenario,
} from '../support/peers/sipp-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { Phone, phoneSdp } from '../support/rtp-phone';
import { until } from '../support/until';

jest.setTimeout(120_000);

const HASH = 11;
/** Even RTP ports in the rig's range: small, so the guessing attacker hits live calls often. */
const RANGE_PORTS = 50;

/**
 * The attacker: one socket on 127.0.0.2. Per destination port it keeps one stream (one SSRC,
 * sequence numbers without gaps — the strongest stranger, it would pass any probation) and sends
 * '#' presses: 3 updates then 3 end packets, a new event every 6 packets.
 */
class Attacker {
  private socket!: Socket;
  private readonly streams = new Map<number, { seq: number; n: number; ts: number }>();
  private readonly told = new Set<number>();
  readonly sent = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly target: string,
    private readonly range: { min: number; count: number },
  ) {}

  async open(address = '127.0.0.2'): Promise<this> {
    this.socket = createSocket('udp4');
    await new Promise<void>((r) => this.socket.bind(0, address, () => r()));
    // Guessing: every 20 ms one packet to every even port of the range.
    this.timer = setInterval(() => {
      for (let i = 0; i < this.range.count; i++) this.packet(this.range.min + 2 * i);
      for (const port of this.told) this.packet(port);
    }, 20);
    return this;
  }

  /** Told the call's port (as if sniffed from the SDP): a whole press at once, then one packet a tick. */
  tell(port: number): void {
    this.told.add(port);
    for (let i = 0; i < 9; i++) this.packet(port);
  }

  forget(port: number): void {
    this.told.delete(port);
  }

  sentTo(port: number): number {
    return this.sent.get(port) ?? 0;
  }

  private packet(port: number): void {
    let s = this.streams.get(port);
    if (!s) {
      s = { seq: port & 0xffff, n: 0, ts: 1000 };
      this.streams.set(port, s);
    }
    const k = s.n % 6;
    if (k === 0) s.ts = (s.ts + 8000) >>> 0;
    const b = Buffer.alloc(16);
    writeRtpHeader(b, 101, k === 0, s.seq, s.ts, 0xbad0bad0);
    b.set(k < 3 ? [HASH, 10, 0, 160 * (k + 1)] : [HASH, 0x80 | 10, 0x03, 0xc0], 12);
    s.seq = (s.seq + 1) & 0xffff;
    s.n++;
    this.sent.set(port, (this.sent.get(port) ?? 0) + 1);
    this.socket.send(b, port, this.target);
  }

  close(): void {
    clearInterval(this.timer);
    this.socket.close();
  }
}

interface Rig {
  readonly backend: EmbeddedBackend;
  readonly sipp: SippPeer;
  readonly rtpMin: number;
  stop(): Promise<void>;
}

/** sipp answers each INVITE with `sdp` (the phone's media) and waits for our BYE. */
function answerXml(sdp: string): string {
  return scenario('phone', `  <recv request="INVITE"/>\n${ok200WithBody(sdp)}  <recv request="ACK"/>\n${BYE_LATER}`);
}

/**
 * sipp runs `xml` (or, given a bare SDP, the plain answer scenario) for `calls` calls; fyrkant's RTP
 * range holds `ports` even ports (1: the test knows the call's port before the answer).
 */
async function startRig(mode: RtpSourceMode, xml: string, calls: number, ports = RANGE_PORTS): Promise<Rig> {
  const sipp = await startSippUas({
    scenarioXml: xml.startsWith('<?xml') ? xml : answerXml(xml),
    calls,
    timeoutS: 120,
  });
  const signalling = createSipSignalling({
    listen: { host: '127.0.0.1', port: 0 },
    transport: 'udp',
    timers: { t1: 100, t2: 400, t4: 500 },
    trunk: { uri: `sip:127.0.0.1:${sipp.port}`, fromUser: 'fyrkant' },
  });
  const base = ports === 1 ? await freeEvenPortPair() : await freePort();
  const rtpMin = Math.min(base + (base % 2), 65534 - 2 * ports);
  const backend = createEmbeddedBackend({
    signalling,
    media: {
      address: '127.0.0.1',
      rtpPortMin: rtpMin,
      rtpPortMax: rtpMin + 2 * ports - 1,
      rtpSource: mode,
      // On worker threads, as configured by default (issue 20): bad RTP must not hurt a worker either.
      workers: 2,
    },
  });
  await backend.start();
  return {
    backend,
    sipp,
    rtpMin,
    async stop() {
      await backend.stop();
      await sipp.stop();
    },
  };
}

interface Placed {
  readonly call: Call;
  readonly port: number;
  readonly digits: DtmfEvent[];
  readonly trace: TraceEvent[];
}

async function place(rig: Rig): Promise<Placed> {
  const trace: TraceEvent[] = [];
  const digits: DtmfEvent[] = [];
  const call = await rig.backend.dial({
    attemptId: 'a',
    requestUri: rig.sipp.uri('1001'),
    policyDecisionId: 'p',
    ringTimeoutMs: 10_000,
    trace: (e) => trace.push(e),
  });
  call.on('dtmf', (e) => digits.push(e));
  const media = trace.find((e) => e.kind === 'media' && e.stats?.localPort !== undefined);
  const port = Number(media?.kind === 'media' ? media.stats?.localPort : 0);
  return { call, port, digits, trace };
}

/** Run `n` jobs, at most `parallel` at a time. */
async function pool<T>(n: number, parallel: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await job(i);
      }
    }),
  );
  return out;
}

const digitsOf = (p: Placed) => p.digits.map((d) => d.digit).join('');

describe('RTP source policy against an attacker on another host (real SIP via sipp, real UDP)', () => {
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  /**
   * `calls` calls, 20 at a time. Each: the attacker is told the port at answer and sprays the range
   * throughout; once it has sent 25 packets at this call (a dozen of them whole '#' presses in one
   * gap-free stream) the phone presses '#' itself. Returns, per call, the digits heard before the
   * phone's press and in total.
   */
  async function attackRun(
    mode: RtpSourceMode,
    phoneSends: boolean,
    calls: number,
  ): Promise<{ before: string[]; all: string[]; attacked: number[] }> {
    const phone = await new Phone('127.0.0.1').open();
    open.push(phone);
    const rig = await startRig(mode, phoneSdp(phone.port, { tePt: 101 }), calls);
    try {
      const attacker = await new Attacker('127.0.0.1', { min: rig.rtpMin, count: RANGE_PORTS }).open();
      open.push(attacker);
      const results = await pool(calls, 20, async () => {
        const p = await place(rig);
        attacker.tell(p.port);
        if (phoneSends) phone.startAudio(p.port);
        await until(() => attacker.sentTo(p.port) >= 25, 'the attacker to send 25 packets at the call', 10_000);
        // Media runs on a worker: let it handle what the attacker sent before looking at the digits.
        await (p.call as EmbeddedCall).mediaSettled();
        const before = digitsOf(p);
        await phone.press(HASH, p.port);
        await until(() => p.digits.length > 0, "the phone's #", 5000).catch(() => undefined);
        attacker.forget(p.port);
        phone.stopAudio(p.port);
        const attacked = attacker.sentTo(p.port);
        await (p.call as EmbeddedCall).mediaSettled();
        await p.call.hangup();
        return { before, all: digitsOf(p), attacked };
      });
      expect(await rig.sipp.finished()).toBe(0);
      return {
        before: results.map((r) => r.before),
        all: results.map((r) => r.all),
        attacked: results.map((r) => r.attacked),
      };
    } finally {
      await rig.stop();
    }
  }

  it.each<[RtpSourceMode, string]>([
    ['same-host', 'a phone sending audio'],
    ['same-host', 'a silent phone'],
    ['strict', 'a phone sending audio'],
    ['strict', 'a silent phone'],
  ])("%s, %s: 100 attacked calls, none approved by the attacker, every phone's # heard", async (mode, phoneKind) => {
    const r = await attackRun(mode, phoneKind === 'a phone sending audio', 100);
    expect(r.attacked.every((n) => n >= 25)).toBe(true);
    expect(r.before.filter((d) => d !== '')).toEqual([]);
    expect(r.all).toEqual(Array(100).fill('#'));
  });

  it('control: in learn mode a silent phone is taken over by the same attacker (the attack is real; learn is the weaker mode)', async () => {
    const r = await attackRun('learn', false, 10);
    expect(r.before.filter((d) => d.includes('#')).length).toBeGreaterThanOrEqual(5);
  });
});

describe('RTP source policy: real phones that do not send from their SDP address', () => {
  const open: { close(): void }[] = [];
  let rig: Rig | undefined;
  afterEach(async () => {
    for (const o of open.splice(0)) o.close();
    await rig?.stop();
    rig = undefined;
  });

  async function phone(address: string): Promise<Phone> {
    const p = await new Phone(address, { target: '127.0.0.1' }).open();
    open.push(p);
    return p;
  }

  /**
   * The SDP names `sdpPhone`'s socket; `sender` (another port, or another host) is where the phone
   * really sends audio and presses from. Returns the digits heard once `sdpPhone` has pressed '1'
   * after it (packets queue in order at fyrkant's socket, so `sender`'s were handled by then).
   */
  async function otherSender(
    mode: RtpSourceMode,
    senderAddress: string,
  ): Promise<{ digits: string; placed: Placed; sender: Phone }> {
    const sdpPhone = await phone('127.0.0.1');
    const sender = await phone(senderAddress);
    rig = await startRig(mode, phoneSdp(sdpPhone.port, { tePt: 101 }), 1);
    const placed = await place(rig);
    sender.startAudio(placed.port);
    // The phone talks for a while (probation is 4 packets), then presses '#'.
    await until(() => sender.packetsSentTo(placed.port) >= 10, 'the phone to send 10 audio packets');
    await sender.press(HASH, placed.port);
    await sdpPhone.press(1, placed.port);
    await until(() => placed.digits.some((d) => d.digit === '1'), "the '1' from the SDP address");
    sender.stopAudio(placed.port);
    const digits = digitsOf(placed);
    await placed.call.hangup();
    return { digits, placed, sender };
  }

  const adopted = (p: Placed) =>
    p.trace.filter((e) => e.kind === 'media' && /adopted/.test(e.summary)).map((e) => e.kind === 'media' && e.summary);

  it('same-host: a phone that sends from another port than its SDP is adopted, heard, and sent to', async () => {
    const { digits, placed, sender } = await otherSender('same-host', '127.0.0.1');
    expect(digits).toBe('#1');
    expect(adopted(placed)).toEqual([expect.stringContaining(`adopted 127.0.0.1:${sender.port}`)]);
    // Symmetric RTP: once adopted, fyrkant's audio goes where the phone sends from.
    expect(sender.packets.length).toBeGreaterThan(0);
  });

  it('strict: the same phone is not heard from another port (only the SDP address and port count)', async () => {
    const { digits, placed, sender } = await otherSender('strict', '127.0.0.1');
    expect(digits).toBe('1');
    expect(adopted(placed)).toEqual([]);
    expect(sender.packets).toEqual([]);
  });

  it('learn: a phone behind NAT (another IP after probation) is adopted and heard', async () => {
    const { digits, placed } = await otherSender('learn', '127.0.0.3');
    expect(digits).toBe('#1');
    expect(adopted(placed)).toEqual([expect.stringMatching(/adopted 127\.0\.0\.3:\d+.*media\.rtpSource learn/)]);
  });

  it('same-host: a phone behind NAT is not heard (another host is never adopted)', async () => {
    const { digits, placed } = await otherSender('same-host', '127.0.0.3');
    expect(digits).toBe('1');
    const end = placed.trace.filter((e) => e.kind === 'media' && e.stats?.rtpForeignSource !== undefined);
    expect(end.length).toBe(1);
    // The operator is told once why, and what to change if it is the PBX's own media.
    const told = placed.trace.filter((e) => e.kind === 'media' && /refusing packets from 127\.0\.0\.3/.test(e.summary));
    expect(told).toEqual([
      expect.objectContaining({ summary: expect.stringContaining('set media.rtpSource to learn') }),
    ]);
  });
});

describe('RTP source policy: media changes with packets still in flight from the old address', () => {
  const open: { close(): void }[] = [];
  let rig: Rig | undefined;
  afterEach(async () => {
    for (const o of open.splice(0)) o.close();
    await rig?.stop();
    rig = undefined;
  });

  async function phones(): Promise<[Phone, Phone]> {
    const a = await new Phone('127.0.0.1').open();
    const b = await new Phone('127.0.0.1').open();
    open.push(a, b);
    return [a, b];
  }

  const summaries = (p: Placed) =>
    p.trace.filter((e) => e.kind === 'media').map((e) => (e.kind === 'media' ? e.summary : ''));

  /**
   * `old` keeps talking (its audio is in flight) while `fresh`, the newly signalled address, presses
   * '#': it must be heard at once, exactly once, and fyrkant's audio must go to `fresh`.
   */
  async function freshPressWins(placed: Placed, old: Phone, fresh: Phone, sentBefore: number): Promise<void> {
    await until(() => old.packetsSentTo(placed.port) >= sentBefore + 8, 'old-address packets after the change');
    await fresh.press(HASH, placed.port);
    await until(() => placed.digits.length > 0, 'the # from the new address');
    await until(() => fresh.packets.length > 0, 'fyrkant sending to the new address');
    old.stopAudio(placed.port);
    expect(digitsOf(placed)).toBe('#');
    expect(summaries(placed)).toContain(
      `RTP source: accepting 127.0.0.1:${fresh.port} (the SDP address), SSRC 0x${(fresh.ssrc + 1).toString(16).padStart(8, '0')}`,
    );
    await placed.call.hangup();
    expect(await rig!.sipp.finished()).toBe(0);
  }

  it('183 with one address, then a 200 with another: the 200 wins although early media keeps coming from the 183 address', async () => {
    const [a, b] = await phones();
    const xml = scenario(
      'early-183',
      `  <recv request="INVITE"/>
  <send>
    <![CDATA[
      SIP/2.0 183 Session Progress
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

${phoneSdp(a.port, { tePt: 101 })}
    ]]>
  </send>
  <pause milliseconds="200"/>
${ok200WithBody(phoneSdp(b.port, { tePt: 101 }))}  <recv request="ACK"/>
${BYE_LATER}`,
    );
    rig = await startRig('same-host', xml, 1, 1);
    // The PBX's early media from the 183 address, from before the answer and on past it.
    a.startAudio(rig.rtpMin);
    const placed = await place(rig);
    expect(placed.port).toBe(rig.rtpMin);
    await freshPressWins(placed, a, b, a.packetsSentTo(placed.port));
  });

  it.each(['a re-INVITE', 'an UPDATE'])(
    '%s that moves the media: the new address wins while the old one still sends',
    async (what) => {
      const method = what === 'an UPDATE' ? 'UPDATE' : 'INVITE';
      const [a, b] = await phones();
      const offer = inDialogRequest(method, 2, {
        body: { type: 'application/sdp', text: phoneSdp(b.port, { tePt: 101 }) },
      });
      const xml = scenario(
        `re-${method}`,
        `${RECV_INVITE}${ok200WithBody(phoneSdp(a.port, { tePt: 101 }))}  <recv request="ACK"/>
  <pause milliseconds="200"/>
${offer}${method === 'INVITE' ? '  <recv response="100" optional="true"/>\n' : ''}  <recv response="200"/>
${method === 'INVITE' ? inDialogAck(2) : ''}${BYE_LATER}`,
      );
      rig = await startRig('same-host', xml, 1);
      const placed = await place(rig);
      a.startAudio(placed.port);
      await until(() => summaries(placed).some((m) => /re-negotiated/.test(m)), `the re-${method}`);
      await freshPressWins(placed, a, b, a.packetsSentTo(placed.port));
    },
  );
});

describe('bounded RTP fuzz at live calls', () => {
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  /**
   * Garbage at every port of the range, every 10 ms: random bytes, truncated and padded RTP, RTCP,
   * random payload types, SSRCs and sequence numbers, RFC 4733 payloads with '#' or any event code.
   */
  /** Sweeps of the range sent so far (every port gets one datagram per sweep). */
  let sweeps = 0;
  function fuzzer(socket: Socket, range: { min: number; count: number }, seed: number): () => void {
    let s = seed >>> 0 || 1;
    const rnd = (n: number) => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const datagram = (): Buffer => {
      const kind = rnd(6);
      const b = Buffer.alloc(kind === 0 ? rnd(40) : 12 + rnd(200));
      for (let i = 0; i < b.length; i++) b[i] = rnd(256);
      if (kind >= 1 && b.length >= 12) {
        b[0] = 0x80 | (kind === 2 ? rnd(64) : 0); // version 2, sometimes padding/extension/CSRC bits
        b[1] = kind === 3 ? 200 + rnd(8) : (rnd(2) << 7) | [0, 8, 101, 13, rnd(128)][rnd(5)]!;
        if (kind === 4 && b.length >= 16) b[12] = rnd(2) ? HASH : rnd(256);
      }
      return b;
    };
    const timer = setInterval(() => {
      for (let i = 0; i < range.count; i++) socket.send(datagram(), range.min + 2 * i, '127.0.0.1');
      sweeps++;
    }, 10);
    return () => clearInterval(timer);
  }

  it('40 calls under garbage from 127.0.0.2 and from the phone’s host: every # heard once, no call gets one it did not press', async () => {
    const phone = await new Phone('127.0.0.1').open();
    open.push(phone);
    const rig = await startRig('same-host', phoneSdp(phone.port, { tePt: 101 }), 40);
    const sockets: Socket[] = [];
    const stops: (() => void)[] = [];
    try {
      for (const [address, seed] of [
        ['127.0.0.2', 0x13a],
        ['127.0.0.1', 0xf022],
      ] as const) {
        const socket = createSocket('udp4');
        await new Promise<void>((r) => socket.bind(0, address, () => r()));
        sockets.push(socket);
        stops.push(fuzzer(socket, { min: rig.rtpMin, count: RANGE_PORTS }, seed));
      }
      const results = await pool(40, 10, async (i) => {
        const p = await place(rig);
        phone.startAudio(p.port);
        await until(() => phone.packetsSentTo(p.port) >= 10, 'the phone talking');
        // Garbage reaches this call before the phone acts (its datagrams queue ahead at the socket).
        const from = sweeps;
        await until(() => sweeps >= from + 10, 'ten sweeps of garbage over the range');
        const presses = i % 2 === 0;
        if (presses) {
          await phone.press(HASH, p.port);
          await until(() => p.digits.length > 0, "the phone's #");
        } else {
          // As long as a pressing call takes, and then some.
          await until(() => phone.packetsSentTo(p.port) >= 25, 'the phone talking on');
        }
        phone.stopAudio(p.port);
        await p.call.hangup();
        const end = p.trace.find((e) => e.kind === 'media' && e.stats?.packetsReceived !== undefined);
        return { presses, digits: digitsOf(p), stats: end?.kind === 'media' ? end.stats : undefined };
      });
      expect(results.filter((r) => r.presses).map((r) => r.digits)).toEqual(Array(20).fill('#'));
      expect(results.filter((r) => !r.presses).map((r) => r.digits)).toEqual(Array(20).fill(''));
      // The garbage did reach every call, and was dropped and counted.
      const dropped = results.map(
        (r) =>
          Number(r.stats?.ignoredDatagrams ?? 0) +
          Number(r.stats?.rtpForeignSource ?? 0) +
          Number(r.stats?.rtpOtherSourceWhileAlive ?? 0),
      );
      // (Every call that pressed saw garbage before its '#': it was queued ahead of it.)
      expect(dropped.filter((n, i) => results[i]!.presses && n === 0)).toEqual([]);
      // The garbage crashed or hung no media worker thread (either would be counted and replaced).
      expect(rig.backend.mediaStats()).toEqual({
        workers: 2,
        workerRestarts: 0,
        workerHangs: 0,
        callsLostToWorkerFailure: 0,
      });
      expect(await rig.sipp.finished()).toBe(0);
    } finally {
      for (const stop of stops) stop();
      for (const socket of sockets) socket.close();
      await rig.stop();
    }
  });
});
