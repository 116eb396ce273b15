/**
 * A phone's (or PBX's) RTP socket for tests that drive fyrkant through real SIP peers: sipp does the
 * signalling and its SDP points at this socket, so the test sees exactly what fyrkant sends and
 * sends RFC 4733 events, in-band tones and audio back, like a phone does (one SSRC per stream,
 * sequence numbers continuing across audio and events, RFC 3550/4733).
 *
 * One socket can serve several calls: it learns each call's fyrkant port from the packets fyrkant
 * sends (`ourPorts`), and keeps one stream (SSRC, sequence, timestamp) per destination port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mulaw } from 'alawmulaw';
import { ToneGenerator } from '../../src/telephony/embedded/media/dtmf';
import { newRtpHeader, parseRtp, writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';

export interface PhonePacket {
  readonly pt: number;
  readonly ts: number;
  readonly seq: number;
  readonly length: number;
  /** fyrkant's port it came from. */
  readonly from: number;
}

interface Stream {
  readonly ssrc: number;
  seq: number;
  ts: number;
  sent: number;
  timer?: NodeJS.Timeout;
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SILENCE = Buffer.alloc(160, 0xff);

export class Phone {
  readonly packets: PhonePacket[] = [];
  /** fyrkant's RTP ports heard from, in order. */
  readonly ourPorts: number[] = [];
  private socket!: Socket;
  /** fyrkant's RTP port of the first call heard (the default destination). */
  ourPort = 0;
  port = 0;
  private readonly streams = new Map<number, Stream>();
  /** SSRC of `send`/`event`/`tones` packets; `startAudio`/`press` streams use ssrc + 1, + 2, … */
  readonly ssrc: number;
  /** Where fyrkant's RTP is (its media address); the phone may itself be bound elsewhere. */
  target: string;

  constructor(
    readonly address = '127.0.0.1',
    options: { ssrc?: number; target?: string } = {},
  ) {
    this.ssrc = options.ssrc ?? 0x5eed;
    this.target = options.target ?? address;
  }

  async open(): Promise<this> {
    this.socket = createSocket(this.address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((r) => this.socket.bind(0, this.address, () => r()));
    this.port = this.socket.address().port;
    this.socket.on('message', (m, rinfo) => {
      const h = newRtpHeader();
      if (!parseRtp(m, m.length, h)) return;
      if (!this.ourPort) this.ourPort = rinfo.port;
      if (!this.ourPorts.includes(rinfo.port)) this.ourPorts.push(rinfo.port);
      this.packets.push({
        pt: h.payloadType,
        ts: h.timestamp,
        seq: h.sequence,
        length: h.payloadLength,
        from: rinfo.port,
      });
    });
    return this;
  }

  /** Send one raw packet (explicit header fields) to fyrkant's port `to` (default `ourPort`). */
  send(pt: number, seq: number, ts: number, payload: Uint8Array, marker = false, to = this.ourPort): Promise<void> {
    const b = Buffer.alloc(12 + payload.length);
    writeRtpHeader(b, pt, marker, seq & 0xffff, ts >>> 0, this.ssrc);
    b.set(payload, 12);
    return this.raw(b, to);
  }

  /** Send arbitrary bytes to fyrkant's port `to`. */
  raw(datagram: Uint8Array, to = this.ourPort): Promise<void> {
    return new Promise((r) => this.socket.send(datagram, to, this.target, () => r()));
  }

  /** One key press as RFC 4733 events with payload type `pt` (6 updates, 3 end packets). */
  async event(code: number, pt: number, ts: number, seq: number, to = this.ourPort): Promise<void> {
    for (let i = 1; i <= 6; i++) {
      await this.send(pt, seq++, ts, Uint8Array.of(code, 10, (i * 160) >> 8, (i * 160) & 0xff), i === 1, to);
      await pause(5);
    }
    for (let i = 0; i < 3; i++) await this.send(pt, seq++, ts, Uint8Array.of(code, 0x80 | 10, 0x03, 0xc0), false, to);
  }

  /** In-band tones as PCMU frames (PT 0), optionally with RFC 4733 events for the same key alongside. */
  async tones(digit: string, seq: number, ts: number, alsoEvent?: { code: number; pt: number }): Promise<void> {
    const ulaw = mulaw.encode(new ToneGenerator(digit, { toneMs: 120, gapMs: 200 }).render());
    for (let i = 0; i + 160 <= ulaw.length; i += 160) {
      await this.send(0, seq++, ts + i, ulaw.subarray(i, i + 160));
      if (alsoEvent && i === 320) await this.event(alsoEvent.code, alsoEvent.pt, ts + 320, 30000 + seq);
      await pause(2);
    }
  }

  /** The stream toward fyrkant's port `to`: one SSRC, sequence and timestamp across audio and events. */
  private stream(to: number): Stream {
    let s = this.streams.get(to);
    if (!s) {
      s = { ssrc: (this.ssrc + this.streams.size + 1) >>> 0, seq: (to * 7) & 0xffff, ts: to * 1000, sent: 0 };
      this.streams.set(to, s);
    }
    return s;
  }

  /** Packets sent so far in the stream toward `to` (`startAudio`/`press`). */
  packetsSentTo(to: number): number {
    return this.streams.get(to)?.sent ?? 0;
  }

  private sendInStream(
    s: Stream,
    to: number,
    pt: number,
    ts: number,
    payload: Uint8Array,
    marker: boolean,
  ): Promise<void> {
    const b = Buffer.alloc(12 + payload.length);
    writeRtpHeader(b, pt, marker, s.seq, ts >>> 0, s.ssrc);
    s.seq = (s.seq + 1) & 0xffff;
    s.sent++;
    b.set(payload, 12);
    return this.raw(b, to);
  }

  /** Send PCMU silence to `to` every 20 ms (a phone that talks), until `stopAudio`. */
  startAudio(to = this.ourPort): void {
    const s = this.stream(to);
    if (s.timer) return;
    s.timer = setInterval(() => {
      s.ts = (s.ts + 160) >>> 0;
      void this.sendInStream(s, to, 0, s.ts, SILENCE, false);
    }, 20);
  }

  stopAudio(to = this.ourPort): void {
    const s = this.streams.get(to);
    if (s?.timer) clearInterval(s.timer);
    if (s) s.timer = undefined;
  }

  /** A key press in the stream toward `to` (RFC 4733, PT `pt`), as a phone sends it between its audio. */
  async press(code: number, to = this.ourPort, pt = 101): Promise<void> {
    const s = this.stream(to);
    const ts = (s.ts + 160) >>> 0;
    for (let i = 1; i <= 6; i++) {
      await this.sendInStream(s, to, pt, ts, Uint8Array.of(code, 10, (i * 160) >> 8, (i * 160) & 0xff), i === 1);
      await pause(5);
    }
    for (let i = 0; i < 3; i++)
      await this.sendInStream(s, to, pt, ts, Uint8Array.of(code, 0x80 | 10, 0x03, 0xc0), false);
    s.ts = (ts + 960) >>> 0;
  }

  close(): void {
    for (const s of this.streams.values()) if (s.timer) clearInterval(s.timer);
    this.socket.close();
  }
}

/** The phone/PBX SDP: PCMU (+ telephone-event `tePt`) at `address`:`port`. */
export function phoneSdp(
  port: number,
  opts: { tePt?: number; ptime?: number; ip6?: boolean; address?: string } = {},
): string {
  const te = opts.tePt;
  const net = opts.ip6 ? `IN IP6 ${opts.address ?? '::1'}` : `IN IP4 ${opts.address ?? '127.0.0.1'}`;
  return [
    'v=0',
    `o=pbx 1 1 ${net}`,
    's=-',
    `c=${net}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0${te !== undefined ? ` ${te}` : ''}`,
    'a=rtpmap:0 PCMU/8000',
    ...(te !== undefined ? [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-15`] : []),
    ...(opts.ptime ? [`a=ptime:${opts.ptime}`] : []),
    '',
  ].join('\n');
}
