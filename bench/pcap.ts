/**
 * Reads a classic libpcap file (dumpcap -P) of RTP on the loopback interface and measures, per
 * stream, how far each packet's arrival is from 20 ms after the previous one of that stream.
 */
import { closeSync, openSync, readSync } from 'node:fs';

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
  const last = new Map<string, { t: number; seq: number }>();
  const deviations: number[] = [];
  let packets = 0;
  forEachUdp(file, ({ t, buf, srcPort, payload: rtp, end }) => {
    if (rtp + 12 > end || buf[rtp]! >> 6 !== 2) return;
    if ((buf[rtp + 1]! & 0x7f) !== pt) return;
    packets++;
    const key = `${srcPort}:${buf.readUInt32BE(rtp + 8)}`;
    const seq = buf.readUInt16BE(rtp + 2);
    const prev = last.get(key);
    if (prev && ((prev.seq + 1) & 0xffff) === seq) deviations.push(Math.abs(t - prev.t - frameMs));
    last.set(key, { t, seq });
  });
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

/**
 * Calls `visit` for every IPv4 UDP datagram of a classic pcap file (dumpcap -P), in capture order.
 * The file is read in windows of `windowBytes` (a 200/s run captures several GB — more than one
 * Buffer may hold); `p.buf` is only valid during the call.
 */
export function forEachUdp(file: string, visit: (p: UdpPacket) => void, windowBytes = 64 * 2 ** 20): void {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(24);
    if (readSync(fd, head, 0, 24, 0) < 24) throw new Error(`${file}: not a pcap file`);
    const magic = head.readUInt32LE(0);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    if (!le && magic !== 0xd4c3b2a1 && magic !== 0x4d3cb2a1)
      throw new Error(`${file}: not a classic pcap file (use dumpcap -P)`);
    const link = (le ? head.readUInt32LE(20) : head.readUInt32BE(20)) & 0xffff;
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
    let buf = Buffer.alloc(windowBytes);
    let filePos = 24;
    let len = 0; // bytes of `buf` holding file data
    let off = 0; // next record in `buf`
    for (;;) {
      // Keep the unread tail, fill the rest of the window from the file.
      buf.copy(buf, 0, off, len);
      len -= off;
      off = 0;
      const got = readSync(fd, buf, len, buf.length - len, filePos);
      filePos += got;
      len += got;
      const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
      let progressed = false;
      while (off + 16 <= len) {
        const incl = u32(off + 8);
        if (off + 16 + incl > len) break;
        progressed = true;
        const t = u32(off) * 1000 + (nanos ? u32(off + 4) / 1e6 : u32(off + 4) / 1e3);
        const data = off + 16;
        off = data + incl;
        const ip = data + l2;
        if (incl < l2 + 28 || buf[ip]! >> 4 !== 4 || buf[ip + 9] !== 17) continue;
        const udp = ip + (buf[ip]! & 0x0f) * 4;
        visit({
          t,
          srcPort: buf.readUInt16BE(udp),
          dstPort: buf.readUInt16BE(udp + 2),
          buf,
          payload: udp + 8,
          end: off,
        });
      }
      if (got === 0) return; // end of file (a cut last record is dropped, as before)
      if (!progressed && off === 0 && len === buf.length) {
        // One record larger than the window (a huge snaplen): grow the window for it.
        const bigger = Buffer.alloc(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
    }
  } finally {
    closeSync(fd);
  }
}
