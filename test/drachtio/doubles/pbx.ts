/**
 * A scripted PBX / SIP trunk behind the drachtio-server double: answers the backend's INVITE as the
 * contract suite's `FarEndScript` says (digest challenge with real MD5 verification, 180/183, answer,
 * reject, never answer), then sends DTMF (RFC 4733 / in-band through the FreeSWITCH double's channel,
 * SIP INFO through drachtio) and BYE on schedule. It "receives" the digits and prompts FreeSWITCH
 * sent toward it from the FreeSWITCH double's bookkeeping — there is no RTP in the doubles — and
 * only what a plain-RTP PBX could decode counts: nothing encrypted, RFC 4733 only when it offered
 * telephone-event, never FreeSWITCH's INFO on its own leg.
 *
 * Its answer, like a plain G.711 PBX: the script's codec (default PCMU) if the offer has it, plus
 * telephone-event when the script says so; an offer whose only audio line is RTP/SAVP, or without
 * that codec, gets 488 (what sipp-style plain PBXs do with an SRTP-only or G722-only offer).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FarEndReport, FarEndScript } from '../../contract/telephony-port';
import type { DrachtioServerDouble, PeerTxn, SipPeer } from './drachtio-server';
import type { FreeswitchDouble } from './freeswitch';
import { getHeader, tagOf } from './sip-text';

let lastMediaPort = 40000;
function nextMediaPort(): number {
  lastMediaPort += 2;
  return lastMediaPort;
}
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function authParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return out;
}

export class PbxDouble implements SipPeer {
  readonly requestUri: string;
  private readonly mediaPort = nextMediaPort();
  private readonly realm = 'pbx.test';
  private readonly nonces = new Set<string>();
  private dialogId: string | undefined;
  private done = false;
  private readonly doneWaiters: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  readonly report: {
    invites: number;
    inviteSdp: string | undefined;
    challenged: number;
    authorized: boolean;
    answered: boolean;
    cancelled: boolean;
    byeFromBackend: boolean;
    byeFromFarEnd: boolean;
    infoAnswers: number[];
    /** DTMF the backend sent us as SIP INFO (application/dtmf-relay). */
    infoDigits: string;
  } = {
    invites: 0,
    inviteSdp: undefined,
    challenged: 0,
    authorized: false,
    answered: false,
    cancelled: false,
    byeFromBackend: false,
    byeFromFarEnd: false,
    infoAnswers: [],
    infoDigits: '',
  };

  constructor(
    readonly hostport: string,
    private readonly script: FarEndScript,
    private readonly drachtio: DrachtioServerDouble,
    private readonly fs: FreeswitchDouble,
    /** Misbehaviours the contract scripts do not cover. */
    private readonly quirks: { readonly answerWithoutSdp?: boolean } = {},
  ) {
    this.requestUri = `sip:1001@${hostport}`;
  }

  private get pt(): number {
    return (this.script.codec ?? 'PCMU') === 'PCMU' ? 0 : 8;
  }

  /** Whether a plain G.711 PBX can answer this offer. */
  private acceptable(offer: string | undefined): boolean {
    if (!offer) return true;
    const lines = offer.split(/\r?\n/).filter((l) => l.startsWith('m=audio '));
    return lines.some((l) => {
      const [, , profile, ...formats] = l.split(' ');
      return profile === 'RTP/AVP' && formats.includes(String(this.pt));
    });
  }

  /** The SDP answer: the script's codec, plus telephone-event unless the script says the PBX has none. */
  private answerSdp(): string {
    const te = (this.script.dtmfMode ?? 'rfc4733') === 'rfc4733';
    const pt = this.pt;
    return [
      'v=0',
      'o=pbx 1 1 IN IP4 127.0.0.1',
      's=pbx',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.mediaPort} RTP/AVP ${pt}${te ? ' 101' : ''}`,
      `a=rtpmap:${pt} ${pt === 0 ? 'PCMU' : 'PCMA'}/8000`,
      ...(te ? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'] : []),
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  private later(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms));
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const w of this.doneWaiters.splice(0)) w();
  }

  private authorized(txn: PeerTxn): boolean {
    const creds = this.script.challenge;
    if (!creds) return true;
    const header = getHeader(txn.request, 'proxy-authorization');
    if (!header) return false;
    const p = authParams(header);
    if (!p.nonce || !this.nonces.has(p.nonce) || p.username !== creds.username || p.realm !== this.realm) return false;
    const ha1 = md5(`${creds.username}:${this.realm}:${creds.password}`);
    const ha2 = md5(`INVITE:${p.uri ?? ''}`);
    const expected = p.qop
      ? md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`)
      : md5(`${ha1}:${p.nonce}:${ha2}`);
    return expected === p.response;
  }

  onRequest(txn: PeerTxn): void {
    const req = txn.request;
    if (req.method === 'INVITE' && !tagOf(getHeader(req, 'to'))) {
      this.onInvite(txn);
      return;
    }
    switch (req.method) {
      case 'ACK':
        return;
      case 'BYE':
        this.report.byeFromBackend = true;
        txn.respond(200, 'OK');
        this.finish();
        return;
      case 'INVITE':
        txn.respond(200, 'OK', { body: this.answerSdp() });
        return;
      case 'INFO': {
        const signal = /^Signal=(\S)/m.exec(req.body ?? '')?.[1];
        if (signal) this.report.infoDigits += signal;
        txn.respond(200, 'OK');
        return;
      }
      default:
        txn.respond(200, 'OK');
    }
  }

  onCancel(txn: PeerTxn): void {
    this.report.cancelled = true;
    txn.respond(487, 'Request Terminated');
    this.finish();
  }

  private onInvite(txn: PeerTxn): void {
    this.report.invites++;
    this.report.inviteSdp = txn.request.body;
    if (!this.authorized(txn)) {
      this.report.challenged++;
      const nonce = randomBytes(12).toString('hex');
      this.nonces.add(nonce);
      txn.respond(407, 'Proxy Authentication Required', {
        headers: [['Proxy-Authenticate', `Digest realm="${this.realm}", nonce="${nonce}", qop="auth", algorithm=MD5`]],
      });
      // A second failed attempt ends the exchange (drachtio-srf answers a challenge only once).
      if (this.report.challenged > 1) this.finish();
      return;
    }
    if (this.script.challenge) this.report.authorized = true;
    if (!this.acceptable(txn.request.body)) {
      txn.respond(488, 'Not Acceptable Here');
      this.finish();
      return;
    }
    txn.respond(100, 'Trying');
    let t = 0;
    for (const step of this.script.progress ?? []) {
      t += 60;
      this.later(t, () =>
        step === 'ringing'
          ? txn.respond(180, 'Ringing')
          : txn.respond(183, 'Session Progress', { body: this.answerSdp() }),
      );
    }
    const final = this.script.final;
    if (final.kind === 'no-answer') return;
    this.later(t + (final.kind === 'answer' ? (final.afterMs ?? 80) : 60), () => {
      if (txn.completed) return;
      if (final.kind === 'reject') {
        txn.respond(final.status, final.reason ?? 'Busy Here');
        this.finish();
        return;
      }
      txn.respond(200, 'OK', this.quirks.answerWithoutSdp ? {} : { body: this.answerSdp() });
      this.report.answered = true;
      const callId = getHeader(txn.request, 'call-id');
      this.dialogId = `${callId};from-tag=${tagOf(getHeader(txn.request, 'from'))}`;
      for (const action of this.script.afterAnswer ?? []) this.later(action.atMs, () => void this.act(action));
    });
  }

  private async act(action: NonNullable<FarEndScript['afterAnswer']>[number]): Promise<void> {
    const dialogId = this.dialogId;
    if (!dialogId || this.done) return;
    if (action.kind === 'bye') {
      this.report.byeFromFarEnd = true;
      await this.drachtio.requestFromPeer(dialogId, 'BYE').catch(() => undefined);
      this.finish();
      return;
    }
    for (const d of action.digits) {
      if (this.done) return;
      if (action.via === 'info') {
        const res = await this.drachtio
          .requestFromPeer(dialogId, 'INFO', {
            headers: [['Content-Type', 'application/dtmf-relay']],
            body: `Signal=${d}\r\nDuration=160\r\n`,
          })
          .catch(() => undefined);
        this.report.infoAnswers.push(res?.status ?? 0);
      } else {
        this.fs.channelForPbxMediaPort(this.mediaPort)?.receiveDigit(d, action.via);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Waits until the call is over (or `timeoutMs`), then reports what the PBX saw. */
  async result(timeoutMs: number): Promise<FarEndReport> {
    if (!this.done) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.doneWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const t of this.timers) clearTimeout(t);
    const ch = this.fs.channelForPbxMediaPort(this.mediaPort);
    const decodable = (ch?.sentDigits ?? []).filter((d) => !d.encrypted);
    const te = (this.script.dtmfMode ?? 'rfc4733') === 'rfc4733';
    const rfc4733 = decodable.filter((d) => d.via === 'rfc4733' && te).map((d) => d.digit);
    const inband = decodable.filter((d) => d.via === 'inband').map((d) => d.digit);
    const plays = ch?.played ?? [];
    const audible = plays.filter((p) => !p.encrypted && p.pt === this.pt);
    return {
      invites: this.report.invites,
      inviteSdp: this.report.inviteSdp ?? '',
      challenged: this.report.challenged > 0,
      authorized: this.report.authorized,
      cancelled: this.report.cancelled,
      byeFromBackend: this.report.byeFromBackend,
      digitsReceived: rfc4733.join('') || inband.join(''),
      audio: {
        packets: plays.length + (ch?.sentDigits.length ?? 0),
        payloadTypes: [...new Set(plays.map((p) => p.pt))].sort((a, b) => a - b),
        promptToneMs: audible.reduce((sum, p) => sum + p.ms, 0),
        inbandDigits: inband.join(''),
      },
    };
  }
}
