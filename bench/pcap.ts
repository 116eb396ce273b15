/**
 * Reads a classic libpcap file (dumpcap -P) of RTP on the loopback interface and measures, per
 * stream, how far each packet's arrival is from 20 ms after the previous one of that stream.
 */
import { readFileSync } from 'node:fs';

export interface IntervalStats {
  readonly streams: number;
  readonly packets: number;
  readonly intervals: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_NULL = 0;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

/**
 * Deviation |Δt − frameMs| between consecutive audio packets (payload type `pt`) of each stream
 * (source port + SSRC), counted only where the RTP sequence number advanced by exactly one.
 */
export function rtpIntervalStats(file: string, pt: number, frameMs = 20): IntervalStats {
  const buf = readFileSync(file);
  if (buf.length < 24) throw new Error(`${file}: not a pcap file`);
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nanos: boolean;
  if (magic === 0xa1b2c3d4) [le, nanos] = [true, false];
  else if (magic === 0xa1b23c4d) [le, nanos] = [true, true];
  else if (magic === 0xd4c3b2a1) [le, nanos] = [false, false];
  else if (magic === 0x4d3cb2a1) [le, nanos] = [false, true];
  else throw new Error(`${file}: not a classic pcap file (use dumpcap -P)`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20) & 0xffff;
  const l2 =
    link === LINKTYPE_ETHERNET
      ? 14
      : link === LINKTYPE_NULL
        ? 4
        : link === LINKTYPE_LINUX_SLL
          ? 16
          : link === LINKTYPE_LINUX_SLL2
            ? 20
            : -1;
  if (l2 < 0) throw new Error(`${file}: unsupported link type ${link}`);

  const last = new Map<string, { t: number; seq: number }>();
  const deviations: number[] = [];
  let packets = 0;
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const data = off + 16;
    off = data + incl;
    if (off > buf.length) break;
    const t = sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3);
    const ip = data + l2;
    if (incl < l2 + 20 + 8 + 12 || buf[ip]! >> 4 !== 4 || buf[ip + 9] !== 17) continue;
    const ihl = (buf[ip]! & 0x0f) * 4;
    const udp = ip + ihl;
    const rtp = udp + 8;
    if (rtp + 12 > data + incl || buf[rtp]! >> 6 !== 2) continue;
    if ((buf[rtp + 1]! & 0x7f) !== pt) continue;
    packets++;
    const key = `${buf.readUInt16BE(udp)}:${buf.readUInt32BE(rtp + 8)}`;
    const seq = buf.readUInt16BE(rtp + 2);
    const prev = last.get(key);
    if (prev && ((prev.seq + 1) & 0xffff) === seq) deviations.push(Math.abs(t - prev.t - frameMs));
    last.set(key, { t, seq });
  }
  const sorted = Float64Array.from(deviations).sort();
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);
  return {
    streams: last.size,
    packets,
    intervals: sorted.length,
    p50Ms: round(q(0.5)),
    p99Ms: round(q(0.99)),
    p999Ms: round(q(0.999)),
    maxMs: round(sorted.length ? sorted[sorted.length - 1]! : 0),
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** One UDP datagram of a capture: capture time (epoch ms), ports and the payload's place in `buf`. */
export interface UdpPacket {
  readonly t: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly buf: Buffer;
  readonly payload: number;
  readonly end: number;
}

/** Calls `visit` for every IPv4 UDP datagram of a classic pcap file (dumpcap -P), in capture order. */
export function forEachUdp(file: string, visit: (p: UdpPacket) => void): void {
  const buf = readFileSync(file);
  if (buf.length < 24) throw new Error(`${file}: not a pcap file`);
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1) throw new Error(`${file}: not a classic pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20) & 0xffff;
  const l2 = link === 1 ? 14 : link === 0 ? 4 : link === 113 ? 16 : link === 276 ? 20 : -1;
  if (l2 < 0) throw new Error(`${file}: unsupported link type ${link}`);
  let off = 24;
  while (off + 16 <= buf.length) {
    const t = u32(off) * 1000 + (nanos ? u32(off + 4) / 1e6 : u32(off + 4) / 1e3);
    const incl = u32(off + 8);
    const data = off + 16;
    off = data + incl;
    if (off > buf.length) break;
    const ip = data + l2;
    if (incl < l2 + 28 || buf[ip]! >> 4 !== 4 || buf[ip + 9] !== 17) continue;
    const udp = ip + (buf[ip]! & 0x0f) * 4;
    visit({ t, srcPort: buf.readUInt16BE(udp), dstPort: buf.readUInt16BE(udp + 2), buf, payload: udp + 8, end: off });
  }
}
