/**
 * A FreeSWITCH test double for drachtio-fsmrf, configured like the drachtio-freeswitch-mrf image.
 *
 * What it speaks:
 * - inbound event socket (real TCP): `auth/request` greeting, `auth <password>` (`+OK accepted`, or
 *   `-ERR invalid` + disconnect), `event json …`, `filter …`, `api sofia status` (the `drachtio_mrf`
 *   profile line drachtio-fsmrf parses), other `api` commands answered `-ERR … Command not found`,
 *   `bgapi` (+OK Job-UUID and a BACKGROUND_JOB event), `exit`;
 * - its sofia profile as a SIP peer behind the drachtio-server double: an INVITE without SDP is
 *   answered 200 with FreeSWITCH's 3pcc offer as seen from 1.10.12 with the mrf image's settings
 *   (TWO audio m-lines: `RTP/SAVP` with 11 `a=crypto` suites, then `RTP/AVP`; codecs `9 0 8 101 13`);
 *   an INVITE with a plain offer is answered with ONE codec (the first of FreeSWITCH's vanilla
 *   preferences G722, PCMU, PCMA that was offered — `inbound-codec-negotiation=greedy`) plus
 *   telephone-event if offered, no crypto (seen: "its answer then named one codec (G722)"); then the
 *   double connects back to `X-esl-outbound` (the dialplan's `socket … async full`) with CHANNEL_DATA
 *   carrying `variable_sip_user_agent` = drachtio-fsmrf's uuid; re-INVITE (`ep.modify`), ACK, BYE;
 * - per channel on the outbound socket: `sendmsg` execute of `set`, `multiset`, `playback` (real WAV
 *   files, real duration, `FILE NOT FOUND`, stopped by `playback_terminators` or `uuid_break`),
 *   `send_dtmf` (RFC 2833 only if the remote SDP has telephone-event; otherwise, as seen on 1.10.12,
 *   "No 2833 in SDP. Disable 2833 dtmf and switch to INFO": the digit goes as SIP INFO on
 *   FreeSWITCH's own leg to drachtio and never reaches the PBX), `playback` of
 *   `tone_stream://%(on,off,f1,f2)` (in-band DTMF, seen played on 1.10.12), `start_dtmf`,
 *   `hangup` (BYE to the app, CHANNEL_CALLSTATE HANGUP, disconnect);
 *   `api uuid_dump`, `uuid_set_media_stats`, `uuid_break`; events only when subscribed by name.
 *
 * The SRTP trap is emulated as observed with FreeSWITCH 1.10.12: an ACK that returns FreeSWITCH's
 * own crypto offer makes the channel SRTP ("Activating audio Secure RTP" at the ACK), and NOTHING
 * later undoes it — not `rtp_secure_media_inbound=forbidden` set on the channel afterwards, not a
 * re-INVITE with the PBX's plain SDP. Only the global variable in force before the channel exists
 * (`globalVars`) keeps the 3pcc offer plain. An SRTP channel's prompts and digits are undecodable.
 *
 * Losing the event socket (`stopEventSocket`, `freeze`): seen with drachtio-fsmrf 5.0.1,
 * `connected()` stays true for seconds after FreeSWITCH exits; the double just closes or stops
 * answering, and the backend must notice by itself.
 *
 * What it does NOT emulate: no RTP at all — audio and digits are passed by bookkeeping between the
 * PBX double and the channel whose remote SDP names the PBX's media port (what was played, in which
 * codec, encrypted or not); no HEARTBEAT events, no dialplan, no conferences/recording/TTS, no DTLS,
 * no `linger`, no event filtering beyond the subscribed names; apps run strictly one after another.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { DrachtioServerDouble, PeerTxn, SipPeer } from './drachtio-server';
import { apiResponse, commandReply, disconnectNotice, type EslCommand, EslCommandReader, jsonEvent } from './esl-wire';
import { getHeader, type SipMsg } from './sip-text';

export type PbxDtmfMode = 'rfc4733' | 'inband';

export interface SentDigit {
  readonly digit: string;
  readonly durationMs: number;
  readonly at: number;
  /** Sent while the channel was SRTP: a plain-RTP PBX cannot decode it. */
  readonly encrypted: boolean;
  /** How it left FreeSWITCH; `info-own-leg` never reaches the PBX. */
  readonly via: 'rfc4733' | 'inband' | 'info-own-leg';
}

/** A prompt FreeSWITCH played toward the channel's remote media address. */
export interface PlayedAudio {
  readonly file: string;
  readonly ms: number;
  readonly encrypted: boolean;
  /** Payload type in use (from the remote SDP's first format). */
  readonly pt: number;
}

/** FreeSWITCH's codec preferences with vanilla `global_codec_prefs` (OPUS,G722,PCMU,PCMA): payload types. */
const CODEC_PREFS = ['9', '0', '8'];
const RTPMAP: Record<string, string> = { '9': 'G722/8000', '0': 'PCMU/8000', '8': 'PCMA/8000', '13': 'CN/8000' };
/** The 11 SDES suites FreeSWITCH 1.10.12 offered (names as seen; keys are made up). */
const CRYPTO_SUITES = [
  'AEAD_AES_256_GCM_8',
  'AEAD_AES_256_GCM',
  'AEAD_AES_128_GCM_8',
  'AEAD_AES_128_GCM',
  'AES_256_CM_HMAC_SHA1_80',
  'AES_192_CM_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_80',
  'AES_256_CM_HMAC_SHA1_32',
  'AES_192_CM_HMAC_SHA1_32',
  'AES_CM_128_HMAC_SHA1_32',
  'AES_CM_128_NULL_AUTH',
];

function formatsOf(sdp: string): string[] {
  return /^m=audio \d+ \S+ (.*)$/m.exec(sdp)?.[1]?.trim().split(/\s+/) ?? [];
}

function teOf(sdp: string): string | undefined {
  return /^a=rtpmap:(\d+) telephone-event\//m.exec(sdp)?.[1];
}

/** DTMF digit of a `tone_stream://%(on,off,low,high)`, if it is one. */
function toneDigit(arg: string): { digit: string; ms: number } | undefined {
  const m = /^tone_stream:\/\/(?:[^%]*;)?%\((\d+),(\d+),(\d+),(\d+)\)$/.exec(arg);
  if (!m) return undefined;
  const row = [697, 770, 852, 941].indexOf(Number(m[3]));
  const col = [1209, 1336, 1477, 1633].indexOf(Number(m[4]));
  const digit = ['123A', '456B', '789C', '*0#D'][row]?.[col];
  return digit ? { digit, ms: Number(m[1]) + Number(m[2]) } : undefined;
}

interface QueuedApp {
  readonly name: string;
  readonly arg: string;
  readonly eventUuid: string;
}

interface Playback {
  readonly file: string;
  readonly timer: NodeJS.Timeout;
  finish(terminator?: string): void;
}

export class Channel {
  readonly uuid = randomUUID();
  readonly vars = new Map<string, string>();
  readonly sentDigits: SentDigit[] = [];
  readonly droppedDigits: string[] = [];
  readonly appsRun: Array<{ name: string; arg: string }> = [];
  readonly played: PlayedAudio[] = [];
  /** The SDP FreeSWITCH offered in 3pcc (SAVP with crypto, then AVP, as 1.10.12 does). */
  readonly localOffer: string;
  /** Its last answer to an offer (one codec + telephone-event). */
  private lastAnswer: string | undefined;
  /** The far end's (PBX's) SDP once `ep.modify` delivered it. */
  remoteSdp: string | undefined;
  srtp = false;
  inbandDetection = false;
  hungUp = false;
  socket: Socket | undefined;
  private readonly subscribed = new Set<string>();
  private readonly queue: QueuedApp[] = [];
  private running = false;
  private playback: Playback | undefined;

  constructor(
    readonly fs: FreeswitchDouble,
    readonly callId: string,
    readonly userAgent: string,
    readonly mediaPort: number,
  ) {
    const plainOnly = fs.globalVars.get('rtp_secure_media_inbound') === 'forbidden';
    const head = [
      'v=0',
      `o=FreeSWITCH 1700000000 1700000001 IN IP4 127.0.0.1`,
      's=FreeSWITCH',
      'c=IN IP4 127.0.0.1',
      't=0 0',
    ];
    const attrs = [
      ...['9', '0', '8'].map((pt) => `a=rtpmap:${pt} ${RTPMAP[pt]}`),
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=rtpmap:13 CN/8000',
      'a=ptime:20',
    ];
    this.localOffer = [
      ...head,
      ...(plainOnly
        ? []
        : [
            `m=audio ${mediaPort} RTP/SAVP 9 0 8 101 13`,
            ...attrs,
            ...CRYPTO_SUITES.map((suite, i) => `a=crypto:${i + 1} ${suite} inline:${'A'.repeat(40)}`),
          ]),
      `m=audio ${mediaPort} RTP/AVP 9 0 8 101 13`,
      ...attrs,
      '',
    ].join('\r\n');
  }

  /**
   * FreeSWITCH's answer to an offer: one codec (greedy: its own preference order), telephone-event
   * if offered, the offer's direction mirrored; crypto only if the channel is SRTP.
   */
  answerTo(offer: string): string | undefined {
    const formats = formatsOf(offer);
    const codec = CODEC_PREFS.find((pt) => formats.includes(pt));
    if (!codec) return undefined;
    const te = teOf(offer);
    const dir = /^a=(inactive|recvonly|sendonly)$/m.exec(offer)?.[1];
    const mirrored =
      dir === 'inactive' ? 'inactive' : dir === 'recvonly' ? 'sendonly' : dir === 'sendonly' ? 'recvonly' : 'sendrecv';
    this.lastAnswer = [
      'v=0',
      `o=FreeSWITCH 1700000000 1700000002 IN IP4 127.0.0.1`,
      's=FreeSWITCH',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.mediaPort} ${this.srtp ? 'RTP/SAVP' : 'RTP/AVP'} ${codec}${te ? ` ${te}` : ''}`,
      `a=rtpmap:${codec} ${RTPMAP[codec]}`,
      ...(te ? [`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-16`] : []),
      'a=ptime:20',
      `a=${mirrored}`,
      ...(this.srtp ? [`a=crypto:1 ${CRYPTO_SUITES[0]} inline:${'B'.repeat(40)}`] : []),
      '',
    ].join('\r\n');
    return this.lastAnswer;
  }

  /** What FreeSWITCH answers a re-INVITE with: its SDP for the current negotiation. */
  localAnswer(): string {
    return this.lastAnswer ?? this.localOffer;
  }

  /** Payload type FreeSWITCH sends to the remote side (the remote SDP's codec). */
  get sendingPt(): number {
    const f = this.remoteSdp ? formatsOf(this.remoteSdp).find((pt) => pt !== teOf(this.remoteSdp ?? '')) : undefined;
    return f === undefined ? -1 : Number(f);
  }

  get telephoneEvent(): boolean {
    return !!this.remoteSdp && /^a=rtpmap:\d+ telephone-event\//m.test(this.remoteSdp);
  }

  /** The PBX's media port (from its SDP), which links this channel to a PBX call in the doubles. */
  get remoteMediaPort(): number | undefined {
    const m = this.remoteSdp ? /^m=audio (\d+)/m.exec(this.remoteSdp) : null;
    return m ? Number(m[1]) : undefined;
  }

  channelData(): Record<string, string> {
    return {
      'Event-Name': 'CHANNEL_DATA',
      'Unique-ID': this.uuid,
      'Channel-Unique-ID': this.uuid,
      'Channel-Call-State': 'ACTIVE',
      'Socket-Mode': 'async',
      Control: 'full',
      variable_sip_user_agent: this.userAgent,
      variable_sip_call_id: this.callId,
      variable_rtp_local_sdp_str: this.localOffer,
      variable_local_media_ip: '127.0.0.1',
      variable_local_media_port: String(this.mediaPort),
      variable_dtmf_type: 'rfc2833',
    };
  }

  dump(): string {
    const vars: Record<string, string> = {
      'Unique-ID': this.uuid,
      'Channel-Call-State': this.hungUp ? 'HANGUP' : 'ACTIVE',
      variable_sip_call_id: this.callId,
      variable_rtp_local_sdp_str: this.localAnswer(),
      variable_local_media_ip: '127.0.0.1',
      variable_local_media_port: String(this.mediaPort),
      variable_switch_r_sdp: this.remoteSdp ?? '',
      variable_remote_media_ip: '127.0.0.1',
      variable_remote_media_port: String(this.remoteMediaPort ?? 0),
      variable_dtmf_type: 'rfc2833',
      variable_rtp_has_crypto: this.srtp ? 'AES_CM_128_HMAC_SHA1_80' : '',
    };
    for (const [k, v] of this.vars) vars[`variable_${k}`] = v;
    return `${Object.entries(vars)
      .map(([k, v]) => `${k}: ${encodeURIComponent(v)}`)
      .join('\n')}\n`;
  }

  // -- outbound event socket -------------------------------------------------------------------

  attach(socket: Socket): void {
    this.socket = socket;
    const reader = new EslCommandReader();
    socket.on('data', (chunk) => {
      for (const cmd of reader.push(chunk)) this.onCommand(cmd);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.socket = undefined;
    });
  }

  private event(name: string, fields: Record<string, string> = {}): void {
    if (!this.socket || !(this.subscribed.has(name) || this.subscribed.has('all'))) return;
    jsonEvent(this.socket, { 'Event-Name': name, 'Unique-ID': this.uuid, 'Channel-Call-UUID': this.uuid, ...fields });
  }

  private onCommand(cmd: EslCommand): void {
    const socket = this.socket;
    if (!socket) return;
    const [verb = '', ...rest] = cmd.line.split(' ');
    switch (verb) {
      case 'connect':
        commandReply(socket, '+OK', { ...this.channelData(), 'Content-Type': 'command/reply' });
        return;
      case 'event':
        for (const e of rest.slice(1)) this.subscribed.add(e);
        commandReply(socket, `+OK event listener enabled ${rest[0] ?? 'plain'}`);
        return;
      case 'filter':
        commandReply(socket, `+OK filter added. [${rest[0] ?? ''}]=[${rest.slice(1).join(' ')}]`);
        return;
      case 'myevents':
      case 'linger':
        commandReply(socket, '+OK');
        return;
      case 'exit':
        commandReply(socket, '+OK bye');
        socket.end();
        return;
      case 'sendmsg':
        this.onSendmsg(cmd);
        return;
      case 'api':
        this.onApi(rest);
        return;
      default:
        commandReply(socket, '-ERR command not found');
    }
  }

  private onApi(args: string[]): void {
    const socket = this.socket;
    if (!socket) return;
    const [command = '', target] = args;
    if (command === 'uuid_dump' && target === this.uuid) apiResponse(socket, this.dump());
    else if (command === 'uuid_set_media_stats' && target === this.uuid) apiResponse(socket, '+OK\n');
    else if (command === 'uuid_break' && target === this.uuid) {
      this.playback?.finish();
      apiResponse(socket, '+OK\n');
    } else if (target && target !== this.uuid && command.startsWith('uuid_'))
      apiResponse(socket, '-ERR No such channel!\n');
    else apiResponse(socket, `-ERR ${command} Command not found!\n`);
  }

  private onSendmsg(cmd: EslCommand): void {
    const socket = this.socket;
    if (!socket) return;
    if (cmd.headers['call-command'] !== 'execute') {
      commandReply(socket, '-ERR unsupported call-command');
      return;
    }
    commandReply(socket, '+OK');
    this.queue.push({
      name: cmd.headers['execute-app-name'] ?? '',
      arg: cmd.headers['execute-app-arg'] ?? '',
      eventUuid: cmd.headers['Event-UUID'] ?? randomUUID(),
    });
    void this.runQueue();
  }

  private async runQueue(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let app = this.queue.shift(); app; app = this.queue.shift()) {
        if (this.hungUp) break;
        this.appsRun.push({ name: app.name, arg: app.arg });
        this.event('CHANNEL_EXECUTE', { Application: app.name, 'Application-Data': app.arg });
        const extra = await this.runApp(app);
        this.event('CHANNEL_EXECUTE_COMPLETE', {
          Application: app.name,
          'Application-Data': app.arg,
          'Application-UUID': app.eventUuid,
          ...extra,
        });
        if (app.name === 'hangup') this.fs.hangupChannel(this, 'NORMAL_CLEARING', 'fs');
      }
    } finally {
      this.running = false;
    }
  }

  private async runApp(app: QueuedApp): Promise<Record<string, string>> {
    switch (app.name) {
      case 'set': {
        const i = app.arg.indexOf('=');
        if (i > 0) this.vars.set(app.arg.slice(0, i), app.arg.slice(i + 1));
        return { 'Application-Response': '_none_' };
      }
      case 'multiset':
        for (const kv of app.arg.replace(/^\^\^\^/, '').split('^')) {
          const i = kv.indexOf('=');
          if (i > 0) this.vars.set(kv.slice(0, i), kv.slice(i + 1));
        }
        return { 'Application-Response': '_none_' };
      case 'send_dtmf': {
        const [digits = '', dur] = app.arg.split('@');
        // Seen on 1.10.12: without telephone-event in the remote SDP FreeSWITCH switches to SIP INFO on
        // its own leg (toward drachtio, answered 200) — the PBX gets nothing.
        const via = this.telephoneEvent ? 'rfc4733' : 'info-own-leg';
        for (const d of digits) {
          this.sentDigits.push({ digit: d, durationMs: Number(dur ?? 100), at: Date.now(), encrypted: this.srtp, via });
        }
        return { 'Application-Response': '_none_' };
      }
      case 'start_dtmf':
        this.inbandDetection = true;
        return { 'Application-Response': '_none_' };
      case 'playback':
        return this.play(app.arg);
      case 'hangup':
        return { 'Application-Response': '_none_' };
      default:
        return { 'Application-Response': `-ERR unknown application ${app.name}` };
    }
  }

  private play(file: string): Promise<Record<string, string>> {
    const tone = toneDigit(file);
    const durationMs = tone ? tone.ms : wavDurationMs(file);
    if (durationMs === undefined) return Promise.resolve({ 'Application-Response': 'FILE NOT FOUND' });
    if (tone) {
      this.sentDigits.push({ digit: tone.digit, durationMs, at: Date.now(), encrypted: this.srtp, via: 'inband' });
    } else {
      this.played.push({ file, ms: durationMs, encrypted: this.srtp, pt: this.sendingPt });
    }
    const started = Date.now();
    this.event('PLAYBACK_START', { 'Playback-File-Path': file });
    return new Promise((resolve) => {
      const finish = (terminator?: string) => {
        if (!this.playback) return;
        clearTimeout(this.playback.timer);
        this.playback = undefined;
        this.event('PLAYBACK_STOP', { 'Playback-File-Path': file });
        resolve({
          'Application-Response': 'FILE PLAYED',
          variable_playback_ms: String(Date.now() - started),
          ...(terminator ? { variable_playback_terminator_used: terminator } : {}),
        });
      };
      this.playback = { file, timer: setTimeout(() => finish(), durationMs), finish };
    });
  }

  /**
   * A digit from the far end reaching FreeSWITCH. Lost if FreeSWITCH cannot decode it: SRTP channel,
   * no telephone-event negotiated, or in-band tones without `start_dtmf`.
   */
  receiveDigit(digit: string, mode: PbxDtmfMode): boolean {
    if (this.hungUp) return false;
    const decodable = mode === 'rfc4733' ? !this.srtp && this.telephoneEvent : !this.srtp && this.inbandDetection;
    if (!decodable) {
      this.droppedDigits.push(digit);
      return false;
    }
    this.event('DTMF', {
      'DTMF-Digit': digit,
      'DTMF-Duration': '1600',
      'DTMF-Source': mode === 'rfc4733' ? 'RTP' : 'INBAND_AUDIO',
    });
    const terminators = this.vars.get('playback_terminators') ?? 'none';
    if (this.playback && terminators !== 'none' && (terminators === 'any' || terminators.includes(digit))) {
      this.playback.finish(digit);
    }
    return true;
  }

  /** Ends the channel's state; the double's `hangupChannel` does the signalling. */
  markHungUp(cause: string): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.playback?.finish();
    this.event('CHANNEL_HANGUP', { 'Hangup-Cause': cause });
    this.event('CHANNEL_CALLSTATE', { 'Channel-Call-State': 'HANGUP', 'Hangup-Cause': cause });
    const socket = this.socket;
    if (socket) {
      disconnectNotice(socket, 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n');
      socket.end();
    }
  }
}

/** Duration of a PCM WAV file, or undefined if it does not exist / is not a WAV. */
export function wavDurationMs(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') byteRate = buf.readUInt32LE(off + 16);
    if (id === 'data' && byteRate > 0) return Math.round((Math.min(size, buf.length - off - 8) / byteRate) * 1000);
    off += 8 + size + (size % 2);
  }
  return undefined;
}

export class FreeswitchDouble {
  private eslServer: Server | undefined;
  private readonly inbound = new Set<Socket>();
  readonly channels = new Map<string, Channel>();
  /** Every command received on the inbound socket (assertions). */
  readonly inboundCommands: string[] = [];
  private nextMediaPort = 30000;
  readonly sipPeer: SipPeer;
  /** FreeSWITCH's global variables (vars.xml / global_setvar); channel lookups fall back to them. */
  readonly globalVars = new Map<string, string>();
  /** Hung: the event socket stays open but nothing is answered (see `freeze`). */
  private frozen = false;

  constructor(
    readonly eslPort: number,
    readonly password: string,
    readonly sipHostport: string,
    private readonly drachtio: DrachtioServerDouble,
    readonly profile = 'drachtio_mrf',
  ) {
    this.sipPeer = { hostport: sipHostport, onRequest: (txn) => this.onSip(txn) };
  }

  async start(): Promise<void> {
    this.drachtio.addPeer(this.sipPeer);
    await new Promise<void>((resolve, reject) => {
      const server = createServer((socket) => this.acceptInbound(socket));
      server.once('error', reject);
      server.listen(this.eslPort, '127.0.0.1', () => resolve());
      this.eslServer = server;
    });
  }

  async stop(): Promise<void> {
    this.drachtio.removePeer(this.sipPeer);
    this.dropEventSockets();
    for (const ch of this.channels.values()) ch.socket?.destroy();
    await new Promise<void>((resolve) => (this.eslServer ? this.eslServer.close(() => resolve()) : resolve()));
    this.eslServer = undefined;
  }

  /** FreeSWITCH exits: the event socket closes and nobody listens any more until `resumeEventSocket`. */
  async stopEventSocket(): Promise<void> {
    const server = this.eslServer;
    this.eslServer = undefined;
    this.dropEventSockets();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** FreeSWITCH is back on its port. */
  resumeEventSocket(): Promise<void> {
    this.frozen = false;
    return new Promise<void>((resolve, reject) => {
      const server = createServer((socket) => this.acceptInbound(socket));
      server.once('error', reject);
      server.listen(this.eslPort, '127.0.0.1', () => resolve());
      this.eslServer = server;
    });
  }

  /** FreeSWITCH hangs: connections stay open, nothing is answered. */
  freeze(): void {
    this.frozen = true;
  }

  /** Closes inbound event-socket connections (drachtio-modesl should reconnect). */
  dropEventSockets(): void {
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
  }

  get liveChannels(): Channel[] {
    return [...this.channels.values()].filter((c) => !c.hungUp);
  }

  channelForPbxMediaPort(port: number): Channel | undefined {
    return [...this.channels.values()].find((c) => c.remoteMediaPort === port);
  }

  // -- inbound event socket --------------------------------------------------------------------

  private acceptInbound(socket: Socket): void {
    this.inbound.add(socket);
    let authed = false;
    const reader = new EslCommandReader();
    socket.on('error', () => undefined);
    socket.on('close', () => this.inbound.delete(socket));
    socket.write('Content-Type: auth/request\n\n');
    socket.on('data', (chunk) => {
      if (this.frozen) return;
      for (const cmd of reader.push(chunk)) {
        this.inboundCommands.push(cmd.line.startsWith('auth ') ? 'auth [redacted]' : cmd.line);
        if (!authed) {
          if (cmd.line === `auth ${this.password}`) {
            authed = true;
            commandReply(socket, '+OK accepted');
          } else {
            commandReply(socket, '-ERR invalid');
            disconnectNotice(socket, 'Disconnected, goodbye.\n');
            socket.end();
          }
          continue;
        }
        this.onInboundCommand(socket, cmd);
      }
    });
  }

  private onInboundCommand(socket: Socket, cmd: EslCommand): void {
    const [verb = '', ...rest] = cmd.line.split(' ');
    if (verb === 'event') commandReply(socket, `+OK event listener enabled ${rest[0] ?? 'plain'}`);
    else if (verb === 'filter') commandReply(socket, '+OK filter added.');
    else if (verb === 'exit') {
      commandReply(socket, '+OK bye');
      socket.end();
    } else if (verb === 'api') apiResponse(socket, this.api(rest.join(' ')));
    else if (verb === 'bgapi') {
      const job = cmd.headers['Job-UUID'] ?? randomUUID();
      commandReply(socket, `+OK Job-UUID: ${job}`, { 'Job-UUID': job });
      jsonEvent(socket, { 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': job }, this.api(rest.join(' ')));
    } else commandReply(socket, '-ERR command not found');
  }

  private api(command: string): string {
    if (command === 'sofia status') {
      const rule = '='.repeat(97);
      return [
        '                     Name\t   Type\t                                       Data\tState',
        rule,
        `            ${this.profile}\tprofile\t          sip:mod_sofia@${this.sipHostport}\tRUNNING (0)`,
        rule,
        '1 profile 0 aliases',
        '',
      ].join('\n');
    }
    if (command === 'status') return 'UP 0 years, 0 days, 0 hours\nFreeSWITCH (Version 1.10.12-double) is ready\n';
    return `-ERR ${command.split(' ')[0]} Command not found!\n`;
  }

  // -- the sofia profile (SIP peer) ------------------------------------------------------------

  private channelByCallId(callId: string | undefined): Channel | undefined {
    return [...this.channels.values()].find((c) => c.callId === callId);
  }

  private onSip(txn: PeerTxn): void {
    const req = txn.request;
    const callId = getHeader(req, 'call-id');
    const existing = this.channelByCallId(callId);
    switch (req.method) {
      case 'INVITE':
        if (!existing) this.newChannel(txn);
        else this.reinvite(existing, txn);
        return;
      case 'ACK':
        if (existing && req.body && /^a=crypto:/m.test(req.body)) {
          // Seen on 1.10.12: drachtio-srf ACKs our 3pcc 200 with our own offer, and we negotiate SRTP
          // with ourselves ("Activating audio Secure RTP SEND/RECV" at this ACK).
          existing.srtp = true;
          existing.remoteSdp = req.body;
        }
        return;
      case 'BYE':
        txn.respond(200, 'OK');
        if (existing) existing.markHungUp('NORMAL_CLEARING');
        return;
      default:
        txn.respond(existing ? 200 : 481, existing ? 'OK' : 'Call/Transaction Does Not Exist');
    }
  }

  private newChannel(txn: PeerTxn): void {
    const req = txn.request;
    const ua = getHeader(req, 'user-agent') ?? '';
    const back = getHeader(req, 'x-esl-outbound');
    if (!back) {
      txn.respond(480, 'Temporarily Unavailable');
      return;
    }
    const ch = new Channel(this, getHeader(req, 'call-id') ?? '', ua, this.nextMediaPort);
    this.nextMediaPort += 2;
    let body = ch.localOffer;
    if (req.body) {
      const answer = ch.answerTo(req.body);
      if (!answer) {
        txn.respond(488, 'Not Acceptable Here');
        return;
      }
      ch.remoteSdp = req.body;
      body = answer;
    }
    this.channels.set(ch.uuid, ch);
    txn.respond(200, 'OK', { body });
    const [host = '127.0.0.1', port = '0'] = back.split(':');
    const socket = tcpConnect({ host, port: Number(port) });
    socket.on('error', () => undefined);
    ch.attach(socket);
  }

  private reinvite(ch: Channel, txn: PeerTxn): void {
    const sdp = txn.request.body;
    if (sdp) {
      // Seen on 1.10.12: SRTP negotiated at the ACK stays on — neither the PBX's plain SDP here nor
      // rtp_secure_media_inbound=forbidden set on the channel undoes it.
      const answer = ch.answerTo(sdp);
      if (!answer) {
        txn.respond(488, 'Not Acceptable Here');
        return;
      }
      ch.remoteSdp = sdp;
    }
    txn.respond(200, 'OK', { body: ch.localAnswer() });
  }

  /** FreeSWITCH ends a channel: BYE to the app on its dialog, then the channel's events. */
  hangupChannel(ch: Channel, cause: string, _by: 'fs'): void {
    if (ch.hungUp) return;
    const dialog = [...this.drachtio.dialogs.values()].find((d) => d.callId === ch.callId && d.peer === this.sipPeer);
    if (dialog) void this.drachtio.requestFromPeer(dialog.id, 'BYE').catch(() => undefined);
    ch.markHungUp(cause);
  }

  /** Test control: FreeSWITCH drops a channel on its own (crash, media timeout). */
  kill(uuid: string): void {
    const ch = this.channels.get(uuid);
    if (ch) this.hangupChannel(ch, 'MEDIA_TIMEOUT', 'fs');
  }
}

export type { SipMsg };
