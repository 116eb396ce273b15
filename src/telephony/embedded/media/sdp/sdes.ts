/**
 * SDES (RFC 4568): SRTP keys in SDP `a=crypto` lines. fyrkant offers and accepts one suite,
 * AES_CM_128_HMAC_SHA1_80, without MKI or key lifetimes other than the default; each side's line
 * carries the key *it sends with*.
 */
import { randomBytes } from 'node:crypto';
import { SRTP_MASTER_BYTES, SRTP_SUITE } from '../rtp/srtp';
import type { SdpMedia } from './parse';

/** Per trunk (`sip.trunk.srtp`): plain RTP only, SRTP when the PBX takes it, or SRTP or no call. */
export type SrtpPolicy = 'off' | 'optional' | 'required';
export const SRTP_POLICIES: readonly SrtpPolicy[] = ['off', 'optional', 'required'];

/** The keys of one SRTP session: ours (we send with it) and the peer's (it sends with it). */
export interface SrtpKeys {
  readonly suite: typeof SRTP_SUITE;
  readonly sendKey: Buffer;
  readonly receiveKey: Buffer;
}

export function newMasterKey(): Buffer {
  return randomBytes(SRTP_MASTER_BYTES);
}

export function cryptoLine(tag: number, key: Buffer): string {
  return `a=crypto:${tag} ${SRTP_SUITE} inline:${key.toString('base64')}`;
}

/** The first usable `a=crypto` of the stream with our suite (and `tag`, when given). */
export function usableCrypto(media: SdpMedia, tag?: number): { tag: number; key: Buffer } | undefined {
  for (const a of media.attributes) {
    if (a.name !== 'crypto' || !a.value) continue;
    const m = /^(\d{1,9})\s+(\S+)\s+inline:([A-Za-z0-9+/=]+)(\|[^\s]*)?(?:\s|$)/.exec(a.value);
    if (!m || m[2] !== SRTP_SUITE) continue;
    const t = Number(m[1]);
    if (tag !== undefined && t !== tag) continue;
    // `|lifetime` alone is fine (we never reach 2^31 packets); `|MKI:length` is not supported.
    const params = (m[4] ?? '').split('|').filter(Boolean);
    if (params.some((p) => p.includes(':'))) continue;
    const key = Buffer.from(m[3]!, 'base64');
    if (key.length !== SRTP_MASTER_BYTES) continue;
    return { tag: t, key };
  }
  return undefined;
}

export const isSecureProto = (proto: string) => proto === 'RTP/SAVP' || proto === 'RTP/SAVPF';
