import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { Rfc4733Receiver } from '../../src/telephony/embedded/media/dtmf';
import type { DtmfEvent } from '../../src/telephony/port';
import { readPcapRtp } from '../support/pcap';
import { digitsOf, eventPayload, type PressSpec, pressPackets, seededRandom, type TestPacket } from './helpers';

/** Feeds packets at their send time (plus `delayMs` each), polling every 20 ms, and drains after the last. */
function run(packets: readonly TestPacket[], opts: { pt?: number; delays?: number[]; endTimeoutMs?: number } = {}) {
  const events: DtmfEvent[] = [];
  const rx = new Rfc4733Receiver({
    payloadType: opts.pt ?? 101,
    endTimeoutMs: opts.endTimeoutMs,
    onDigit: (e) => events.push(e),
  });
  const timed = packets.map((p, i) => ({ p, at: p.sendMs + (opts.delays?.[i] ?? 0) }));
  timed.sort((a, b) => a.at - b.at);
  const lastMs = timed.length ? timed[timed.length - 1]!.at : 0;
  let next = 0;
  for (let now = 0; now <= lastMs + 2000; now += 20) {
    while (next < timed.length && timed[next]!.at <= now) rx.onPacket(timed[next++]!.p, now);
    rx.poll(now);
  }
  return { events, rx };
}

const press = (digit: PressSpec['digit'], startMs: number, durationMs = 100): PressSpec => ({
  digit,
  startMs,
  durationMs,
});

describe('Rfc4733Receiver', () => {
  it('reports one digit for a clean press and ignores the two repeated end packets', () => {
    const { events, rx } = run(pressPackets([press('#', 0, 100)], { intervalMs: 20 }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ digit: '#', source: 'rfc4733', durationMs: 100 });
    expect(rx.stats.stale).toBe(2);
    expect(rx.stats.endsInferred).toBe(0);
  });

  it('accepts whatever payload type was negotiated and ignores other payload types', () => {
    const pkts = pressPackets([press('7', 0)], { pt: 96 });
    expect(digitsOf(run(pkts, { pt: 96 }).events)).toBe('7');
    expect(run(pkts, { pt: 101 }).events).toHaveLength(0);
  });

  it('survives a lost start packet (and a lost marker)', () => {
    const pkts = pressPackets([press('5', 0, 200)], { intervalMs: 20 });
    const { events } = run(pkts.slice(3));
    expect(digitsOf(events)).toBe('5');
    expect(events[0]!.durationMs).toBe(200);
  });

  it('reports a press whose end packets were all lost, after the timeout', () => {
    const pkts = pressPackets([press('9', 0, 200)], { intervalMs: 20 }).filter((p) => (p.payload[1]! & 0x80) === 0);
    const { events, rx } = run(pkts, { endTimeoutMs: 300 });
    expect(digitsOf(events)).toBe('9');
    expect(rx.stats.endsInferred).toBe(1);
    // Reported about endTimeoutMs after the last packet, not earlier.
    const last = pkts[pkts.length - 1]!.sendMs;
    expect(events[0]!.at).toBeGreaterThanOrEqual(last + 300);
    expect(events[0]!.at).toBeLessThan(last + 360);
  });

  it('ends a press whose end packets were lost when the next press starts', () => {
    const pkts = pressPackets([press('1', 0), press('2', 200)], { intervalMs: 20 });
    const noFirstEnd = pkts.filter((p) => !(p.payload[0] === 1 && (p.payload[1]! & 0x80) !== 0));
    const { events } = run(noFirstEnd, { endTimeoutMs: 5000 });
    expect(digitsOf(events)).toBe('12');
    expect(events[0]!.at).toBeLessThan(events[1]!.at);
  });

  it('tells the same digit pressed twice apart by the new timestamp', () => {
    expect(digitsOf(run(pressPackets([press('0', 0), press('0', 200)])).events)).toBe('00');
    // Even with the first press's end packets lost and the presses close together.
    const pkts = pressPackets([press('0', 0), press('0', 150)], { intervalMs: 20 });
    const firstTs = pkts[0]!.timestamp;
    const lossy = pkts.filter((p) => !(p.timestamp === firstTs && (p.payload[1]! & 0x80) !== 0));
    expect(digitsOf(run(lossy, { endTimeoutMs: 5000 }).events)).toBe('00');
    // …and with the second press's first packet (the one with the marker) lost as well.
    const noMarker = lossy.filter((p) => !(p.timestamp !== firstTs && p.marker));
    expect(noMarker.length).toBe(lossy.length - 1);
    expect(digitsOf(run(noMarker, { endTimeoutMs: 5000 }).events)).toBe('00');
  });

  it('reports a long press (split into 0xFFFF segments) once with its full duration', () => {
    const pkts = pressPackets([press('*', 0, 20_000)], { intervalMs: 50 });
    expect(new Set(pkts.map((p) => p.timestamp)).size).toBe(3);
    const { events } = run(pkts);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ digit: '*', durationMs: 20_000 });
    // …also when the packets around a segment boundary are lost.
    const boundary = pkts.findIndex((p) => p.timestamp !== pkts[0]!.timestamp);
    const lossy = pkts.filter((_, i) => i < boundary - 2 || i > boundary + 1);
    const r = run(lossy);
    expect(digitsOf(r.events)).toBe('*');
    expect(r.events[0]!.durationMs).toBe(20_000);
  });

  it('handles a sender that lets the 16-bit duration wrap instead of segmenting', () => {
    const pkts: TestPacket[] = [];
    let seq = 0;
    for (let d = 400; d <= 12_000 * 8; d += 400) {
      const end = d === 12_000 * 8;
      for (let r = 0; r < (end ? 3 : 1); r++) {
        pkts.push({
          payloadType: 101,
          sequence: seq++,
          timestamp: 5000,
          marker: d === 400,
          payload: eventPayload(3, end, d & 0xffff),
          sendMs: d / 8,
        });
      }
    }
    const { events } = run(pkts);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ digit: '3', durationMs: 12_000 });
  });

  it('copes with reordering and duplicates', () => {
    const presses = [...'1001#'].map((d, i) => press(d as PressSpec['digit'], i * 250, 120));
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = seededRandom(seed);
      const pkts = pressPackets(presses, { intervalMs: 20 });
      const withDups: TestPacket[] = [];
      for (const p of pkts) {
        withDups.push(p);
        if (rnd() < 0.2) withDups.push({ ...p, sendMs: p.sendMs + rnd() * 30 });
      }
      // Up to 60 ms of jitter reorders neighbouring packets.
      const delays = withDups.map(() => rnd() * 60);
      const { events } = run(withDups, { delays });
      expect({ seed, digits: digitsOf(events) }).toEqual({ seed, digits: '1001#' });
    }
  });

  it('loses no digit under 20 % random packet loss (many seeds, 20 ms and 50 ms update intervals)', () => {
    const all = '0123456789*#ABCD';
    const cases: { interval: number; toneMs: number }[] = [
      { interval: 20, toneMs: 100 },
      { interval: 50, toneMs: 250 },
    ];
    for (const { interval, toneMs } of cases) {
      for (let seed = 1; seed <= 150; seed++) {
        const rnd = seededRandom(seed * 7919 + interval);
        const presses = [...all, ...'1001', '#', '#'].map((d, i) => press(d as PressSpec['digit'], i * 400, toneMs));
        const pkts = pressPackets(presses, { intervalMs: interval }).filter(() => rnd() >= 0.2);
        const delays = pkts.map(() => rnd() * 30);
        const { events } = run(pkts, { delays });
        expect({ seed, interval, digits: digitsOf(events) }).toEqual({ seed, interval, digits: `${all}1001##` });
      }
    }
  });

  it('ignores garbage: short payloads, non-DTMF events, other payload types, and never throws', () => {
    const events: DtmfEvent[] = [];
    const rx = new Rfc4733Receiver({ payloadType: 101, onDigit: (e) => events.push(e) });
    const pkt = (payload: Uint8Array, pt = 101) => ({
      payloadType: pt,
      sequence: 1,
      timestamp: 9,
      marker: true,
      payload,
    });
    rx.onPacket(pkt(new Uint8Array(0)), 0);
    rx.onPacket(pkt(Uint8Array.of(1, 2, 3)), 0);
    rx.onPacket(pkt(eventPayload(16, true, 800)), 0); // flash
    rx.onPacket(pkt(eventPayload(200, true, 800)), 0);
    rx.onPacket(pkt(eventPayload(5, true, 800), 0), 0); // PCMU
    rx.poll(10_000);
    expect(events).toHaveLength(0);
    expect(rx.stats.ignored).toBe(4);
    // Random payloads on the event payload type, interleaved with a real press on another stream position.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pt: fc.constantFrom(0, 8, 101, 13),
            seq: fc.nat(0xffff),
            ts: fc.nat(0xffffffff),
            marker: fc.boolean(),
            payload: fc.uint8Array({ maxLength: 24 }),
            dt: fc.nat(400),
          }),
          { maxLength: 40 },
        ),
        (garbage) => {
          const r = new Rfc4733Receiver({ payloadType: 101, onDigit: () => {} });
          let now = 0;
          for (const g of garbage) {
            now += g.dt;
            r.onPacket(
              { payloadType: g.pt, sequence: g.seq, timestamp: g.ts, marker: g.marker, payload: g.payload },
              now,
            );
            r.poll(now);
          }
          r.poll(now + 10_000);
        },
      ),
      { numRuns: 100_000 },
    );
  });

  it('keeps recognising digits with RTP garbage of other payload types mixed in', () => {
    const pkts = pressPackets([press('4', 0), press('2', 300)], { intervalMs: 20 });
    const rnd = seededRandom(42);
    const mixed: TestPacket[] = [];
    for (const p of pkts) {
      mixed.push(p);
      const payload = new Uint8Array(160).map(() => (rnd() * 256) | 0);
      mixed.push({
        payloadType: 0,
        sequence: 0,
        timestamp: (rnd() * 2 ** 32) >>> 0,
        marker: false,
        payload,
        sendMs: p.sendMs,
      });
    }
    expect(digitsOf(run(mixed).events)).toBe('42');
  });

  it('reads the payload in place inside a received datagram (onRtp)', () => {
    const events: DtmfEvent[] = [];
    const rx = new Rfc4733Receiver({ payloadType: 101, onDigit: (e) => events.push(e) });
    const datagram = new Uint8Array(64).fill(0xee);
    const header = { payloadType: 101, timestamp: 777, marker: true };
    for (const [d, end] of [
      [400, false],
      [800, true],
      [800, true],
    ] as const) {
      datagram.set(eventPayload(11, end, d), 12);
      rx.onRtp(header, datagram, 12, 4, d / 8);
    }
    rx.onRtp(header, datagram, 62, 4, 200); // runs past the buffer: ignored, no throw
    expect(events).toEqual([{ digit: '#', source: 'rfc4733', at: 100, durationMs: 100 }]);
    expect(rx.stats).toMatchObject({ packets: 4, digits: 1, stale: 1, ignored: 1 });
  });

  it('reads several events packed into one packet', () => {
    const payload = new Uint8Array([...eventPayload(1, true, 800), ...eventPayload(2, true, 800)]);
    const events: DtmfEvent[] = [];
    const rx = new Rfc4733Receiver({ payloadType: 101, onDigit: (e) => events.push(e) });
    rx.onPacket({ payloadType: 101, sequence: 1, timestamp: 1000, marker: true, payload }, 0);
    expect(digitsOf(events)).toBe('12');
  });

  it('accepts a restarted stream whose timestamps jumped backwards', () => {
    const a = pressPackets([press('1', 0)], { tsBase: 3_000_000_000 });
    const b = pressPackets([press('2', 400)], { tsBase: 10_000 });
    expect(digitsOf(run([...a, ...b]).events)).toBe('12');
  });

  it('recognises the RFC 2833 captures shipped with sipp', () => {
    const dir = '/usr/share/sip-tester';
    const files: [string, string][] = [
      ['dtmf_2833_pound.pcap', '#'],
      ['dtmf_2833_star.pcap', '*'],
      ...[...'0123456789'].map((d): [string, string] => [`dtmf_2833_${d}.pcap`, d]),
    ];
    for (const [file, digit] of files) {
      const path = `${dir}/${file}`;
      if (!existsSync(path)) throw new Error(`${path} missing: sudo apt-get install -y sip-tester`);
      const rtp = readPcapRtp(path);
      const events: DtmfEvent[] = [];
      const rx = new Rfc4733Receiver({ payloadType: rtp[0]!.payloadType, onDigit: (e) => events.push(e) });
      for (const p of rtp) rx.onPacket(p, p.timeMs);
      rx.poll(1e9);
      expect({ file, digits: digitsOf(events) }).toEqual({ file, digits: digit });
    }
  });
});
