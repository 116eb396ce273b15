/**
 * Minimal classic-pcap reader for test fixtures (e.g. the RFC 2833 captures sipp ships): yields the
 * RTP packets of UDP/IPv4 frames. Handles Ethernet, Linux cooked (SLL) and raw-IP link types.
 */
import { readFileSync } from 'node:fs';

export interface PcapRtpPacket {
  /** Capture time relative to the first frame, ms. */
  readonly timeMs: number;
  /** Capture time as wall-clock ms since the epoch (the kernel's timestamp). */
  readonly epochMs: number;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
}

export function readPcapRtp(path: string): PcapRtpPacket[] {
  const buf = readFileSync(path);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a classic pcap file`);
  }
  const nano = magic === 0xa1b23c4d || buf.readUInt32BE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const out: PcapRtpPacket[] = [];
  let off = 24;
  let t0: number | undefined;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const capLen = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + capLen);
    off += 16 + capLen;
    const t = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    t0 ??= t;
    let ip: number;
    if (linkType === 1) ip = frame.readUInt16BE(12) === 0x0800 ? 14 : -1;
    else if (linkType === 113) ip = frame.readUInt16BE(14) === 0x0800 ? 16 : -1;
    else if (linkType === 101 || linkType === 228) ip = 0;
    else throw new Error(`${path}: unsupported link type ${linkType}`);
    if (ip < 0 || frame.length < ip + 20 || frame[ip]! >> 4 !== 4 || frame[ip + 9] !== 17) continue;
    const udp = ip + (frame[ip]! & 0x0f) * 4;
    const rtp = udp + 8;
    if (frame.length < rtp + 12 || frame[rtp]! >> 6 !== 2) continue;
    const cc = frame[rtp]! & 0x0f;
    const start = rtp + 12 + cc * 4;
    out.push({
      timeMs: t - t0,
      epochMs: t,
      payloadType: frame[rtp + 1]! & 0x7f,
      marker: (frame[rtp + 1]! & 0x80) !== 0,
      sequence: frame.readUInt16BE(rtp + 2),
      timestamp: frame.readUInt32BE(rtp + 4),
      ssrc: frame.readUInt32BE(rtp + 8),
      payload: new Uint8Array(frame.subarray(start)),
    });
  }
  return out;
}
