/**
 * bench/pcap.ts reads captures in windows (a 200/s bench:app run captures several GB, more than one
 * Buffer holds). Reading with a window smaller than one record must give the same datagrams as one
 * big window; the RTP interval figures are built on the same reader.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { forEachUdp, rtpIntervalStats } from '../../bench/pcap';
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
