/**
 * SRTP (RFC 3711) with the one suite SDES PBXs all speak, AES_CM_128_HMAC_SHA1_80: AES-128 in
 * counter mode for the payload, HMAC-SHA1 over header + payload + rollover counter, 80-bit tag.
 * Built on node:crypto (available in worker threads too); npm has no maintained SRTP library that
 * fits (werift-rtp pulls a WebRTC stack whose typings clash with ours).
 *
 * Key derivation rate 0 (the SDES default: no re-keying), no MKI. Only RTP: fyrkant neither sends
 * nor reads RTCP. The receiver checks the tag before anything else looks at the packet, estimates the
 * rollover counter (RFC 3711 Appendix A) and keeps a 64-packet replay window per SSRC (§3.3.2).
 */
import { type Cipher, createCipheriv, createHash, type Hash, timingSafeEqual } from 'node:crypto';

export const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_80' as const;
/** 16-byte master key + 14-byte master salt, as carried in `a=crypto … inline:`. */
export const SRTP_MASTER_BYTES = 30;
export const SRTP_TAG_BYTES = 10;

export interface SrtpSessionKeys {
  readonly encryptionKey: Buffer;
  readonly authenticationKey: Buffer;
  readonly salt: Buffer;
}

/** RFC 3711 §4.3.1 with kdr = 0: x = label ‖ 0⁴⁸ XOR master salt, keystream AES-CM(master key, x·2¹⁶). */
export function deriveSessionKeys(masterKey: Uint8Array, masterSalt: Uint8Array): SrtpSessionKeys {
  if (masterKey.length !== 16 || masterSalt.length !== 14) throw new RangeError('SRTP master key 16 + salt 14 bytes');
  const prf = (label: number, length: number) => {
    const iv = Buffer.alloc(16);
    Buffer.from(masterSalt).copy(iv, 0);
    iv[7]! ^= label;
    return keystream(masterKey, iv, length);
  };
  return { encryptionKey: prf(0, 16), authenticationKey: prf(1, 20), salt: prf(2, 14) };
}

/** AES-128-CTR keystream of `length` bytes from the 16-byte counter block `iv`. */
export function keystream(key: Uint8Array, iv: Uint8Array, length: number): Buffer {
  const c = createCipheriv('aes-128-ctr', key, iv);
  return Buffer.concat([c.update(Buffer.alloc(length)), c.final()]);
}

/** RFC 3711 §4.1.1: IV = (salt·2¹⁶) XOR (SSRC·2⁶⁴) XOR (index·2¹⁶). */
function packetIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const hi = Math.floor(index / 0x1_0000_0000);
  iv.writeUInt16BE(iv.readUInt16BE(8) ^ (hi & 0xffff), 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
  return iv;
}

/** Where the payload starts (after CSRCs and the header extension), or -1 if the header is short. */
function payloadOffset(p: Uint8Array, length: number): number {
  if (length < 12) return -1;
  let off = 12 + (p[0]! & 0x0f) * 4;
  if (p[0]! & 0x10) {
    if (off + 4 > length) return -1;
    off += 4 + ((p[off + 2]! << 8) | p[off + 3]!) * 4;
  }
  return off <= length ? off : -1;
}

/**
 * The per-packet work without per-packet key setup (which cost ~20 µs a packet): one AES-128-ECB
 * cipher encrypts the packet's counter blocks into its keystream (that is what CTR mode is), and
 * HMAC-SHA1 runs as two SHA-1 hashes copied from states that already absorbed the padded key
 * (RFC 2104), so neither the AES key schedule nor the HMAC key is processed again.
 */
class SrtpCrypto {
  protected readonly keys: SrtpSessionKeys;
  private readonly ecb: Cipher;
  private readonly inner: Hash;
  private readonly outer: Hash;
  private counters = Buffer.alloc(16 * 16);
  private readonly rocBytes = Buffer.alloc(4);

  constructor(master: Uint8Array) {
    if (master.length !== SRTP_MASTER_BYTES) throw new RangeError('SRTP master key+salt must be 30 bytes');
    this.keys = deriveSessionKeys(master.subarray(0, 16), master.subarray(16));
    this.ecb = createCipheriv('aes-128-ecb', this.keys.encryptionKey, null).setAutoPadding(false);
    const pad = (byte: number) => {
      const b = Buffer.alloc(64, byte);
      for (let i = 0; i < this.keys.authenticationKey.length; i++) b[i]! ^= this.keys.authenticationKey[i]!;
      return b;
    };
    this.inner = createHash('sha1').update(pad(0x36));
    this.outer = createHash('sha1').update(pad(0x5c));
  }

  protected crypt(p: Buffer, from: number, to: number, ssrc: number, index: number): void {
    const blocks = Math.ceil((to - from) / 16);
    if (this.counters.length < blocks * 16) this.counters = Buffer.alloc(blocks * 16);
    // The IV's low 16 bits are zero (everything in it is shifted by 2^16) and a packet holds far
    // fewer than 65,536 blocks, so block b's counter is the IV with b in its last two bytes.
    const iv = packetIv(this.keys.salt, ssrc, index);
    for (let b = 0; b < blocks; b++) {
      iv.copy(this.counters, b * 16, 0, 14);
      this.counters.writeUInt16BE(b, b * 16 + 14);
    }
    const ks = this.ecb.update(this.counters.subarray(0, blocks * 16));
    for (let i = from; i < to; i++) p[i]! ^= ks[i - from]!;
  }

  protected tag(p: Buffer, length: number, roc: number): Buffer {
    this.rocBytes.writeUInt32BE(roc >>> 0, 0);
    const inner = this.inner.copy().update(p.subarray(0, length)).update(this.rocBytes).digest();
    return this.outer.copy().update(inner).digest().subarray(0, SRTP_TAG_BYTES);
  }
}

/** Our sending side: protect each packet (one SSRC per call, rollover counter kept here). */
export class SrtpSender extends SrtpCrypto {
  private roc = 0;
  private lastSeq = -1;

  /** A new buffer holding the SRTP packet for the first `length` bytes of `rtp`. */
  protect(rtp: Uint8Array, length: number): Buffer {
    const out = Buffer.alloc(length + SRTP_TAG_BYTES);
    Buffer.from(rtp.buffer, rtp.byteOffset, length).copy(out, 0);
    const seq = (out[2]! << 8) | out[3]!;
    if (this.lastSeq >= 0 && seq < this.lastSeq && this.lastSeq - seq > 0x8000) this.roc = (this.roc + 1) >>> 0;
    this.lastSeq = seq;
    const ssrc = out.readUInt32BE(8);
    const from = payloadOffset(out, length);
    if (from >= 0) this.crypt(out, from, length, ssrc, this.roc * 0x10000 + seq);
    this.tag(out, length, this.roc).copy(out, length);
    return out;
  }
}

interface ReceiveState {
  roc: number;
  /** Highest sequence number seen (s_l). */
  highest: number;
  /** Bit i set: index (maxIndex - i) was received. */
  window: bigint;
  maxIndex: number;
}

/** Counters of rejected SRTP packets. */
export interface SrtpReceiveStats {
  authFailed: number;
  replayed: number;
  short: number;
}

/** The peer's sending side: authenticate, drop replays, decrypt. */
export class SrtpReceiver extends SrtpCrypto {
  readonly stats: SrtpReceiveStats = { authFailed: 0, replayed: 0, short: 0 };
  private readonly states = new Map<number, ReceiveState>();

  /** The plain RTP packet, or undefined (counted) when it fails authentication or is a replay. */
  unprotect(datagram: Uint8Array): Buffer | undefined {
    const length = datagram.length - SRTP_TAG_BYTES;
    if (length < 12 || payloadOffset(datagram, length) < 0) {
      this.stats.short++;
      return undefined;
    }
    const p = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.length);
    const seq = (p[2]! << 8) | p[3]!;
    const ssrc = p.readUInt32BE(8);
    const state = this.states.get(ssrc);
    // RFC 3711 Appendix A: guess the rollover counter from the highest sequence number seen.
    let roc = state?.roc ?? 0;
    if (state) {
      if (state.highest < 0x8000) {
        if (seq - state.highest > 0x8000 && roc > 0) roc--;
      } else if (state.highest - 0x8000 > seq) {
        roc++;
      }
    }
    const index = roc * 0x10000 + seq;
    if (state && this.seen(state, index)) {
      this.stats.replayed++;
      return undefined;
    }
    const expected = this.tag(p, length, roc);
    if (!timingSafeEqual(expected, p.subarray(length, length + SRTP_TAG_BYTES))) {
      this.stats.authFailed++;
      return undefined;
    }
    const out = Buffer.from(p.subarray(0, length));
    this.crypt(out, payloadOffset(out, length), length, ssrc, index);
    this.remember(ssrc, state, roc, seq, index);
    return out;
  }

  private seen(s: ReceiveState, index: number): boolean {
    if (index > s.maxIndex) return false;
    const back = s.maxIndex - index;
    if (back >= 64) return true; // too old to tell: treat as a replay (§3.3.2)
    return ((s.window >> BigInt(back)) & 1n) === 1n;
  }

  private remember(ssrc: number, s: ReceiveState | undefined, roc: number, seq: number, index: number): void {
    if (!s) {
      if (this.states.size >= 8) this.states.delete(this.states.keys().next().value!);
      this.states.set(ssrc, { roc, highest: seq, window: 1n, maxIndex: index });
      return;
    }
    if (index > s.maxIndex) {
      const shift = index - s.maxIndex;
      s.window = shift >= 64 ? 1n : ((s.window << BigInt(shift)) | 1n) & 0xffff_ffff_ffff_ffffn;
      s.maxIndex = index;
      s.roc = roc;
      s.highest = seq;
    } else {
      s.window |= 1n << BigInt(s.maxIndex - index);
    }
  }
}
