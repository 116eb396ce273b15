/**
 * Spare RTP ports (issue 20): with media on worker threads a few ports are bound in the workers
 * ahead of the next calls, so a dial adopts one and sends its INVITE without a round trip to a
 * worker. The adopted port is the one in the offer, it carries the call's RTP both ways, a
 * replacement is reserved, and stopping the backend frees every spare.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/telephony/embedded/backend';
import { MediaEngine } from '../../src/telephony/embedded/media/engine';
import type { FromEngine } from '../../src/telephony/embedded/media/engine-protocol';
import { STAT } from '../../src/telephony/embedded/media/engine-protocol';
import { writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';
import { WorkerMediaHost } from '../../src/telephony/embedded/media/worker/pool';
import type { DtmfEvent } from '../../src/telephony/port';
import { answerSdp, FakeDialog, FakeSignalling } from '../support/fake-signalling';
import { freePort } from '../support/ports';
import { until } from '../support/until';

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => {
      s.close();
      resolve(true);
    });
  });
}

/** Waits until `port` can be bound (a socket closes asynchronously); no fixed sleep. */
async function untilFree(port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await canBind(port))) {
    if (Date.now() > deadline) throw new Error(`port ${port} still held`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `n` even ports nobody holds. */
async function evenPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = (await freePort()) & ~1;
    if (!out.includes(p) && (await canBind(p))) out.push(p);
  }
  return out;
}

describe('MediaEngine: reserved ports', () => {
  it('binds a reserved port at once and adopts it in the same message as the open', async () => {
    const events: FromEngine[] = [];
    const engine = new MediaEngine({ emit: (m) => events.push(m) });
    const [port, other] = await evenPorts(2);
    engine.handle({ t: 'reserve', address: '127.0.0.1', port: port! });
    engine.handle({ t: 'reserve', address: '127.0.0.1', port: other! });
    await until(() => events.filter((e) => e.t === 'reserved').length === 2, 'both reserved');
    expect(events).toContainEqual({ t: 'reserved', port });
    expect(await canBind(port!)).toBe(false);
    // The same port again: taken (by the reservation itself).
    engine.handle({ t: 'reserve', address: '127.0.0.1', port: port! });
    await until(() => events.some((e) => e.t === 'reserved' && e.error !== undefined), 'second reserve answered');
    expect(events).toContainEqual({ t: 'reserved', port, error: 'port in use' });

    const stats = new Float64Array(STAT.length);
    engine.handle({ t: 'open', id: 7, address: '127.0.0.1', port: port!, rtpSource: 'same-host', stats });
    // No await in between: the reserved socket was adopted while the message was handled.
    expect(events).toContainEqual({ t: 'opened', id: 7 });

    engine.handle({ t: 'unreserve', port: other! });
    await untilFree(other!);
    engine.handle({ t: 'close', id: 7 });
    await until(() => events.some((e) => e.t === 'closed'), 'closed');
    await untilFree(port!);
    engine.stop();
  });

  it('closes reserved sockets when the engine stops', async () => {
    const events: FromEngine[] = [];
    const engine = new MediaEngine({ emit: (m) => events.push(m) });
    const [port] = await evenPorts(1);
    engine.handle({ t: 'reserve', address: '127.0.0.1', port: port! });
    await until(() => events.some((e) => e.t === 'reserved'), 'reserved');
    engine.stop();
    await untilFree(port!);
  });
});

describe('WorkerMediaHost: reservations', () => {
  it('a reservation whose worker died is not adopted', async () => {
    const host = new WorkerMediaHost({ workers: 1 });
    try {
      const [port] = await evenPorts(1);
      const r = await host.reserve('127.0.0.1', port!);
      expect(r).toMatchObject({ port });
      await host.threads[0]!.terminate();
      await until(() => host.stats().workerRestarts === 1, 'worker replaced');
      expect(host.adopt(r!, 'same-host')).toBeUndefined();
      expect(host.stats().callsLostToWorkerFailure).toBe(0);
    } finally {
      await host.stop();
    }
  });
});

describe('embedded backend with media workers: spare RTP ports', () => {
  let backend: EmbeddedBackend;
  let peer: Socket;
  let peerPort: number;
  let signalling: FakeSignalling;
  let offered: number[];

  beforeEach(async () => {
    peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    peerPort = peer.address().port;
    offered = [];
    signalling = new FakeSignalling(async (o) => {
      offered.push(Number(/m=audio (\d+)/.exec(o.offer.content)![1]));
      return new FakeDialog(
        signalling.nextCallId(),
        answerSdp(peerPort, '0 101', ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16']),
      );
    });
    const base = await freePort();
    backend = createEmbeddedBackend({
      signalling,
      media: { address: '127.0.0.1', rtpPortMin: base, rtpPortMax: base + 400, workers: 2 },
    });
    await backend.start();
  });

  afterEach(async () => {
    await backend.stop();
    peer.close();
  });

  it('dials on a port bound before the dial, which carries the call, and reserves a replacement', async () => {
    await until(() => backend.spareRtpPorts.length === 4, 'four spare ports bound');
    const spares = [...backend.spareRtpPorts];
    for (const p of spares) expect(await canBind(p)).toBe(false);
    const call = await backend.dial({
      attemptId: 'a1',
      requestUri: 'sip:1001@127.0.0.1',
      policyDecisionId: 'p1',
      ringTimeoutMs: 5000,
      trace: () => {},
    });
    expect(spares).toContain(offered[0]);
    expect(backend.spareRtpPorts).not.toContain(offered[0]);
    await until(() => backend.spareRtpPorts.length === 4, 'a replacement spare');

    // The adopted socket is the call's: a '#' sent to the offered port is heard.
    const got: DtmfEvent[] = [];
    call.on('dtmf', (e) => got.push(e));
    let seq = 1;
    const send = (payload: Uint8Array, marker: boolean) => {
      const b = Buffer.alloc(12 + payload.length);
      writeRtpHeader(b, 101, marker, seq++, 8000, 0x1234);
      b.set(payload, 12);
      return new Promise<void>((r) => peer.send(b, offered[0]!, '127.0.0.1', () => r()));
    };
    for (let i = 1; i <= 3; i++) await send(Uint8Array.of(11, 10, 0, i * 160), i === 1);
    for (let i = 0; i < 3; i++) await send(Uint8Array.of(11, 0x80 | 10, 0x03, 0xc0), false);
    await until(() => got.length > 0, "the '#' heard");
    expect(got[0]).toMatchObject({ digit: '#', source: 'rfc4733' });
    await call.hangup();
  });

  it('frees every spare port when the backend stops', async () => {
    await until(() => backend.spareRtpPorts.length === 4, 'four spare ports bound');
    const spares = [...backend.spareRtpPorts];
    await backend.stop();
    for (const p of spares) await untilFree(p);
    expect(backend.spareRtpPorts).toEqual([]);
  });
});
