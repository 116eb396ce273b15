import { createSocket, type Socket } from 'node:dgram';
import { RtpEndpoint } from '../../src/telephony/embedded/media/rtp/endpoint';
import { newRtpHeader, parseRtp, writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';
import { RtpPortAllocator } from '../../src/telephony/embedded/media/rtp/ports';
import { RtpReceiveStats } from '../../src/telephony/embedded/media/rtp/stats';
import { freePort } from '../support/ports';
import { until } from '../support/until';

function packet(pt: number, seq: number, ts: number, ssrc: number, payload = 160, marker = false): Buffer {
  const b = Buffer.alloc(12 + payload, 0xff);
  writeRtpHeader(b, pt, marker, seq, ts, ssrc);
  return b;
}

describe('RTP header', () => {
  it('round-trips the fixed header', () => {
    const b = packet(101, 65535, 0xfffffff0, 0xdeadbeef, 4, true);
    const h = newRtpHeader();
    expect(parseRtp(b, b.length, h)).toBe(true);
    expect(h).toEqual({
      payloadType: 101,
      marker: true,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      payloadOffset: 12,
      payloadLength: 4,
    });
  });

  it('skips CSRCs and header extensions and strips padding', () => {
    const b = Buffer.alloc(12 + 8 + 8 + 10 + 4);
    writeRtpHeader(b, 0, false, 1, 2, 3);
    b[0] = 0x80 | 0x20 | 0x10 | 2; // padding, extension, 2 CSRCs
    b.writeUInt16BE(1, 12 + 8 + 2); // one extension word
    b[b.length - 1] = 4;
    const h = newRtpHeader();
    expect(parseRtp(b, b.length, h)).toBe(true);
    expect([h.payloadOffset, h.payloadLength]).toEqual([28, 10]);
  });

  it('rejects RTCP, short, wrong-version and inconsistent datagrams', () => {
    const h = newRtpHeader();
    const rtcp = Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseRtp(rtcp, rtcp.length, h)).toBe(false);
    expect(parseRtp(Buffer.from('hello world!!'), 13, h)).toBe(false);
    expect(parseRtp(Buffer.alloc(8), 8, h)).toBe(false);
    const csrcs = packet(0, 1, 1, 1, 0);
    csrcs[0] = 0x8f; // 15 CSRCs claimed, none present
    expect(parseRtp(csrcs, csrcs.length, h)).toBe(false);
    const pad = packet(0, 1, 1, 1, 2);
    pad[0] = 0xa0;
    pad[pad.length - 1] = 200;
    expect(parseRtp(pad, pad.length, h)).toBe(false);
  });

  it('never throws on random bytes', () => {
    const h = newRtpHeader();
    for (let i = 0; i < 20000; i++) {
      const b = Buffer.from(Array.from({ length: i % 40 }, () => Math.floor(Math.random() * 256)));
      expect(typeof parseRtp(b, b.length, h)).toBe('boolean');
    }
  });
});

describe('RTP receive statistics (RFC 3550 A.1/A.8)', () => {
  it('counts loss, tolerates reordering and sequence wrap', () => {
    const s = new RtpReceiveStats();
    let arrival = 0;
    const seqs: number[] = [];
    for (let i = 0; i < 200; i++) seqs.push((65500 + i) % 65536);
    const dropped = new Set([10, 50, 51, 150]);
    const order = seqs.filter((_, i) => !dropped.has(i));
    [order[100], order[101]] = [order[101]!, order[100]!]; // one reorder
    for (const q of order) {
      const i = seqs.indexOf(q);
      arrival += 160;
      s.update(42, q, i * 160, arrival);
    }
    // The first packet is used for probation (A.1) and not counted.
    expect(s.expected).toBe(199);
    expect(s.lost).toBe(4);
    expect(s.jitterMs).toBeLessThan(1);
  });

  it('measures jitter from arrival vs timestamp', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 500; i++) s.update(1, i, i * 160, i * 160 + (i % 2 ? 40 : 0)); // ±5 ms alternating
    expect(s.jitterMs).toBeGreaterThan(3);
    expect(s.jitterMs).toBeLessThan(6);
  });

  it('restarts on a new SSRC and counts duplicates', () => {
    const s = new RtpReceiveStats();
    for (let i = 0; i < 10; i++) s.update(1, i, i * 160, i * 160);
    s.update(1, 9, 9 * 160, 9 * 160);
    expect(s.duplicatesOrLate).toBe(1);
    for (let i = 0; i < 10; i++) s.update(2, 5000 + i, i * 160, i * 160);
    expect([s.ssrc, s.expected, s.lost]).toEqual([2, 9, 0]);
  });
});

describe('RTP ports and endpoint (real UDP on 127.0.0.1)', () => {
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.close();
  });

  it('allocates even ports from the range, skips busy ones and runs out cleanly', async () => {
    const base = await freePort();
    const min = base % 2 === 0 ? base : base + 1;
    const busy = createSocket('udp4');
    sockets.push(busy);
    await new Promise<void>((r) => busy.bind(min + 2, '127.0.0.1', () => r()));
    const alloc = new RtpPortAllocator('127.0.0.1', { min, max: min + 5 });
    const got = [await alloc.allocate(), await alloc.allocate()];
    expect(got.map((g) => g.port).sort()).toEqual([min, min + 4]);
    await expect(alloc.allocate()).rejects.toThrow(/no free RTP port/);
    got[0]!.socket.close();
    alloc.release(got[0]!.port);
    const again = await alloc.allocate();
    expect(again.port).toBe(got[0]!.port);
    again.socket.close();
    got[1]!.socket.close();
  });

  it('draws ports at random: uniform over the range, successive ports unrelated, never sequential', async () => {
    const base = await freePort();
    const min = base % 2 === 0 ? base : base + 1;
    const count = 100; // even ports min, min+2, …, min+198 (RTCP up to min+199)
    const alloc = new RtpPortAllocator('127.0.0.1', { min, max: Math.min(65535, min + 2 * count - 1) });
    const draws: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const { socket, port } = await alloc.allocate();
      draws.push(port);
      await new Promise<void>((r) => socket.close(() => r()));
      alloc.release(port);
    }
    const index = draws.map((p) => (p - min) / 2);
    expect(index.every((i) => Number.isInteger(i) && i >= 0 && i < count)).toBe(true);
    // 1. Uniform over the range: chi-square, upper tail at p ≈ 1e-6 (fails on a skewed or stuck allocator).
    const perPort = new Array<number>(count).fill(0);
    for (const i of index) perPort[i]!++;
    expect(chiSquare(perPort)).toBeLessThan(chiSquareCritical(count - 1));
    // 2. The step from one port to the next is uniform too (fails on "last + 2", or any fixed stride).
    const steps = new Array<number>(11).fill(0);
    for (let k = 1; k < index.length; k++) {
      const step = (index[k]! - index[k - 1]! + count) % count; // 1..99 (the port just released rests)
      steps[Math.min(10, Math.floor((step - 1) / 9))]!++;
    }
    expect(chiSquare(steps)).toBeLessThan(chiSquareCritical(steps.length - 1));
    // 3. Directly: "last port + 2" is about as likely as any other port (1 in 100), not the rule.
    const sequential = index.slice(1).filter((i, k) => i === (index[k]! + 1) % count).length;
    expect(sequential).toBeLessThan(45); // expected ≈ 15; the old allocator scored 1499
  });

  it('adopts a sender on another port of the SDP address after probation, drops RTCP/garbage/strangers, keeps stats', async () => {
    const alloc = new RtpPortAllocator('127.0.0.1', { min: 20000, max: 60000 });
    const { socket, port } = await alloc.allocate();
    const received: number[] = [];
    const ep = new RtpEndpoint({
      socket,
      port,
      now: () => performance.now(),
      onPacket: (h) => received.push(h.sequence),
      acceptedPayloadTypes: [0, 101],
    });
    const peer = createSocket('udp4');
    const stranger = createSocket('udp4');
    sockets.push(peer, stranger);
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', () => r()));
    ep.setRemote('127.0.0.1', 9); // what SDP said; the peer really sends from elsewhere
    const send = (s: Socket, b: Buffer) => new Promise<void>((r) => s.send(b, port, '127.0.0.1', () => r()));
    await send(peer, Buffer.from('garbage'));
    await send(peer, Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]));
    await send(peer, packet(18, 1, 160, 7)); // G.729: not negotiated
    for (let i = 0; i < 5; i++) await send(peer, packet(0, 100 + i, i * 160, 7));
    await send(stranger, packet(0, 500, 0, 9));
    const echoed = new Promise<Buffer>((r) => peer.once('message', (m) => r(m)));
    await until(() => ep.policy.stats.foreign + ep.policy.stats.whileAlive === 1, 'the stranger dropped');
    expect(ep.isLatched).toBe(true);
    expect(ep.remote).toEqual({ address: '127.0.0.1', port: peer.address().port });
    ep.send(packet(0, 1, 1, 1), 172);
    expect((await echoed).length).toBe(172);
    // The first three were probation (media.rtpSource same-host: the SDP's IP, another port).
    expect(received).toEqual([103, 104]);
    expect(ep.stats.ignored).toBe(3);
    // The stranger (same host, another port) came while the adopted source was alive.
    expect(ep.policy.stats).toMatchObject({ probation: 3, accepted: 2, whileAlive: 1, sourceChanges: 1 });
    ep.close();
    alloc.release(port);
  });
});

/** Pearson's chi-square statistic against a uniform distribution over the bins. */
function chiSquare(observed: readonly number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  const expected = total / observed.length;
  return observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
}

/** Upper critical value of chi-square with `df` degrees of freedom at p ≈ 1e-6 (Wilson–Hilferty). */
function chiSquareCritical(df: number): number {
  const z = 4.75;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
