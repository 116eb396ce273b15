import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulaw } from 'alawmulaw';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/telephony/embedded/backend';
import type { EmbeddedCall } from '../../src/telephony/embedded/call';
import { InbandDetector, ToneGenerator } from '../../src/telephony/embedded/media/dtmf';
import { promptFromFile } from '../../src/telephony/embedded/media/prompts';
import { newRtpHeader, parseRtp, writeRtpHeader } from '../../src/telephony/embedded/media/rtp/packet';
import { type Call, DialFailure, type DtmfEvent, type TraceEvent } from '../../src/telephony/port';
import { dtmfUlawWithSox } from '../support/dtmf-audio';
import { answerSdp, FakeDialog, FakeSignalling, InviteFailure } from '../support/fake-signalling';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';

interface Received {
  pt: number;
  seq: number;
  ts: number;
  marker: boolean;
  payload: Buffer;
  at: number;
}

/** The far end's RTP socket: records what we send, can send to us. */
class Peer {
  readonly packets: Received[] = [];
  socket!: Socket;
  ourPort = 0;
  async open(): Promise<number> {
    this.socket = createSocket('udp4');
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.socket.on('message', (m) => {
      const h = newRtpHeader();
      if (!parseRtp(m, m.length, h)) return;
      this.packets.push({
        pt: h.payloadType,
        seq: h.sequence,
        ts: h.timestamp,
        marker: h.marker,
        payload: Buffer.from(m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)),
        at: performance.now(),
      });
    });
    return this.socket.address().port;
  }
  send(buf: Buffer): Promise<void> {
    return new Promise((r) => this.socket.send(buf, this.ourPort, '127.0.0.1', () => r()));
  }
  close(): void {
    this.socket.close();
  }
}

function rtp(pt: number, seq: number, ts: number, payload: Uint8Array, marker = false): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  writeRtpHeader(b, pt, marker, seq, ts, 0x1234);
  b.set(payload, 12);
  return b;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A '#' key press as RFC 4733 packets: 6 updates then three end packets, PT 101. */
async function sendRfc4733(peer: Peer, digitCode: number, ts: number, seq0: number): Promise<number> {
  let seq = seq0;
  for (let i = 1; i <= 6; i++) {
    await peer.send(rtp(101, seq++, ts, Uint8Array.of(digitCode, 10, (i * 160) >> 8, (i * 160) & 0xff), i === 1));
    await sleep(2);
  }
  for (let i = 0; i < 3; i++) await peer.send(rtp(101, seq++, ts, Uint8Array.of(digitCode, 0x80 | 10, 0x03, 0xc0)));
  return seq;
}

// Media in the main thread (media.workers 0) and on worker threads (issue 20): the same behaviour.
describe.each([0, 2])('embedded backend over a fake SIP seam with real RTP (media workers: %i)', (workers) => {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-backend-'));
  let backend: EmbeddedBackend;
  let signalling: FakeSignalling;
  let peer: Peer;
  let dialog: FakeDialog;
  let trace: TraceEvent[];
  let answerFormats: { formats: string; extra: string[] };

  beforeEach(async () => {
    peer = new Peer();
    const peerPort = await peer.open();
    answerFormats = { formats: '0 101', extra: ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16'] };
    signalling = new FakeSignalling(async (o) => {
      peer.ourPort = Number(/m=audio (\d+)/.exec(o.offer.content)![1]);
      o.onProvisional?.({ status: 180, reason: 'Ringing' });
      dialog = new FakeDialog(signalling.nextCallId(), answerSdp(peerPort, answerFormats.formats, answerFormats.extra));
      return dialog;
    });
    const base = await freePort();
    backend = createEmbeddedBackend({
      signalling,
      media: { address: '127.0.0.1', rtpPortMin: base, rtpPortMax: base + 200, workers },
    });
    await backend.start();
    trace = [];
  });

  afterEach(async () => {
    await backend.stop();
    peer.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dial = (extra: Partial<Parameters<EmbeddedBackend['dial']>[0]> = {}) =>
    backend.dial({
      attemptId: 'a1',
      requestUri: 'sip:1001@127.0.0.1',
      policyDecisionId: 'p1',
      ringTimeoutMs: 5000,
      trace: (e) => trace.push(e),
      ...extra,
    });

  function digits(call: Call): DtmfEvent[] {
    const got: DtmfEvent[] = [];
    call.on('dtmf', (e) => got.push(e));
    return got;
  }

  it('refuses to dial without a policy decision', async () => {
    await expect(dial({ policyDecisionId: '' })).rejects.toMatchObject({ reason: 'policy' });
    expect(signalling.invites).toHaveLength(0);
  });

  it('offers SDP, reports ringing, and streams paced silence with marker, random seq/ts', async () => {
    const progress: string[] = [];
    const call = await backend.dial(
      { attemptId: 'a', requestUri: 'sip:x@y', policyDecisionId: 'p', ringTimeoutMs: 1000, trace: () => {} },
      undefined,
      { onProgress: (p) => progress.push(p.kind) },
    );
    expect(progress).toEqual(['ringing']);
    expect(signalling.invites[0]!.offer.content).toContain('RTP/AVP 0 8 101');
    // In-band listens too (media.inbandDtmf auto) until the phone shows it sends RFC 4733 events.
    expect(call.dtmfModes).toEqual(['rfc4733', 'info', 'inband']);
    const t0 = Date.now();
    await sleep(420);
    const elapsed = Date.now() - t0;
    const p = peer.packets;
    expect(p.length).toBeGreaterThanOrEqual(5);
    expect(p[0]!.marker).toBe(true);
    expect(p.slice(1).every((x) => !x.marker)).toBe(true);
    // The pacer drops frames it could not send in time (event-loop stall on a loaded machine) and keeps
    // the RTP clock on the wall clock: sequence numbers stay contiguous, timestamps advance by whole frames.
    let frames = 0;
    for (let i = 1; i < p.length; i++) {
      expect(p[i]!.seq).toBe((p[i - 1]!.seq + 1) & 0xffff);
      const step = (p[i]!.ts - p[i - 1]!.ts) >>> 0;
      expect(step % 160).toBe(0);
      expect(step).toBeGreaterThanOrEqual(160);
      frames += step / 160;
    }
    // No drift: the timestamps span the time that passed (20 ms a frame), within scheduling slack.
    expect(frames * 20).toBeLessThanOrEqual(elapsed + 40);
    expect(frames * 20).toBeGreaterThanOrEqual(elapsed - 250);
    expect(p.every((x) => x.pt === 0 && x.payload.length === 160 && x.payload.every((b) => b === 0xff))).toBe(true);
    await call.hangup();
    expect(call.state.name).toBe('ended');
    expect(dialog.byeCount).toBe(1);
  });

  it('hears RFC 4733 and INFO digits, suppressing the same press reported by both', async () => {
    const call = await dial();
    const got = digits(call);
    let seq = 100;
    seq = await sendRfc4733(peer, 11, 8000, seq);
    await sleep(30);
    dialog.emit('info', { contentType: 'application/dtmf-relay', content: 'Signal=#\r\nDuration=120\r\n' });
    await sleep(30);
    seq = await sendRfc4733(peer, 1, 16000, seq);
    await sleep(30);
    dialog.emit('info', { contentType: 'application/dtmf', content: '5' });
    dialog.emit('info', { contentType: 'application/dtmf-relay', content: 'Signal=nonsense' });
    await sleep(50);
    expect(got.map((e) => `${e.digit}:${e.source}`)).toEqual(['#:rfc4733', '1:rfc4733', '5:info']);
    expect(trace.filter((t) => t.kind === 'dtmf').map((t) => t.kind === 'dtmf' && t.digit)).toEqual(['#', '1', '5']);
    expect(trace.some((t) => t.kind === 'note' && /Signal/.test(t.message))).toBe(true);
  });

  it('detects in-band tones when telephone-event was not negotiated', async () => {
    answerFormats = { formats: '0', extra: [] };
    const call = await dial();
    expect(call.dtmfModes).toEqual(['info', 'inband']);
    const got = digits(call);
    const pcm = new ToneGenerator('#', { toneMs: 120, gapMs: 200 }).render();
    const ulaw = mulaw.encode(pcm);
    for (let i = 0; i + 160 <= ulaw.length; i += 160) {
      await peer.send(rtp(0, i / 160, i, ulaw.subarray(i, i + 160)));
      await sleep(1);
    }
    await sleep(50);
    expect(got.map((e) => `${e.digit}:${e.source}`)).toEqual(['#:inband']);
  });

  it('delivers an in-band digit still sounding when the far end hangs up, before the call ends', async () => {
    answerFormats = { formats: '0', extra: [] };
    const call = await dial();
    const seen: string[] = [];
    call.on('dtmf', (e) => seen.push(`${e.digit}:${e.source}`));
    const ended = new Promise<void>((r) => call.once('end', () => r(void seen.push('end'))));
    // A '#' held down (sox audio, no silence after it): the detector has it but reports a digit only
    // when the tone stops — which it never does before the BYE.
    const ulaw = dtmfUlawWithSox('#', { leadMs: 60, toneMs: 300, trailMs: 0 });
    for (let i = 0; i + 160 <= ulaw.length; i += 160) await peer.send(rtp(0, i / 160, i, ulaw.subarray(i, i + 160)));
    await (call as EmbeddedCall).mediaSettled();
    expect(seen).toEqual([]);
    dialog.remoteBye();
    await ended;
    expect(seen).toEqual(['#:inband', 'end']);
  });

  it('does not take the echo of its own in-band extension digits for key presses, and still hears the callee', async () => {
    answerFormats = { formats: '0', extra: [] };
    const call = await dial();
    const got = digits(call);
    // An echoing line: every packet we send comes straight back.
    peer.socket.on('message', (m) => peer.socket.send(m, peer.ourPort, '127.0.0.1'));
    await call.sendDigits('10');
    await sleep(450);
    expect(trace.filter((t) => t.kind === 'dtmf' && t.direction === 'out').length).toBe(2);
    expect(got).toEqual([]);
    // A real key press after the echo window is still heard.
    const ulaw = mulaw.encode(new ToneGenerator('5', { toneMs: 120, gapMs: 200 }).render());
    for (let i = 0; i + 160 <= ulaw.length; i += 160) {
      await peer.send(rtp(0, 1000 + i / 160, 90_000 + i, ulaw.subarray(i, i + 160)));
      await sleep(1);
    }
    await sleep(100);
    expect(got.map((e) => `${e.digit}:${e.source}`)).toEqual(['5:inband']);
  });

  it('plays a prompt and stops it on a digit (barge-in)', async () => {
    const wav = join(dir, 'long.wav');
    execFileSync(requireTool('sox', 'sox'), [
      '-R',
      '-n',
      '-r',
      '8000',
      '-c',
      '1',
      '-b',
      '16',
      wav,
      'synth',
      '3',
      'sine',
      '440',
    ]);
    const prompt = await promptFromFile(wav, 'long');
    const call = await dial();
    const playing = call.play(prompt, { bargeIn: true });
    while (!trace.some((t) => t.kind === 'prompt')) await sleep(5);
    await sleep(200);
    await sendRfc4733(peer, 11, 4000, 1);
    const result = await playing;
    expect(result).toEqual({ status: 'interrupted', digit: '#' });
    const audio = peer.packets.filter((p) => p.pt === 0 && p.payload.some((b) => b !== 0xff));
    expect(audio.length).toBeGreaterThan(5);
    expect(audio.length).toBeLessThan(40);
    expect(audio[0]!.marker).toBe(true);
    expect(trace.filter((t) => t.kind === 'prompt').map((t) => t.kind === 'prompt' && t.phase)).toEqual([
      'start',
      'interrupted',
    ]);
    // Without barge-in a short prompt completes.
    const short = join(dir, 'short.wav');
    execFileSync('sox', ['-R', '-n', '-r', '16000', '-c', '2', short, 'synth', '0.2', 'sine', '440']);
    expect(await call.play(await promptFromFile(short), { bargeIn: false })).toEqual({ status: 'completed' });
  });

  it('sends extension digits as RFC 4733 events with fixed timestamps and three end packets', async () => {
    const call = await dial();
    await call.sendDigits('1#', { toneMs: 100, gapMs: 60 });
    const events = peer.packets.filter((p) => p.pt === 101);
    const byTs = new Map<number, Received[]>();
    for (const e of events) byTs.set(e.ts, [...(byTs.get(e.ts) ?? []), e]);
    expect([...byTs.values()].map((ps) => ps[0]!.payload[0])).toEqual([1, 11]);
    for (const ps of byTs.values()) {
      expect(ps[0]!.marker).toBe(true);
      const ends = ps.filter((p) => (p.payload[1]! & 0x80) !== 0);
      expect(ends).toHaveLength(3);
      expect(ends.every((p) => p.payload.readUInt16BE(2) === 800)).toBe(true);
    }
    expect(trace.filter((t) => t.kind === 'dtmf' && t.direction === 'out')).toHaveLength(2);
  });

  it('sends in-band tones a Q.24 detector hears when telephone-event is missing, with , pauses', async () => {
    answerFormats = { formats: '0', extra: [] };
    const call = await dial();
    const t0 = Date.now();
    await call.sendDigits('1,0');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1350);
    const heard: string[] = [];
    const det = new InbandDetector({ onDigit: (e) => heard.push(e.digit) });
    for (const p of peer.packets.filter((x) => x.pt === 0)) det.onMulaw(p.payload, 0);
    det.flush(0);
    expect(heard.join('')).toBe('10');
  });

  it('stops sending digits when aborted', async () => {
    const call = await dial();
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 150);
    await call.sendDigits('1234567890', { signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(1500); // all ten digits would take 2 s
    const before = peer.packets.filter((p) => p.pt === 101).length;
    await sleep(300);
    expect(peer.packets.filter((p) => p.pt === 101).length).toBe(before);
    expect(new Set(peer.packets.filter((p) => p.pt === 101).map((p) => p.payload[0])).size).toBeLessThanOrEqual(2);
  });

  it('sends digits as SIP INFO when configured', async () => {
    await backend.stop();
    const base = await freePort();
    backend = createEmbeddedBackend({
      signalling,
      media: { address: '127.0.0.1', rtpPortMin: base, rtpPortMax: base + 100, workers },
      dtmf: { sendMode: 'info', toneMs: 80, gapMs: 80 },
    });
    await backend.start();
    const call = await dial();
    await call.sendDigits('12');
    expect(dialog.infos.map((b) => b.content)).toEqual(['Signal=1\r\nDuration=80\r\n', 'Signal=2\r\nDuration=80\r\n']);
  });

  it('answers a hold re-INVITE and stops sending, then resumes', async () => {
    await dial();
    await sleep(100);
    const peerPort = peer.socket.address().port;
    const held = await dialog.offerHandler!(
      answerSdp(peerPort, '0 101', ['a=rtpmap:101 telephone-event/8000', 'a=sendonly']),
    );
    expect(held.content).toContain('a=recvonly');
    await sleep(60);
    const n = peer.packets.length;
    await sleep(200);
    expect(peer.packets.length).toBe(n);
    const resumed = await dialog.offerHandler!(answerSdp(peerPort, '0 101', ['a=rtpmap:101 telephone-event/8000']));
    expect(resumed.content).toContain('a=sendrecv');
    await sleep(200);
    expect(peer.packets.length).toBeGreaterThan(n + 5);
  });

  it('ends the call when the far end hangs up, and play reports call-ended', async () => {
    const wav = join(dir, 'p.wav');
    execFileSync('sox', ['-R', '-n', '-r', '8000', '-c', '1', '-b', '16', wav, 'synth', '2', 'sine', '440']);
    const call = await dial();
    const ended = new Promise((r) => call.once('end', r));
    const playing = call.play(await promptFromFile(wav), { bargeIn: true });
    await sleep(100);
    dialog.remoteBye();
    expect(await playing).toEqual({ status: 'call-ended' });
    expect(await ended).toMatchObject({ by: 'remote' });
    expect(backend.activeCalls).toBe(0);
    expect(trace.some((t) => t.kind === 'media' && t.stats && 'packetsSent' in t.stats)).toBe(true);
  });

  it('rejects an answer without a common codec and hangs up', async () => {
    answerFormats = { formats: '18', extra: ['a=rtpmap:18 G729/8000'] };
    await expect(dial()).rejects.toMatchObject({
      reason: 'media',
      message: expect.stringContaining('no common codec'),
    });
    expect(dialog.byeCount).toBe(1);
  });

  it.each([
    [new InviteFailure(486, 'Busy Here', 'final-response', 'c'), 'busy', 486],
    [new InviteFailure(404, 'Not Found', 'final-response', 'c'), 'not-found', 404],
    [new InviteFailure(503, 'Service Unavailable', 'final-response', 'c'), 'unavailable', 503],
    [new InviteFailure(487, 'Request Terminated', 'timeout', 'c'), 'no-answer', 487],
    [new InviteFailure(407, 'Proxy Authentication Required', 'auth-failed', 'c'), 'rejected', 407],
    [new InviteFailure(0, 'no response', 'transport', 'c'), 'network', undefined],
    // Timer B: the PBX is unreachable, nobody "did not answer" (that would also change the retry decision).
    [new InviteFailure(0, 'no response to INVITE (Timer B)', 'no-response', 'c'), 'unavailable', undefined],
    // A challenge we cannot answer is not a credentials problem: no 401 for the plain words to misread.
    [new InviteFailure(401, 'qop=auth-int not supported', 'auth-unsupported', 'c'), 'rejected', undefined],
  ])('maps %s to a typed dial failure', async (failure, reason, status) => {
    signalling.script = async () => {
      throw failure;
    };
    const err = await dial().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DialFailure);
    expect(err).toMatchObject({ reason, sipStatus: status });
  });
});
