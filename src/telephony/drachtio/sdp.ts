/**
 * SDP for the drachtio backend's call set-up (see dial.ts for the flow and why).
 *
 * What FreeSWITCH 1.10.12 really sends (seen with the mrf image's configuration): a 3pcc offer has
 * TWO audio m-lines, `RTP/SAVP` with 11 `a=crypto` suites first and then `RTP/AVP`, codecs
 * `9 0 8 101 13`; an answer to a plain offer names one codec (plus telephone-event). So nothing
 * here assumes one m-line, and the offer the PBX gets is built by us, not copied from FreeSWITCH.
 */

const LINE = /\r?\n/;

function lines(sdp: string): string[] {
  return sdp.split(LINE).filter((l) => l.length > 0);
}

/** One media section: its m-line and the attribute lines up to the next m-line. */
export interface MediaSection {
  readonly media: string;
  readonly port: number;
  readonly profile: string;
  readonly formats: readonly string[];
  readonly lines: readonly string[];
  /** The section's own `c=` address, if it has one. */
  readonly connection?: string;
}

export interface ParsedSdp {
  readonly session: readonly string[];
  readonly sections: readonly MediaSection[];
  /** The session-level `c=` address. */
  readonly connection?: string;
}

export function parseSdp(sdp: string): ParsedSdp {
  const session: string[] = [];
  const sections: Array<{ head: string; lines: string[] }> = [];
  for (const l of lines(sdp)) {
    if (l.startsWith('m=')) sections.push({ head: l, lines: [l] });
    else if (sections.length > 0) sections.at(-1)?.lines.push(l);
    else session.push(l);
  }
  const addr = (ls: readonly string[]) => /^c=IN IP[46] (\S+)/.exec(ls.find((l) => l.startsWith('c=')) ?? '')?.[1];
  const sessionConnection = addr(session);
  return {
    session,
    ...(sessionConnection ? { connection: sessionConnection } : {}),
    sections: sections.map((s) => {
      const [, media = '', port = '0', profile = '', fmts = ''] =
        /^m=(\S+) (\d+)(?:\/\d+)? (\S+) ?(.*)$/.exec(s.head) ?? [];
      const connection = addr(s.lines);
      return {
        media,
        port: Number(port),
        profile,
        formats: fmts.split(' ').filter(Boolean),
        lines: s.lines,
        ...(connection ? { connection } : {}),
      };
    }),
  };
}

/** The audio sections of an SDP, in order. */
export function audioSections(sdp: string): MediaSection[] {
  return parseSdp(sdp).sections.filter((s) => s.media === 'audio' && s.port > 0);
}

/** Audio m-line profiles, e.g. `['RTP/SAVP', 'RTP/AVP']` for FreeSWITCH's 3pcc offer. */
export function audioProfiles(sdp: string): string[] {
  return audioSections(sdp).map((s) => s.profile);
}

export function hasCrypto(sdp: string): boolean {
  return lines(sdp).some((l) => /^a=(crypto|fingerprint):/i.test(l));
}

/** True if the SDP maps a payload type to telephone-event (RFC 4733). */
export function hasTelephoneEvent(sdp: string): boolean {
  return lines(sdp).some((l) => /^a=rtpmap:\d+\s+telephone-event\//i.test(l));
}

/** The codecs we offer toward the PBX: G.711 only (every PBX has it), in the configured order. */
export type G711 = 'PCMU' | 'PCMA';
const STATIC_PT: Record<G711, number> = { PCMU: 0, PCMA: 8 };
/** Dynamic payload type for telephone-event, as FreeSWITCH and most PBXs use. */
export const TELEPHONE_EVENT_PT = 101;

function g711Lines(codecs: readonly G711[]): { formats: string; attrs: string[] } {
  const list = codecs.length > 0 ? [...new Set(codecs)] : (['PCMU', 'PCMA'] as const);
  return {
    formats: [...list.map((c) => STATIC_PT[c]), TELEPHONE_EVENT_PT].join(' '),
    attrs: [
      ...list.map((c) => `a=rtpmap:${STATIC_PT[c]} ${c}/8000`),
      `a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`,
      `a=fmtp:${TELEPHONE_EVENT_PT} 0-16`,
      'a=ptime:20',
    ],
  };
}

/**
 * The offer FreeSWITCH gets when its endpoint is created: plain RTP/AVP, G.711 and telephone-event,
 * `inactive` at a discard address until the PBX's answer replaces it (so FreeSWITCH sends nothing
 * anywhere meanwhile). A plain offer is what keeps FreeSWITCH from negotiating SRTP with itself.
 */
export function placeholderOffer(codecs: readonly G711[], sessionId: number): string {
  const { formats, attrs } = g711Lines(codecs);
  return [
    'v=0',
    `o=fyrkant ${sessionId} 1 IN IP4 127.0.0.1`,
    's=fyrkant',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio 9 RTP/AVP ${formats}`,
    ...attrs,
    'a=inactive',
    '',
  ].join('\r\n');
}

export type OfferResult = { readonly ok: true; readonly sdp: string } | { readonly ok: false; readonly why: string };

/**
 * Our offer to the PBX: FreeSWITCH's media address and port (from its answer to the placeholder),
 * plain RTP/AVP, the configured G.711 codecs and telephone-event — never FreeSWITCH's own codec list
 * (its answer names one codec, e.g. G722 with vanilla preferences) and never `a=crypto`.
 */
export function pbxOffer(freeswitchSdp: string, codecs: readonly G711[], sessionId: number): OfferResult {
  const parsed = parseSdp(freeswitchSdp);
  const audio = parsed.sections.find((s) => s.media === 'audio' && s.port > 0 && s.profile === 'RTP/AVP');
  if (!audio) {
    const seen = audioProfiles(freeswitchSdp).join(', ') || 'none';
    return { ok: false, why: `FreeSWITCH gave no plain RTP/AVP audio line (audio lines: ${seen})` };
  }
  const address = audio.connection ?? parsed.connection;
  if (!address) return { ok: false, why: 'FreeSWITCH gave no media address (c=) in its SDP' };
  const { formats, attrs } = g711Lines(codecs);
  return {
    ok: true,
    sdp: [
      'v=0',
      `o=fyrkant ${sessionId} 1 IN IP4 ${address}`,
      's=fyrkant',
      `c=IN IP4 ${address}`,
      't=0 0',
      `m=audio ${audio.port} RTP/AVP ${formats}`,
      ...attrs,
      'a=sendrecv',
      '',
    ].join('\r\n'),
  };
}

/**
 * The PBX's answer, checked and narrowed for FreeSWITCH: one plain audio line with the codec the
 * PBX put first (FreeSWITCH then sends exactly what the PBX expects) plus telephone-event if the PBX
 * has it. Refused when the PBX answered with SRTP or with no G.711 codec we offered.
 */
export function answerForFreeswitch(pbxSdp: string): OfferResult {
  const parsed = parseSdp(pbxSdp);
  const audio = parsed.sections.find((s) => s.media === 'audio' && s.port > 0);
  if (!audio) return { ok: false, why: 'the PBX answered without an audio line' };
  if (audio.profile !== 'RTP/AVP' && audio.profile !== 'RTP/AVPF') {
    return { ok: false, why: `the PBX answered ${audio.profile}; we offered plain RTP/AVP` };
  }
  const rtpmap = new Map<string, string>();
  for (const l of audio.lines) {
    const m = /^a=rtpmap:(\d+) ([^/\s]+)/i.exec(l);
    if (m) rtpmap.set(m[1]!, m[2]!.toUpperCase());
  }
  const nameOf = (pt: string) => rtpmap.get(pt) ?? (pt === '0' ? 'PCMU' : pt === '8' ? 'PCMA' : undefined);
  const codec = audio.formats.find((pt) => nameOf(pt) === 'PCMU' || nameOf(pt) === 'PCMA');
  if (!codec) return { ok: false, why: `the PBX answered no G.711 codec (formats ${audio.formats.join(' ')})` };
  const te = audio.formats.find((pt) => nameOf(pt) === 'TELEPHONE-EVENT');
  const keep = new Set([codec, ...(te ? [te] : [])]);
  const head = `m=audio ${audio.port} ${audio.profile} ${[...keep].join(' ')}`;
  const body = audio.lines.slice(1).filter((l) => {
    const pt = /^a=(?:rtpmap|fmtp):(\d+)/.exec(l)?.[1];
    return pt === undefined ? !/^a=(crypto|fingerprint):/i.test(l) : keep.has(pt);
  });
  const session = parsed.session.filter((l) => !/^a=(crypto|fingerprint):/i.test(l));
  return { ok: true, sdp: `${[...session, head, ...body].join('\r\n')}\r\n` };
}
