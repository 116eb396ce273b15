/**
 * bench/pcap.ts reads captures in windows (a 200/s bench:app run captures several GB, more than one
 * Buffer holds). Reading with a window smaller than one record must give the same datagrams as one
 * big window; the RTP interval figures are built on the same reader.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachTcp, forEachUdp, rtpIntervalStats } from '../../bench/pcap';
import { requireTool } from '../support/tools';

const DIR = '/usr/share/sip-tester';

function datagrams(file: string, window?: number): string[] {
  const out: string[] = [];
  forEachUdp(
    file,
    (p) => out.push(`${p.t} ${p.srcPort}>${p.dstPort} ${p.buf.toString('hex', p.payload, p.end)}`),
    window,
  );
  return out;
}

it('gives the same datagrams whatever the window size', () => {
  requireTool('sipp', 'sip-tester');
  const files = readdirSync(DIR).filter((f) => f.endsWith('.pcap'));
  expect(files).toContain('g711a.pcap');
  for (const f of files) {
    const whole = datagrams(join(DIR, f));
    expect(whole.length).toBeGreaterThan(0);
    for (const window of [64, 333, 4096]) expect(datagrams(join(DIR, f), window)).toEqual(whole);
  }
});

it('measures the 20 ms pacing of the shipped G.711 A-law capture', () => {
  requireTool('sipp', 'sip-tester');
  const s = rtpIntervalStats(join(DIR, 'g711a.pcap'), 8);
  expect(s.streams).toBe(1);
  expect(s.packets).toBe(236);
  expect(s.intervals).toBe(235);
});

/** An Ethernet + IPv4 frame around a transport header and payload, as dumpcap writes it on lo. */
function frame(protocol: 6 | 17, srcPort: number, dstPort: number, payload: string, padding = 0): Buffer {
  const body = Buffer.from(payload, 'latin1');
  const l4 = Buffer.alloc(protocol === 6 ? 20 : 8);
  l4.writeUInt16BE(srcPort, 0);
  l4.writeUInt16BE(dstPort, 2);
  if (protocol === 6)
    l4[12] = 5 << 4; // data offset: 5 words, no options
  else l4.writeUInt16BE(8 + body.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length + body.length, 2);
  ip[9] = protocol;
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, l4, body, Buffer.alloc(padding)]);
}

/** A classic little-endian, microsecond pcap of Ethernet frames, one per millisecond from t=1 s. */
function pcapFile(frames: readonly Buffer[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records = frames.map((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1, 0);
    rec.writeUInt32LE(1000 * i, 4);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    return Buffer.concat([rec, f]);
  });
  return Buffer.concat([head, ...records]);
}

it('finds TCP segments that carry data (the API requests), and only those', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-pcap-'));
  try {
    const file = join(dir, 'mixed.pcap');
    writeFileSync(
      file,
      pcapFile([
        frame(6, 40000, 8080, ''), // a SYN or bare ACK: no payload
        frame(17, 5060, 5070, 'INVITE sip:x SIP/2.0\r\n'),
        frame(6, 40000, 8080, 'POST /api/v1/verifications HTTP/1.1\r\nx-bench-seq: 7\r\n\r\n', 6),
      ]),
    );
    const tcp: string[] = [];
    forEachTcp(file, (p) => tcp.push(`${p.t} ${p.srcPort}>${p.dstPort} ${p.buf.toString('latin1', p.payload, p.end)}`));
    // The 6 bytes of Ethernet padding after the IP packet are not payload.
    expect(tcp).toEqual(['1002 40000>8080 POST /api/v1/verifications HTTP/1.1\r\nx-bench-seq: 7\r\n\r\n']);
    const udp: string[] = [];
    forEachUdp(file, (p) => udp.push(`${p.dstPort} ${p.buf.toString('latin1', p.payload, p.end)}`));
    expect(udp).toEqual(['5070 INVITE sip:x SIP/2.0\r\n']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
