/**
 * SRTP AES_CM_128_HMAC_SHA1_80 (RFC 3711) on node:crypto: the RFC's own test vectors (Appendix B.2
 * keystream, B.3 key derivation), then protect/unprotect, tampering, replays and the rollover counter.
 * Interop with a real peer (baresip's srtp module) is in test/media/srtp-baresip.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';
import {
  deriveSessionKeys,
  keystream,
  SRTP_TAG_BYTES,
  SrtpReceiver,
  SrtpSender,
} from '../../src/telephony/embedded/media/rtp/srtp';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function rtp(seq: number, ssrc = 0x11223344, payload = Buffer.alloc(160, 0x55)): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  writeRtpHeader(b, 0, false, seq & 0xffff, seq * 160, ssrc);
  payload.copy(b, 12);
  return b;
}

describe('SRTP (RFC 3711)', () => {
  it('Appendix B.3: session keys from the master key and salt', () => {
    const k = deriveSessionKeys(hex('E1F97A0D3E018BE0D64FA32C06DE4139'), hex('0EC675AD498AFEEBB6960B3AABE6'));
    expect(k.encryptionKey.toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(k.salt.toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(k.authenticationKey.toString('hex').toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });

  it('Appendix B.2: the AES-CM keystream', () => {
    const ks = keystream(
      hex('2B7E151628AED2A6ABF7158809CF4F3C'),
      hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'),
      0x10000 * 16,
    );
    const block = (n: number) =>
      ks
        .subarray(n * 16, n * 16 + 16)
        .toString('hex')
        .toUpperCase();
    expect(block(0)).toBe('E03EAD0935C95E80E166B16DD92B4EB4');
    expect(block(1)).toBe('D23513162B02D0F72A43A2FE4A5F97AB');
    expect(block(2)).toBe('41E95B3BB0A2E8DD477901E4FCA894C0');
    expect(block(0xfeff)).toBe('EC8CDF7398607CB0F2D21675EA9EA1E4');
    expect(block(0xff00)).toBe('362B7C3C6773516318A077D7FC5073AE');
    expect(block(0xff01)).toBe('6A2CC3787889374FBEB4C81B17BA6C44');
  });

  it('protects and unprotects: payload encrypted, header in clear, 10-byte tag', () => {
    const master = randomBytes(30);
    const tx = new SrtpSender(master);
    const rx = new SrtpReceiver(master);
    const plain = rtp(1000);
    const wire = tx.protect(plain, plain.length);
    expect(wire.length).toBe(plain.length + SRTP_TAG_BYTES);
    expect(wire.subarray(0, 12)).toEqual(plain.subarray(0, 12));
    expect(wire.subarray(12, plain.length).equals(plain.subarray(12))).toBe(false);
    expect(rx.unprotect(wire)).toEqual(plain);
  });

  it("the payload is XORed with AES-128-CTR's keystream at IV (salt·2¹⁶) ⊕ (SSRC·2⁶⁴) ⊕ (index·2¹⁶) (§4.1.1)", () => {
    const master = randomBytes(30);
    const keys = deriveSessionKeys(master.subarray(0, 16), master.subarray(16));
    const plain = rtp(0x1234, 0xdeadbeef, randomBytes(300));
    const wire = new SrtpSender(master).protect(plain, plain.length);
    const iv = Buffer.alloc(16);
    keys.salt.copy(iv);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ 0xdeadbeef) >>> 0, 4);
    iv.writeUInt32BE((iv.readUInt32BE(10) ^ 0x1234) >>> 0, 10);
    const ks = keystream(keys.encryptionKey, iv, 300);
    const expected = Buffer.from(plain.subarray(12).map((b, i) => b ^ ks[i]!));
    expect(wire.subarray(12, 312)).toEqual(expected);
  });

  it('rejects tampered packets, wrong keys, plain RTP and replays; counts them', () => {
    const master = randomBytes(30);
    const tx = new SrtpSender(master);
    const rx = new SrtpReceiver(master);
    const wire = tx.protect(rtp(5), 172);
    const flipped = Buffer.from(wire);
    flipped[40]! ^= 1;
    expect(rx.unprotect(flipped)).toBeUndefined();
    expect(new SrtpReceiver(randomBytes(30)).unprotect(wire)).toBeUndefined();
    // An attacker's plain RTP '#' (RFC 4733) with 10 bytes of anything as a "tag".
    const forged = Buffer.concat([rtp(6, 0x11223344, Buffer.from([11, 0x8a, 3, 0xc0])), Buffer.alloc(10)]);
    expect(rx.unprotect(forged)).toBeUndefined();
    expect(rx.unprotect(wire)).toBeDefined();
    expect(rx.unprotect(wire)).toBeUndefined();
    expect(rx.unprotect(Buffer.alloc(15))).toBeUndefined();
    expect(rx.stats).toEqual({ authFailed: 2, replayed: 1, short: 1 });
  });

  it('follows the rollover counter across the 16-bit sequence wrap, and accepts reordering within the window', () => {
    const master = randomBytes(30);
    const tx = new SrtpSender(master);
    const rx = new SrtpReceiver(master);
    const seqs = [65530, 65531, 65533, 65532, 65534, 65535, 0, 2, 1, 3, 4];
    const wires = seqs.map((s) => tx.protect(rtp(s), 172));
    // The sender saw them in send order (65532 after 65533 is only reordered on the way).
    const got = [0, 1, 3, 2, 4, 5, 6, 8, 7, 9, 10].map((i) => rx.unprotect(wires[i]!));
    expect(got.every((g) => g !== undefined)).toBe(true);
    expect(got.map((g) => g!.readUInt16BE(2))).toEqual([65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4]);
  });
});
