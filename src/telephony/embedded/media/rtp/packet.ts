/**
 * RTP fixed header (RFC 3550 §5.1), read and written in place. The receive path fills a caller-owned
 * `RtpHeader` object and the send path writes into a per-stream buffer, so the per-packet hot path
 * allocates nothing.
 */

export const RTP_HEADER_BYTES = 12;

/** Mutable view of one packet's header; reused for every datagram of a stream. */
export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload in the datagram (after CSRCs and header extension). */
  payloadOffset: number;
  /** Payload length without padding. */
  payloadLength: number;
}

export function newRtpHeader(): RtpHeader {
  return { payloadType: 0, marker: false, sequence: 0, timestamp: 0, ssrc: 0, payloadOffset: 0, payloadLength: 0 };
}

/**
 * RTCP shares the port when the peer multiplexes (RFC 5761): packet types 192–223 in the second byte
 * are RTCP, never RTP payload types. Those and anything that is not RTP version 2 are not RTP.
 */
export function parseRtp(buf: Uint8Array, length: number, out: RtpHeader): boolean {
  if (length < RTP_HEADER_BYTES) return false;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return false;
  const b1 = buf[1]!;
  if (b1 >= 192 && b1 <= 223) return false;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > length) return false;
  if (b0 & 0x10) {
    if (offset + 4 > length) return false;
    const words = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    offset += 4 + words * 4;
    if (offset > length) return false;
  }
  let end = length;
  if (b0 & 0x20) {
    const pad = buf[length - 1]!;
    if (pad === 0 || offset + pad > length) return false;
    end -= pad;
  }
  out.payloadType = b1 & 0x7f;
  out.marker = (b1 & 0x80) !== 0;
  out.sequence = (buf[2]! << 8) | buf[3]!;
  out.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  out.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return true;
}

/** Write a 12-byte header (no CSRC, no extension, no padding) at the start of `buf`. */
export function writeRtpHeader(
  buf: Uint8Array,
  payloadType: number,
  marker: boolean,
  sequence: number,
  timestamp: number,
  ssrc: number,
): void {
  buf[0] = 0x80;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[2] = (sequence >>> 8) & 0xff;
  buf[3] = sequence & 0xff;
  buf[4] = (timestamp >>> 24) & 0xff;
  buf[5] = (timestamp >>> 16) & 0xff;
  buf[6] = (timestamp >>> 8) & 0xff;
  buf[7] = timestamp & 0xff;
  buf[8] = (ssrc >>> 24) & 0xff;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}
