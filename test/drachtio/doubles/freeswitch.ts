/**
 * A FreeSWITCH test double for drachtio-fsmrf, configured like the drachtio-freeswitch-mrf image.
 *
 * What it speaks:
 * - inbound event socket (real TCP): `auth/request` greeting, `auth <password>` (`+OK accepted`, or
 *   `-ERR invalid` + disconnect), `event json …`, `filter …`, `api sofia status` (the `drachtio_mrf`
 *   profile line drachtio-fsmrf parses), other `api` commands answered `-ERR … Command not found`,
 *   `bgapi` (+OK Job-UUID and a BACKGROUND_JOB event), `exit`;
 * - its sofia profile as a SIP peer behind the drachtio-server double: an INVITE without SDP is
 *   answered 200 with an offer (PCMU, PCMA, telephone-event/101 and an optional SDES `a=crypto`, as
 *   the image does), then the double connects back to `X-esl-outbound` (the dialplan's
 *   `socket … async full`) with CHANNEL_DATA carrying `variable_sip_user_agent` = drachtio-fsmrf's
 *   uuid; re-INVITE (`ep.modify`), ACK, BYE;
 * - per channel on the outbound socket: `sendmsg` execute of `set`, `multiset`, `playback` (real WAV
 *   files, real duration, `FILE NOT FOUND`, stopped by `playback_terminators` or `uuid_break`),
 *   `send_dtmf`, `start_dtmf`, `hangup` (BYE to the app, CHANNEL_CALLSTATE HANGUP, disconnect);
 *   `api uuid_dump`, `uuid_set_media_stats`, `uuid_break`; events only when subscribed by name.
 *
 * The SRTP trap is emulated as observed with FreeSWITCH 1.10.12: an ACK that returns FreeSWITCH's
 * own crypto offer makes the channel SRTP; a later plain answer (re-INVITE) only turns it plain when
 * `rtp_secure_media_inbound=forbidden` was set. An SRTP channel's digits count as undecodable.
 *
 * What it does NOT emulate: no RTP or audio at all (digits are passed by bookkeeping between the
 * PBX double and the channel whose remote SDP names the PBX's media port), no codec negotiation, no
 * HEARTBEAT events, no dialplan, no conferences/recording/TTS, no DTLS, no `linger`, no event
 * filtering beyond the subscribed names, apps run strictly one after another per channel.
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
  /** The SDP FreeSWITCH offered (with `a=crypto`, as the image does). */
  readonly localOffer: string;
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
    this.localOffer = [
      'v=0',
      `o=FreeSWITCH 1700000000 1700000001 IN IP4 127.0.0.1`,
      's=FreeSWITCH',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${mediaPort} RTP/AVP 0 8 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** What FreeSWITCH answers a re-INVITE with: its SDP, crypto only while SRTP is on. */
  localAnswer(): string {
    return this.srtp ? this.localOffer : this.localOffer.replace(/^a=crypto:.*\r\n/gm, '');
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
      variable_rtp_local_sdp_str: this.srtp ? this.localOffer : this.localAnswer(),
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
        for (const d of digits) {
          this.sentDigits.push({ digit: d, durationMs: Number(dur ?? 100), at: Date.now(), encrypted: this.srtp });
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
    const durationMs = wavDurationMs(file);
    if (durationMs === undefined) return Promise.resolve({ 'Application-Response': 'FILE NOT FOUND' });
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
        if (
          existing &&
          req.body &&
          /^a=crypto:/m.test(req.body) &&
          existing.vars.get('rtp_secure_media_inbound') !== 'forbidden'
        ) {
          // drachtio-srf ACKs our 200 with our own offer: we negotiate SRTP with ourselves.
          existing.srtp = true;
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
    if (req.body) ch.remoteSdp = req.body;
    this.channels.set(ch.uuid, ch);
    txn.respond(200, 'OK', { body: req.body ? ch.localAnswer() : ch.localOffer });
    const [host = '127.0.0.1', port = '0'] = back.split(':');
    const socket = tcpConnect({ host, port: Number(port) });
    socket.on('error', () => undefined);
    ch.attach(socket);
  }

  private reinvite(ch: Channel, txn: PeerTxn): void {
    const sdp = txn.request.body;
    if (sdp) {
      ch.remoteSdp = sdp;
      if (ch.vars.get('rtp_secure_media_inbound') === 'forbidden') ch.srtp = false;
      else if (/^a=crypto:/m.test(sdp)) ch.srtp = true;
      // else: the trap — a plain answer does not undo SRTP negotiated at the ACK.
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
