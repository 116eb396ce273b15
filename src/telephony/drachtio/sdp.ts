/**
 * The little SDP surgery the drachtio backend needs on FreeSWITCH's offer before it goes to the PBX.
 *
 * Why: in the plain third-party flow FreeSWITCH offers optional SDES crypto and drachtio-srf ACKs its
 * 200 with that same offer, so FreeSWITCH negotiates SRTP with itself; the PBX then gets encrypted
 * prompts and digits it cannot decode (seen with FreeSWITCH 1.10.12). Unless SRTP is configured we
 * therefore offer the PBX plain RTP/AVP without `a=crypto` and forbid SRTP on the channel.
 */

const LINE = /\r?\n/;

function lines(sdp: string): string[] {
  return sdp.split(LINE).filter((l) => l.length > 0);
}

/** Audio m-line profile, e.g. `RTP/AVP` or `RTP/SAVP`; undefined without an audio m-line. */
export function audioProfile(sdp: string): string | undefined {
  for (const l of lines(sdp)) {
    const m = /^m=audio\s+\d+(?:\/\d+)?\s+(\S+)/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

export function hasCrypto(sdp: string): boolean {
  return lines(sdp).some((l) => /^a=(crypto|fingerprint):/i.test(l));
}

/** True if the SDP maps a payload type to telephone-event (RFC 4733). */
export function hasTelephoneEvent(sdp: string): boolean {
  return lines(sdp).some((l) => /^a=rtpmap:\d+\s+telephone-event\//i.test(l));
}

export type PlainOffer = { readonly ok: true; readonly sdp: string } | { readonly ok: false; readonly why: string };

/**
 * FreeSWITCH's offer made safe for a plain-RTP PBX: `a=crypto` lines removed. An offer whose audio
 * profile is secure-only (SAVP/SAVPF, DTLS) cannot be repaired by removing lines and is refused.
 */
export function plainRtpOffer(sdp: string): PlainOffer {
  const profile = audioProfile(sdp);
  if (!profile) return { ok: false, why: 'FreeSWITCH offered no audio m-line' };
  if (profile !== 'RTP/AVP' && profile !== 'RTP/AVPF') {
    return { ok: false, why: `FreeSWITCH offered ${profile}; plain RTP/AVP is required toward the PBX` };
  }
  const kept = lines(sdp).filter((l) => !/^a=crypto:/i.test(l));
  return { ok: true, sdp: `${kept.join('\r\n')}\r\n` };
}
