/**
 * A contract-suite far end made of real peers: sipp (sip-tester) runs a UAS scenario generated from
 * the `FarEndScript` (401 + verifyauth, 180/183, answer/reject/ring, INFO and BYE on schedule), and a
 * UDP socket owned by the test is the phone's RTP endpoint (sipp's SDP points at it): it decodes the
 * RFC 4733 events the backend sends, and sends RFC 4733 events or sox-made in-band tones back.
 * What the far end saw is read from sipp's message trace.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alaw, mulaw } from 'alawmulaw';
import { dtmfPcmWithSox } from '../support/dtmf-audio';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { SEND_200_TO_LAST } from '../support/peers/sipp-scenarios';
import { FarEndAudio } from './far-end-audio';
import type { FarEnd, FarEndReport, FarEndScript } from './telephony-port';

const EVENT_CODES = '0123456789*#ABCD';
const REALM = 'sipp.test';
const NONCE = '4c0ffee5b1gd1g1tn0nce';

function sdp(port: number, telephoneEvent: boolean, codec: 'PCMU' | 'PCMA'): string {
  const pt = codec === 'PCMU' ? 0 : 8;
  return [
    'v=0',
    'o=sipp 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${pt}${telephoneEvent ? ' 101' : ''}`,
    `a=rtpmap:${pt} ${codec}/8000`,
    ...(telephoneEvent ? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'] : []),
    '',
  ].join('\n');
}

const HEADERS = `      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]`;

function send(status: number, reason: string, opts: { body?: string; extra?: string[] } = {}): string {
  const extra = (opts.extra ?? []).map((h) => `      ${h}\n`).join('');
  const body = opts.body
    ? `      Content-Type: application/sdp\n      Content-Length: [len]\n\n${opts.body}`
    : '      Content-Length: 0\n';
  return `  <send>
    <![CDATA[
      SIP/2.0 ${status} ${reason}
${HEADERS}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
${extra}${body}
    ]]>
  </send>
`;
}

/** A request sipp sends inside the dialog it answered (it is the callee: From/To swapped). */
function sendInDialog(method: string, cseq: number, extra: string[] = [], body = ''): string {
  const headers = extra.map((h) => `      ${h}\n`).join('');
  return `  <send retrans="500">
    <![CDATA[
      ${method} [$caller_contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller_from]
      Call-ID: [$call_id]
      CSeq: ${cseq} ${method}
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
${headers}      Content-Length: [len]

${body}
    ]]>
  </send>
  <recv response="200"/>
`;
}

/** sipp refuses variables that are assigned but never used, so only capture what the scenario needs. */
interface Captures {
  readonly dialog: boolean;
  readonly cseq: boolean;
}

const RECV_INVITE = (need: Captures, auth?: { username: string; password: string }) => {
  const actions = [
    ...(need.dialog
      ? [
          '<ereg regexp="[^ ].*" search_in="hdr" header="From:" assign_to="caller_from"/>',
          '<ereg regexp="sips?:[^>;]*" search_in="hdr" header="Contact:" assign_to="caller_contact"/>',
          '<ereg regexp="[^ ]+" search_in="hdr" header="Call-ID:" assign_to="call_id"/>',
        ]
      : []),
    ...(need.cseq ? ['<ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="inv_cseq"/>'] : []),
    ...(auth ? [`<verifyauth assign_to="authvalid" username="${auth.username}" password="${auth.password}"/>`] : []),
  ];
  if (actions.length === 0) return '  <recv request="INVITE"/>\n';
  return `  <recv request="INVITE">
    <action>
${actions.map((a) => `      ${a}\n`).join('')}    </action>
  </recv>
`;
};

// 401/WWW-Authenticate, not 407: sipp's verifyauth only reads `Authorization:` (never
// `Proxy-Authorization:`). The drachtio PBX double challenges with 407, so both get exercised.
const CHALLENGE = `WWW-Authenticate: Digest realm="${REALM}", nonce="${NONCE}", algorithm=MD5`;

/** The sipp scenario for a script; `mediaPort` is the test's RTP socket. */
export function sippScenario(script: FarEndScript, mediaPort: number): string {
  const te = (script.dtmfMode ?? 'rfc4733') === 'rfc4733';
  const body = sdp(mediaPort, te, script.codec ?? 'PCMU');
  const final = script.final;
  const need: Captures = {
    dialog: final.kind === 'answer' && (script.afterAnswer ?? []).some((a) => a.kind === 'bye' || a.via === 'info'),
    cseq: final.kind === 'no-answer',
  };
  const none: Captures = { dialog: false, cseq: false };
  let x = '';
  if (script.challenge) {
    x += RECV_INVITE(none);
    x += send(401, 'Unauthorized', { extra: [CHALLENGE] });
    x += '  <recv request="ACK"/>\n';
    x += RECV_INVITE(need, script.challenge);
    x += '  <nop hide="true" test="authvalid" next="authok"/>\n';
    x += send(401, 'Unauthorized', { extra: [CHALLENGE] });
    x += '  <recv request="ACK" next="done"/>\n';
    x += '  <label id="authok"/>\n';
  } else {
    x += RECV_INVITE(need);
  }
  x += send(100, 'Trying');
  for (const step of script.progress ?? []) {
    x += '  <pause milliseconds="60"/>\n';
    x += step === 'ringing' ? send(180, 'Ringing') : send(183, 'Session Progress', { body });
  }
  if (final.kind === 'reject') {
    x += '  <pause milliseconds="60"/>\n';
    x += send(final.status, final.reason ?? 'Rejected');
    x += '  <recv request="ACK"/>\n';
  } else if (final.kind === 'no-answer') {
    x += `  <recv request="CANCEL"/>
${send(200, 'OK')}  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      CSeq: [$inv_cseq] INVITE
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
`;
  } else {
    x += `  <pause milliseconds="${final.afterMs ?? 80}"/>\n`;
    x += send(200, 'OK', { body });
    x += '  <recv request="ACK"/>\n';
    // INFO and BYE are sipp's; RFC 4733 and in-band digits are the RTP socket's (see below).
    const sipActions = (script.afterAnswer ?? [])
      .filter((a) => a.kind === 'bye' || a.via === 'info')
      .sort((a, b) => a.atMs - b.atMs);
    let at = 0;
    let cseq = 1;
    let byeSent = false;
    for (const a of sipActions) {
      if (a.atMs > at) x += `  <pause milliseconds="${a.atMs - at}"/>\n`;
      at = a.atMs;
      if (a.kind === 'bye') {
        x += sendInDialog('BYE', cseq++);
        byeSent = true;
        break;
      }
      for (const d of a.digits) {
        x += sendInDialog('INFO', cseq++, ['Content-Type: application/dtmf-relay'], `Signal=${d}\nDuration=160\n`);
      }
    }
    if (!byeSent) {
      x += `  <recv request="BYE"/>
${SEND_200_TO_LAST}`;
    }
  }
  x += '  <label id="done"/>\n';
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="contract">
${x}</scenario>
`;
}

interface TracedMessage {
  readonly dir: 'in' | 'out';
  readonly text: string;
}

/** sipp's `-trace_msg` file: blocks after a dashed line, "… message received/sent …", then SIP. */
export function parseSippMessages(log: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  for (const block of log.split(/^-{10,}.*$/m)) {
    const m = /^\s*\S+ message (received|sent)[^\n]*\n\n?([\s\S]*)$/.exec(block);
    if (m) out.push({ dir: m[1] === 'received' ? 'in' : 'out', text: m[2]!.trim() });
  }
  return out;
}

/** The test's RTP endpoint for one call. */
class PhoneMedia {
  readonly socket: Socket = createSocket('udp4');
  private remote: { address: string; port: number } | undefined;
  private readonly firstPacket: Promise<void>;
  private onFirst!: () => void;
  private lastEventTs: number | undefined;
  readonly digits: string[] = [];
  readonly audio = new FarEndAudio();
  private seq = 1000;
  private ts = 160_000;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly codec: 'PCMU' | 'PCMA') {
    this.firstPacket = new Promise((resolve) => {
      this.onFirst = resolve;
    });
    this.socket.on('message', (msg, rinfo) => {
      if (!this.remote) {
        this.remote = { address: rinfo.address, port: rinfo.port };
        this.onFirst();
      }
      if (msg.length < 16 || (msg[0]! & 0xc0) !== 0x80) return;
      const pt = msg[1]! & 0x7f;
      const cc = msg[0]! & 0x0f;
      this.audio.push(pt, msg.subarray(12 + cc * 4));
      if (pt !== 101) return;
      const ts = msg.readUInt32BE(4);
      const event = msg[12 + cc * 4];
      if (event === undefined || ts === this.lastEventTs) return;
      this.lastEventTs = ts;
      const digit = EVENT_CODES[event];
      if (digit) this.digits.push(digit);
    });
  }

  bind(): Promise<number> {
    return new Promise((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve(this.socket.address().port)));
  }

  /** Runs `fn` `atMs` after media started (the backend's first RTP packet ≈ the answer). */
  schedule(atMs: number, fn: () => Promise<void>): void {
    void this.firstPacket.then(() => {
      this.timers.push(setTimeout(() => void fn().catch(() => undefined), atMs));
    });
  }

  private packet(pt: number, marker: boolean, ts: number, payload: Buffer): Buffer {
    const b = Buffer.alloc(12 + payload.length);
    b[0] = 0x80;
    b[1] = (marker ? 0x80 : 0) | pt;
    b.writeUInt16BE(this.seq++ & 0xffff, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(0x5eed5eed, 8);
    payload.copy(b, 12);
    return b;
  }

  private sendRaw(b: Buffer): Promise<void> {
    const r = this.remote;
    if (!r) return Promise.resolve();
    return new Promise((resolve) => this.socket.send(b, r.port, r.address, () => resolve()));
  }

  async rfc4733(digits: string): Promise<void> {
    for (const d of digits) {
      const code = EVENT_CODES.indexOf(d);
      this.ts += 8000;
      const ts = this.ts;
      for (let i = 1; i <= 6; i++) {
        await this.sendRaw(this.packet(101, i === 1, ts, Buffer.from([code, 10, (i * 160) >> 8, (i * 160) & 0xff])));
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let i = 0; i < 3; i++)
        await this.sendRaw(this.packet(101, false, ts, Buffer.from([code, 0x80 | 10, 0x03, 0xc0])));
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async inband(digits: string): Promise<void> {
    const pcm = dtmfPcmWithSox(digits, { leadMs: 100, toneMs: 200, gapMs: 200, trailMs: 200 });
    const encoded = Buffer.from(this.codec === 'PCMU' ? mulaw.encode(pcm) : alaw.encode(pcm));
    const pt = this.codec === 'PCMU' ? 0 : 8;
    for (let off = 0; off + 160 <= encoded.length; off += 160) {
      this.ts += 160;
      await this.sendRaw(this.packet(pt, off === 0, this.ts, encoded.subarray(off, off + 160)));
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.socket.close();
  }
}

export interface SippFarEnd extends FarEnd {
  stop(): Promise<void>;
}

/** `port`: the SIP port sipp listens on (e.g. where a running fyrkant's trunk points); default a free one. */
export async function startSippFarEnd(script: FarEndScript, port?: number): Promise<SippFarEnd> {
  const media = new PhoneMedia(script.codec ?? 'PCMU');
  const mediaPort = await media.bind();
  let sipp: SippPeer;
  try {
    sipp = await startSippUas({
      scenarioXml: sippScenario(script, mediaPort),
      timeoutS: 30,
      ...(port !== undefined ? { port } : {}),
    });
  } catch (err) {
    media.close();
    throw err;
  }
  for (const a of script.afterAnswer ?? []) {
    if (a.kind === 'dtmf' && a.via === 'rfc4733') media.schedule(a.atMs, () => media.rfc4733(a.digits));
    if (a.kind === 'dtmf' && a.via === 'inband') media.schedule(a.atMs, () => media.inband(a.digits));
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    media.close();
    await sipp.stop();
  };
  return {
    requestUri: sipp.uri('1001'),
    stop,
    async result(timeoutMs = 8000): Promise<FarEndReport> {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        sipp.finished(),
        new Promise((r) => {
          timer = setTimeout(r, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      let log = '';
      try {
        log = readFileSync(join(sipp.dir, 'messages.log'), 'utf8');
      } catch {
        // sipp wrote nothing (no message at all)
      }
      const msgs = parseSippMessages(log);
      const received = msgs.filter((m) => m.dir === 'in');
      const sent = msgs.filter((m) => m.dir === 'out');
      const invites = received.filter((m) => m.text.startsWith('INVITE '));
      const lastInvite = invites.at(-1)?.text ?? '';
      const sepAt = lastInvite.search(/\r?\n\r?\n/);
      const challenged = sent.some((m) => /^SIP\/2\.0 40[17]/.test(m.text));
      const audio = media.audio.report();
      const digitsReceived = media.digits.join('') || audio.inbandDigits;
      await stop();
      return {
        // Transactions, not datagrams: a retransmission (same Via branch) on a loaded machine counts once.
        invites: new Set(invites.map((m) => /branch=([^;\s,]+)/i.exec(m.text)?.[1] ?? m.text)).size,
        inviteSdp: sepAt === -1 ? '' : lastInvite.slice(sepAt).trim(),
        challenged,
        authorized: challenged && sent.some((m) => /^SIP\/2\.0 200/.test(m.text) && /CSeq:\s*\d+ INVITE/i.test(m.text)),
        cancelled: received.some((m) => m.text.startsWith('CANCEL ')),
        byeFromBackend: received.some((m) => m.text.startsWith('BYE ')),
        digitsReceived,
        audio,
      };
    },
  };
}
