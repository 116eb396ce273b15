/**
 * SDP offer/answer (RFC 3264) for one audio stream of G.711 + telephone-event (RFC 4733).
 *
 * fyrkant always offers in the INVITE; the far end answers. Later the far end may send a new offer
 * in a re-INVITE/UPDATE (hold, a new media address after a transfer, a codec change) and we answer
 * it. `SdpNegotiator` keeps the state for one call: our origin line, the session version, and what
 * is currently agreed.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SRTP_SUITE } from '../rtp/srtp';
import {
  directionOf,
  fmtpOf,
  type MediaDirection,
  parseSdp,
  rtpMapsOf,
  SdpError,
  type SdpMedia,
  type SessionDescription,
} from './parse';
import { cryptoLine, isSecureProto, newMasterKey, type SrtpKeys, type SrtpPolicy, usableCrypto } from './sdes';

export type G711Codec = 'PCMU' | 'PCMA';
export const STATIC_PT: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };

export interface LocalMediaOptions {
  /** Address written into c= and o= (the configured media address; IPv4 or IPv6). */
  readonly address: string;
  /** Our RTP port. */
  readonly port: number;
  /** Codecs we offer, in preference order. Default PCMU, PCMA. */
  readonly codecs?: readonly G711Codec[];
  /** Offer telephone-event (RFC 4733). Default true. */
  readonly telephoneEvent?: boolean;
  /** Payload type we offer for telephone-event. Default 101. */
  readonly telephoneEventPt?: number;
  /** Packet time in ms. Default 20. */
  readonly ptime?: number;
  /** SRTP with SDES keys (RFC 4568) toward this trunk: off (default), optional or required. */
  readonly srtp?: SrtpPolicy;
}

/** What an offer/answer exchange agreed on, seen from our side. */
export interface NegotiatedMedia {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly codec: G711Codec;
  /** Payload type for the codec (0 or 8, or a dynamic number the peer mapped). */
  readonly payloadType: number;
  /** Payload type of telephone-event we SEND with (the one the peer named), when both sides support it. */
  readonly telephoneEventPt: number | undefined;
  /**
   * Payload type the peer may send telephone-event with when it differs from `telephoneEventPt`: the
   * one WE offered (RFC 3264 §5.1: each side receives on the types it listed). Phones that answer
   * `100` but send with our `101` exist; both are accepted.
   */
  readonly telephoneEventRecvPt?: number;
  /** May we send audio (false on hold / recvonly / inactive / 0.0.0.0)? */
  readonly send: boolean;
  /** Will the peer send to us? */
  readonly receive: boolean;
  /** The peer's a=ptime, or ours if it gave none. */
  readonly ptime: number;
  readonly direction: MediaDirection;
  /** SRTP keys when the exchange agreed on SRTP (SDES); absent = plain RTP. */
  readonly srtp?: SrtpKeys;
}

export type NegotiationResult =
  | { readonly ok: true; readonly media: NegotiatedMedia }
  | { readonly ok: false; readonly reason: string };

export class SdpNegotiator {
  private readonly sessionId: string;
  private version: number;
  private lastBody: string | undefined;
  private readonly codecs: readonly G711Codec[];
  private readonly telephoneEvent: boolean;
  private readonly telephoneEventPt: number;
  private readonly ptime: number;
  private readonly srtp: SrtpPolicy;
  /** Our SRTP master key + salt (we send with it), one per call. */
  private readonly localKey: Buffer | undefined;
  private current: NegotiatedMedia | undefined;

  constructor(private local: LocalMediaOptions) {
    this.codecs = local.codecs?.length ? local.codecs : ['PCMU', 'PCMA'];
    this.telephoneEvent = local.telephoneEvent ?? true;
    this.telephoneEventPt = local.telephoneEventPt ?? 101;
    this.ptime = local.ptime ?? 20;
    this.srtp = local.srtp ?? 'off';
    this.localKey = this.srtp === 'off' ? undefined : newMasterKey();
    // NTP-ish numbers as RFC 4566 suggests; only uniqueness matters.
    this.sessionId = String(Math.floor(Date.now() / 1000) + 2208988800) + String(Math.floor(Math.random() * 1000));
    this.version = Math.floor(Math.random() * 1000);
  }

  get negotiated(): NegotiatedMedia | undefined {
    return this.current;
  }

  /** The initial offer: every codec we allow, telephone-event 0-16, ptime, sendrecv. */
  createOffer(): string {
    const pts = this.codecs.map((c) => STATIC_PT[c]);
    const lines = this.header();
    const formats = this.telephoneEvent ? [...pts, this.telephoneEventPt] : pts;
    // required: RTP/SAVP; optional: RTP/AVP with a=crypto (best-effort SRTP, what PBXs that make
    // SRTP optional offer and accept — a PBX without SDES ignores the line and answers plain RTP).
    const proto = this.srtp === 'required' ? 'RTP/SAVP' : 'RTP/AVP';
    lines.push(`m=audio ${this.local.port} ${proto} ${formats.join(' ')}`);
    if (this.localKey) lines.push(cryptoLine(1, this.localKey));
    for (const c of this.codecs) lines.push(`a=rtpmap:${STATIC_PT[c]} ${c}/8000`);
    if (this.telephoneEvent) {
      lines.push(`a=rtpmap:${this.telephoneEventPt} telephone-event/8000`);
      lines.push(`a=fmtp:${this.telephoneEventPt} 0-16`);
    }
    lines.push(`a=ptime:${this.ptime}`, 'a=sendrecv');
    return this.finish(lines);
  }

  /** Read the far end's answer to our offer. */
  applyAnswer(text: string): NegotiationResult {
    let sdp: SessionDescription;
    try {
      sdp = parseSdp(text);
    } catch (err) {
      return { ok: false, reason: err instanceof SdpError ? `unreadable SDP answer: ${err.message}` : 'bad SDP' };
    }
    const audio = sdp.media.find((m) => m.type === 'audio');
    if (!audio) return { ok: false, reason: 'SDP answer has no audio stream' };
    if (audio.port === 0) return { ok: false, reason: 'the far end rejected the audio stream (port 0)' };
    const secure = this.answerSrtp(audio);
    if (!secure.ok) return secure;
    const maps = rtpMapsOf(audio);
    // The answerer's order is its preference (RFC 3264 §6.1); take its first codec we offered.
    let codec: { codec: G711Codec; pt: number } | undefined;
    for (const f of audio.formats) {
      const map = maps.get(Number(f));
      const c = map && map.clockRate === 8000 ? asG711(map.encoding) : undefined;
      if (c && this.codecs.includes(c)) {
        codec = { codec: c, pt: map!.payloadType };
        break;
      }
    }
    if (!codec) {
      return { ok: false, reason: `no common codec (answer offers ${audio.formats.join(' ') || 'nothing'})` };
    }
    const te = this.telephoneEvent ? telephoneEventPtOf(audio, maps) : undefined;
    const recv = te !== undefined && te !== this.telephoneEventPt && this.telephoneEventPt !== codec.pt;
    return this.settle(
      sdp,
      audio,
      codec,
      te,
      directionOf(sdp, audio),
      recv ? this.telephoneEventPt : undefined,
      secure.keys,
    );
  }

  /** SRTP in the answer to our offer: what `sip.trunk.srtp` demands against what came back. */
  private answerSrtp(audio: SdpMedia): { ok: true; keys?: SrtpKeys } | { ok: false; reason: string } {
    const secureProto = isSecureProto(audio.proto);
    if (!secureProto && !audio.proto.startsWith('RTP/AVP')) {
      return { ok: false, reason: `unsupported media transport ${audio.proto}` };
    }
    if (!this.localKey) {
      return secureProto
        ? { ok: false, reason: `the far end answered ${audio.proto} (SRTP) but sip.trunk.srtp is off` }
        : { ok: true };
    }
    const crypto = usableCrypto(audio, 1);
    if (crypto) return { ok: true, keys: { suite: SRTP_SUITE, sendKey: this.localKey, receiveKey: crypto.key } };
    if (this.srtp === 'required' || secureProto) {
      return {
        ok: false,
        reason: `the far end's answer has no usable SRTP key (a=crypto:1 ${SRTP_SUITE}) but sip.trunk.srtp is ${this.srtp}`,
      };
    }
    return { ok: true };
  }

  /**
   * Answer an offer from the far end (re-INVITE/UPDATE). Without an offer (a re-INVITE with no body)
   * the 200 must carry a fresh offer, which we build from the current state.
   */
  answerOffer(text: string | undefined): { readonly body: string; readonly result: NegotiationResult } {
    if (text === undefined || text.trim() === '') {
      return { body: this.currentOffer(), result: this.current ? { ok: true, media: this.current } : noMedia };
    }
    let sdp: SessionDescription;
    try {
      sdp = parseSdp(text);
    } catch (err) {
      const reason = err instanceof SdpError ? err.message : 'bad SDP';
      return { body: this.currentOffer(), result: { ok: false, reason: `unreadable SDP offer: ${reason}` } };
    }
    const audioIndex = sdp.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
    const audio = sdp.media[audioIndex];
    let chosen: { codec: G711Codec; pt: number } | undefined;
    let te: number | undefined;
    const offeredCrypto = audio && this.localKey ? usableCrypto(audio) : undefined;
    const usable =
      audio !== undefined &&
      (isSecureProto(audio.proto) ? offeredCrypto !== undefined : audio.proto.startsWith('RTP/AVP')) &&
      (this.srtp !== 'required' || offeredCrypto !== undefined);
    if (audio && usable) {
      const maps = rtpMapsOf(audio);
      const offered: Array<{ codec: G711Codec; pt: number }> = [];
      for (const f of audio.formats) {
        const map = maps.get(Number(f));
        const c = map && map.clockRate === 8000 ? asG711(map.encoding) : undefined;
        if (c && this.codecs.includes(c)) offered.push({ codec: c, pt: map!.payloadType });
      }
      // Keep the running codec when still offered: a mid-call codec switch gains nothing.
      chosen = offered.find((o) => o.codec === this.current?.codec) ?? offered[0];
      te = this.telephoneEvent ? telephoneEventPtOf(audio, maps) : undefined;
    }
    const lines = this.header();
    if (!audio || !chosen) {
      // Reject every stream (port 0, formats echoed) — RFC 3264 §6: an answer has as many m= lines.
      for (const m of sdp.media) lines.push(`m=${m.type} 0 ${m.proto} ${m.formats.join(' ') || '0'}`);
      const reason = !audio
        ? 'offer has no usable audio stream'
        : !usable
          ? `the offer's audio (${audio.proto}${offeredCrypto ? '' : ', no usable a=crypto'}) does not fit sip.trunk.srtp ${this.srtp}`
          : 'no common codec in the offer';
      return { body: this.finish(lines), result: { ok: false, reason } };
    }
    const offerDirection = directionOf(sdp, audio);
    const keys =
      offeredCrypto && this.localKey
        ? { suite: SRTP_SUITE, sendKey: this.localKey, receiveKey: offeredCrypto.key }
        : undefined;
    const result = this.settle(sdp, audio, chosen, te, offerDirection, undefined, keys);
    const ours = answerDirection(offerDirection, isNullAddress(connectionOf(sdp, audio)));
    sdp.media.forEach((m, i) => {
      if (i !== audioIndex) {
        lines.push(`m=${m.type} 0 ${m.proto} ${m.formats.join(' ') || '0'}`);
        return;
      }
      const formats = te !== undefined ? [chosen.pt, te] : [chosen.pt];
      lines.push(`m=audio ${this.local.port} ${offeredCrypto ? audio.proto : 'RTP/AVP'} ${formats.join(' ')}`);
      if (offeredCrypto && this.localKey) lines.push(cryptoLine(offeredCrypto.tag, this.localKey));
      lines.push(`a=rtpmap:${chosen.pt} ${chosen.codec}/8000`);
      if (te !== undefined) lines.push(`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-16`);
      lines.push(`a=ptime:${this.ptime}`, `a=${ours}`);
    });
    return { body: this.finish(lines), result };
  }

  /** A new local address/port (e.g. after re-binding); the next body gets a new version. */
  updateLocal(local: LocalMediaOptions): void {
    this.local = local;
  }

  private currentOffer(): string {
    return this.createOffer();
  }

  private settle(
    sdp: SessionDescription,
    audio: SdpMedia,
    codec: { codec: G711Codec; pt: number },
    telephoneEventPt: number | undefined,
    remoteDirection: MediaDirection,
    telephoneEventRecvPt?: number,
    srtp?: SrtpKeys,
  ): NegotiationResult {
    const address = connectionOf(sdp, audio);
    if (!address) return { ok: false, reason: 'SDP has no connection address (c=)' };
    const family = familyMismatch(address, this.local.address);
    if (family) return { ok: false, reason: family };
    const held = isNullAddress(address);
    const ptimeAttr = audio.attributes.find((a) => a.name === 'ptime')?.value;
    const ptime = ptimeAttr && /^\d+$/.test(ptimeAttr) ? Number(ptimeAttr) : this.ptime;
    const media: NegotiatedMedia = {
      remoteAddress: address,
      remotePort: audio.port,
      codec: codec.codec,
      payloadType: codec.pt,
      telephoneEventPt,
      ...(telephoneEventRecvPt !== undefined ? { telephoneEventRecvPt } : {}),
      send: !held && (remoteDirection === 'sendrecv' || remoteDirection === 'recvonly'),
      receive: remoteDirection === 'sendrecv' || remoteDirection === 'sendonly',
      ptime,
      direction: remoteDirection,
      ...(srtp ? { srtp } : {}),
    };
    this.current = media;
    return { ok: true, media };
  }

  private header(): string[] {
    const net = `IN ${ipVersion(this.local.address)} ${this.local.address}`;
    return ['v=0', `o=fyrkant ${this.sessionId} ${this.version} ${net}`, 's=fyrkant', `c=${net}`, 't=0 0'];
  }

  /** RFC 3264 §8: the version goes up exactly when the description changes. */
  private finish(lines: string[]): string {
    const withoutOrigin = lines.filter((l) => !l.startsWith('o=')).join('\r\n');
    if (this.lastBody !== undefined && this.lastBody !== withoutOrigin) {
      this.version++;
      lines[1] = `o=fyrkant ${this.sessionId} ${this.version} IN ${ipVersion(this.local.address)} ${this.local.address}`;
    }
    this.lastBody = withoutOrigin;
    return `${lines.join('\r\n')}\r\n`;
  }
}

const noMedia: NegotiationResult = { ok: false, reason: 'no media negotiated yet' };

function asG711(encoding: string): G711Codec | undefined {
  const e = encoding.toUpperCase();
  return e === 'PCMU' || e === 'PCMA' ? e : undefined;
}

function telephoneEventPtOf(
  audio: SdpMedia,
  maps: Map<number, { encoding: string; clockRate: number }>,
): number | undefined {
  for (const f of audio.formats) {
    const pt = Number(f);
    const map = maps.get(pt);
    if (map && map.encoding.toLowerCase() === 'telephone-event' && map.clockRate === 8000) {
      // An fmtp that excludes 0-15 would make the PT useless for digits; absent fmtp means 0-15 (RFC 4733 §2.4.1).
      const fmtp = fmtpOf(audio, pt);
      if (fmtp === undefined || coversDigits(fmtp)) return pt;
    }
  }
  return undefined;
}

function coversDigits(fmtp: string): boolean {
  const covered = new Set<number>();
  for (const part of fmtp.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    for (let e = from; e <= Math.min(to, 15); e++) covered.add(e);
  }
  return covered.has(11) && covered.has(1);
}

function connectionOf(sdp: SessionDescription, audio: SdpMedia): string | undefined {
  return (audio.connection ?? sdp.connection)?.address;
}

function isNullAddress(address: string | undefined): boolean {
  return address === '0.0.0.0' || address === '::';
}

function ipVersion(address: string): 'IP4' | 'IP6' {
  return isIPv6(address) ? 'IP6' : 'IP4';
}

/** Why we cannot send to `remote` from a socket bound to `local`'s family, if we cannot. */
function familyMismatch(remote: string, local: string): string | undefined {
  const remote6 = isIPv6(remote);
  if (!remote6 && !isIPv4(remote)) return `unsupported media address ${remote} (expected an IPv4 or IPv6 address)`;
  if (remote6 === isIPv6(local)) return undefined;
  return remote6
    ? `the far end's media address ${remote} is IPv6 but fyrkant's media address ${local} is IPv4 (set media.address to an IPv6 address for IPv6 media)`
    : `the far end's media address ${remote} is IPv4 but fyrkant's media address ${local} is IPv6 (set media.address to an IPv4 address)`;
}

function answerDirection(offer: MediaDirection, nullAddress: boolean): MediaDirection {
  if (offer === 'sendonly') return 'recvonly';
  if (offer === 'recvonly') return 'sendonly';
  if (offer === 'inactive') return 'inactive';
  // RFC 2543-style hold (c=0.0.0.0, sendrecv): we will not send, but still listen.
  return nullAddress ? 'recvonly' : 'sendrecv';
}
