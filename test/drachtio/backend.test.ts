/**
 * What only the drachtio backend has: the SRTP trap, FreeSWITCH's view of prompts, the wire toward
 * drachtio-server, connection loss and recovery, FreeSWITCH ending a channel, leak accounting. All
 * against the protocol doubles over 127.0.0.1.
 */
import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDrachtioBackend } from '../../src/telephony/drachtio';
import { DialFailure, type DialRequest, type TraceEvent } from '../../src/telephony/port';
import { getHeader, parseSip } from './doubles/sip-text';
import { type Rig, startRig } from './rig';

function req(uri: string, trace: TraceEvent[] = [], extra: Partial<DialRequest> = {}): DialRequest {
  return {
    attemptId: 'att-1',
    requestUri: uri,
    policyDecisionId: 'pd-1',
    ringTimeoutMs: 5000,
    trace: (e) => trace.push(e),
    ...extra,
  };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The INVITEs the app sent to drachtio-server, as drachtio-server echoed them (full SIP). */
function invitesOnWire(rig: Rig, toHostport: string) {
  return rig.drachtio.wire
    .filter((w) => w.dir === 'to-app' && w.payload.includes('|response|') && w.payload.includes('\r\nINVITE '))
    .map((w) => parseSip(w.payload.slice(w.payload.indexOf('\r\n') + 2)))
    .filter((m) => m.uri?.includes(toHostport));
}

describe('drachtio backend against the protocol doubles', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.close();
  });
  afterEach(async () => {
    await rig.assertClean();
  });

  it('draining is a documented no-op on SIP (drachtio-server answers for itself): said once in the log', () => {
    const lines: string[] = [];
    const b = createDrachtioBackend({ ...rig.options, log: (level, message) => lines.push(`${level}: ${message}`) });
    b.setAvailability('draining', { retryAfterSeconds: 10 });
    b.setAvailability('draining');
    expect(lines).toEqual([
      'info: draining: drachtio-server keeps answering SIP OPTIONS as configured (fyrkant cannot change it)',
    ]);
    b.setAvailability('accepting');
    expect(lines).toHaveLength(1);
  });

  it('is healthy once connected, and health names both servers and the leak counters', async () => {
    const h = await rig.backend.health();
    expect(h).toMatchObject({ backend: 'drachtio', connected: true, activeCalls: 0 });
    expect(h.detail).toMatch(/drachtio-server: up \(udp\/127\.0\.0\.1:\d+\); FreeSWITCH: up; endpoints 0, dialogs 0/);
    // drachtio-fsmrf asked FreeSWITCH for its profile and subscribed to heartbeats on the inbound socket.
    expect(rig.fs.inboundCommands).toEqual(expect.arrayContaining(['auth [redacted]', 'api sofia status']));
  });

  it('gives FreeSWITCH a plain offer (no 3pcc), so it never negotiates SRTP with itself and digits get through', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const call = await rig.backend.dial(req(pbx.requestUri));
    const ch = rig.fs.liveChannels[0]!;
    expect(ch.srtp).toBe(false);
    // The endpoint's INVITE carried our plain G.711 offer; FreeSWITCH answered one codec, no crypto.
    expect(ch.localAnswer()).not.toMatch(/^a=crypto:/m);
    await call.sendDigits('42', { toneMs: 50, gapMs: 20 });
    await call.hangup();
    const r = await pbx.result(3000);
    expect(r.inviteSdp).not.toMatch(/a=crypto/);
    expect(r.digitsReceived).toBe('42');
  });

  it('answers FreeSWITCH with only the codec the PBX chose (PCMA), so FreeSWITCH sends what the PBX expects', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' }, codec: 'PCMA' });
    const call = await rig.backend.dial(req(pbx.requestUri));
    const ch = rig.fs.liveChannels[0]!;
    expect(/^m=audio \d+ RTP\/AVP (.*)$/m.exec(ch.remoteSdp ?? '')?.[1]).toBe('8 101');
    await call.hangup();
    await pbx.result(3000);
  });

  it('sends digits as SIP INFO on the PBX leg when configured so', async () => {
    const infoRig = await startRig({ dtmfSend: 'info' });
    try {
      const pbx = await infoRig.farEndDouble({ final: { kind: 'answer' } });
      const trace: TraceEvent[] = [];
      const call = await infoRig.backend.dial(req(pbx.requestUri, trace));
      await call.sendDigits('1#', { toneMs: 50, gapMs: 20 });
      await call.hangup();
      await pbx.result(3000);
      expect(pbx.report.infoDigits).toBe('1#');
      expect(trace.flatMap((e) => (e.kind === 'dtmf' ? [e.source] : []))).toEqual(['info', 'info']);
      await infoRig.assertClean();
    } finally {
      await infoRig.close();
    }
  });

  it("the 3pcc trap, kept visible: with SRTP configured FreeSWITCH's own offer goes out and the channel is SRTP", async () => {
    const srtpRig = await startRig({ srtp: true });
    try {
      const pbx = await srtpRig.farEndDouble({ final: { kind: 'answer' } });
      const call = await srtpRig.backend.dial(req(pbx.requestUri));
      const ch = srtpRig.fs.liveChannels[0]!;
      expect(ch.srtp).toBe(true);
      await call.sendDigits('1', { toneMs: 50, gapMs: 20 });
      await call.hangup();
      const r = await pbx.result(3000);
      expect(r.inviteSdp).toMatch(/^m=audio \d+ RTP\/SAVP /m);
      expect(r.inviteSdp).toMatch(/^a=crypto:/m);
      expect(r.digitsReceived).toBe(''); // encrypted: a plain PBX cannot decode it
      await srtpRig.assertClean();
    } finally {
      await srtpRig.close();
    }
  });

  it('sends the INVITE with the trunk identity, headers and FreeSWITCH X-headers kept off the PBX leg', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const call = await rig.backend.dial(
      req(pbx.requestUri, [], {
        callerId: { user: '4681234000', displayName: 'IT "Support"' },
        headers: { 'X-Fyrkant-Attempt': 'att-1' },
      }),
    );
    await call.hangup();
    await pbx.result(3000);
    const [invite] = invitesOnWire(rig, pbx.hostport);
    expect(invite).toBeDefined();
    expect(getHeader(invite!, 'from')).toMatch(/^"IT Support" <sip:4681234000@fyrkant\.test>;tag=/);
    expect(getHeader(invite!, 'x-fyrkant-attempt')).toBe('att-1');
    expect(getHeader(invite!, 'x-trunk')).toBe('test');
    expect(getHeader(invite!, 'x-esl-outbound')).toBeUndefined();
  });

  it('plays prompts from the path FreeSWITCH sees, staging WAVs from outside the cache, never other files', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const trace: TraceEvent[] = [];
    const call = await rig.backend.dial(req(pbx.requestUri, trace));
    const audio = await rig.prompt(200);
    expect(await call.play(audio, { bargeIn: false })).toEqual({ status: 'completed' });
    const ch = rig.fs.channels.get([...rig.fs.channels.keys()].pop()!)!;
    const played = ch.appsRun.filter((a) => a.name === 'playback').map((a) => a.arg);
    expect(played).toEqual([audio.path.replace(rig.options.media.promptDirLocal, rig.options.media.promptDirRemote)]);
    expect(ch.appsRun).toContainEqual({ name: 'set', arg: 'playback_terminators=none' });
    // A WAV outside the cache (like the pre-rendered prompts shipped in ivr-scripts/rendered) is staged
    // into it by content hash; anything that is not a WAV never reaches the shared volume.
    const outside = mkdtempSync(join(tmpdir(), 'fyrkant-outside-'));
    const elsewhere = join(outside, 'greeting.wav');
    copyFileSync(audio.path, elsewhere);
    expect(await call.play({ ...audio, path: elsewhere }, { bargeIn: false })).toEqual({ status: 'completed' });
    expect(ch.appsRun.filter((a) => a.name === 'playback').at(-1)?.arg).toBe(
      `${rig.options.media.promptDirRemote}/drachtio-staged/${audio.hash}.wav`,
    );
    await expect(
      call.play({ ...audio, path: '/etc/passwd', hash: 'ab'.repeat(32) }, { bargeIn: false }),
    ).rejects.toThrow(/not a WAV/);
    rmSync(outside, { recursive: true, force: true });
    const prompts = trace.filter((e) => e.kind === 'prompt').map((e) => e.kind === 'prompt' && e.phase);
    expect(prompts).toEqual(['start', 'end', 'start', 'end']);
    await call.hangup();
    await pbx.result(3000);
  });

  it('a missing prompt file is an error, not a silent success', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const call = await rig.backend.dial(req(pbx.requestUri));
    const audio = await rig.prompt(200);
    unlinkSync(audio.path);
    await expect(call.play(audio, { bargeIn: true })).rejects.toThrow(/cannot find the prompt/);
    await call.hangup();
    await pbx.result(3000);
  });

  it('barge-in by SIP INFO breaks the playback (FreeSWITCH never sees INFO) and answers the INFO 200', async () => {
    const pbx = await rig.farEndDouble({
      final: { kind: 'answer' },
      afterAnswer: [{ atMs: 400, kind: 'dtmf', digits: '#', via: 'info' }],
    });
    // The prompt is made before the call: made after the answer, on a loaded machine it could take
    // longer than the INFO's 400 ms and the key would come before the playback it should break.
    const prompt = await rig.prompt(4000);
    const call = await rig.backend.dial(req(pbx.requestUri));
    const t0 = Date.now();
    expect(await call.play(prompt, { bargeIn: true })).toEqual({ status: 'interrupted', digit: '#' });
    expect(Date.now() - t0).toBeLessThan(2500);
    await call.hangup();
    await pbx.result(3000);
    expect(pbx.report.infoAnswers).toEqual([200]);
  });

  it('traces the PBX leg: INVITE, challenge with credentials redacted, 200, BYE', async () => {
    const pbx = await rig.farEndDouble({
      challenge: rig.credentials,
      progress: ['ringing'],
      final: { kind: 'answer' },
    });
    const trace: TraceEvent[] = [];
    const call = await rig.backend.dial(req(pbx.requestUri, trace));
    await call.hangup();
    await pbx.result(3000);
    const sip = trace.flatMap((e) => (e.kind === 'sip' ? [e] : []));
    expect(sip.map((e) => `${e.direction} ${e.summary.split(' ')[0]}`)).toEqual([
      'out INVITE',
      'out INVITE',
      'in 100',
      'in 180',
      'in 200',
      'out BYE',
    ]);
    const withCreds = sip[1]!;
    expect(withCreds.raw).toMatch(/Proxy-Authorization: Digest username="fyrkant", \[REDACTED\]/);
    expect(withCreds.raw).not.toMatch(/response=/);
    expect(sip.every((e) => e.callId === call.callId && e.peer === `udp:${pbx.hostport}`)).toBe(true);
    expect(JSON.stringify(trace)).not.toContain(rig.credentials.password);
  });

  it('when FreeSWITCH drops the channel the call ends (error) and the PBX gets a BYE', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const call = await rig.backend.dial(req(pbx.requestUri));
    const ended = new Promise((resolve) => call.once('end', resolve));
    rig.fs.kill(rig.fs.liveChannels[0]!.uuid);
    expect(await ended).toMatchObject({ by: 'error' });
    expect((await pbx.result(3000)).byeFromBackend).toBe(true);
  });

  it('a racing abort during endpoint creation leaves nothing behind', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const ac = new AbortController();
    const p = rig.backend.dial(req(pbx.requestUri), ac.signal);
    ac.abort();
    await expect(p).rejects.toMatchObject({ reason: 'cancelled' });
    expect((await pbx.result(300)).invites).toBeLessThanOrEqual(1);
  });

  it('a 200 without an SDP answer fails as media and is BYEd, leaving nothing behind', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } }, { answerWithoutSdp: true });
    await expect(rig.backend.dial(req(pbx.requestUri))).rejects.toMatchObject({ reason: 'media', sipStatus: 200 });
    expect((await pbx.result(3000)).byeFromBackend).toBe(true);
  });

  it('traces the CANCEL and the 487 when the caller gives up', async () => {
    const pbx = await rig.farEndDouble({ progress: ['ringing'], final: { kind: 'no-answer' } });
    const trace: TraceEvent[] = [];
    const ac = new AbortController();
    // The caller gives up once it rings (not after a fixed delay: a loaded machine may not have sent the INVITE yet).
    const ringing = (e: TraceEvent) => {
      trace.push(e);
      if (e.kind === 'sip' && e.direction === 'in' && e.summary.startsWith('180')) ac.abort();
    };
    await expect(rig.backend.dial(req(pbx.requestUri, trace, { trace: ringing }), ac.signal)).rejects.toMatchObject({
      reason: 'cancelled',
    });
    const sip = trace.flatMap((e) => (e.kind === 'sip' ? [`${e.direction} ${e.summary.split(' ')[0]}`] : []));
    expect(sip).toEqual(['out INVITE', 'in 100', 'in 180', 'out CANCEL', 'in 487']);
    await pbx.result(3000);
  });

  it('reports the trunk reachable by OPTIONS, and unreachable when nothing answers', async () => {
    const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
    const probing = await startRig({ startBackend: false });
    try {
      const withProbe = createDrachtioBackend({
        ...probing.options,
        trunk: { ...probing.options.trunk, probeUri: `sip:${pbx.hostport}` },
      });
      probing.drachtio.addPeer(pbx);
      await withProbe.start();
      expect((await withProbe.health({ probe: true })).trunk).toBe('reachable');
      probing.drachtio.removePeer(pbx);
      expect((await withProbe.health({ probe: true })).trunk).toBe('unreachable');
      expect((await withProbe.health()).trunk).toBe('unreachable');
      await withProbe.stop();
    } finally {
      await probing.close();
    }
  });
});

describe('drachtio backend connections', () => {
  it('reconnects to drachtio-server after the connection drops, and dials again', async () => {
    const rig = await startRig();
    try {
      rig.drachtio.dropClients();
      await eventually(async () => !(await rig.backend.health()).connected);
      await eventually(async () => (await rig.backend.health()).connected);
      expect(rig.drachtio.authentications).toBe(2);
      const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
      const call = await rig.backend.dial(req(pbx.requestUri));
      await call.hangup();
      await pbx.result(3000);
      await rig.assertClean();
    } finally {
      await rig.close();
    }
  });

  it('reports unhealthy while drachtio-server is down and refuses to dial as unavailable, saying why', async () => {
    const rig = await startRig();
    try {
      await rig.drachtio.stop();
      await eventually(async () => !(await rig.backend.health()).connected);
      const h = await rig.backend.health();
      expect(h.connected).toBe(false);
      expect(h.detail).toMatch(/drachtio-server: down/);
      const trace: TraceEvent[] = [];
      const failure = await rig.backend.dial(req('sip:1@127.0.0.1', trace)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(DialFailure);
      expect(failure).toMatchObject({
        reason: 'unavailable',
        message: expect.stringMatching(/drachtio-server is down/),
      });
      expect(trace).toEqual([expect.objectContaining({ kind: 'note', level: 'error' })]);
      await rig.drachtio.start();
      await eventually(async () => (await rig.backend.health()).connected);
      expect(rig.drachtio.clientCount).toBe(1);
    } finally {
      await rig.close();
    }
  });

  it('survives the FreeSWITCH event socket dropping (drachtio-modesl reconnects)', async () => {
    const rig = await startRig();
    try {
      const before = rig.fs.inboundCommands.length;
      rig.fs.dropEventSockets();
      await until(() => rig.fs.inboundCommands.length > before, 5000);
      await eventually(async () => (await rig.backend.health()).connected);
      const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
      const call = await rig.backend.dial(req(pbx.requestUri));
      await call.hangup();
      await pbx.result(3000);
      await rig.assertClean();
    } finally {
      await rig.close();
    }
  });

  it('FreeSWITCH exits: health is red within 5 s naming FreeSWITCH, dials fail fast as unavailable, and it recovers', async () => {
    const rig = await startRig();
    try {
      // Seen with drachtio-fsmrf 5.0.1: connected() stays true for 6–11 s after FreeSWITCH exits.
      await rig.fs.stopEventSocket();
      const t0 = Date.now();
      await eventually(async () => !(await rig.backend.health()).connected, 5000);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await rig.backend.health()).detail).toMatch(/drachtio-server: up .*FreeSWITCH: down \(/);
      const trace: TraceEvent[] = [];
      const t1 = Date.now();
      const failure = await rig.backend.dial(req('sip:1@127.0.0.1', trace)).catch((e: unknown) => e);
      expect(Date.now() - t1).toBeLessThan(500);
      expect(failure).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/FreeSWITCH is down/) });
      expect(trace.some((e) => e.kind === 'note' && /FreeSWITCH is down/.test(e.message))).toBe(true);
      await rig.fs.resumeEventSocket();
      await eventually(async () => (await rig.backend.health()).connected, 8000);
      const pbx = await rig.farEndDouble({ final: { kind: 'answer' } });
      const call = await rig.backend.dial(req(pbx.requestUri));
      await call.hangup();
      await pbx.result(3000);
      await rig.assertClean();
    } finally {
      await rig.close();
    }
  });

  it('FreeSWITCH hangs (socket open, nothing answered): the heartbeat turns health red within 5 s', async () => {
    const rig = await startRig();
    try {
      rig.fs.freeze();
      const t0 = Date.now();
      await eventually(async () => !(await rig.backend.health()).connected, 5000);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await rig.backend.health()).detail).toMatch(/FreeSWITCH: down \(.*heartbeat/);
    } finally {
      await rig.close();
    }
  });

  it('start() fails clearly on a wrong drachtio secret', async () => {
    const rig = await startRig({ startBackend: false, backendDrachtioSecret: 'wrong' });
    try {
      await expect(rig.backend.start()).rejects.toThrow(/drachtio-server refused us/);
      expect((await rig.backend.health()).connected).toBe(false);
    } finally {
      await rig.close();
    }
  });

  it('start() fails clearly when FreeSWITCH rejects the event-socket password', async () => {
    const rig = await startRig({ startBackend: false, backendFsPassword: 'ClueCon', startTimeoutMs: 2500 });
    try {
      await expect(rig.backend.start()).rejects.toThrow(/FreeSWITCH .*password/);
    } finally {
      await rig.close();
    }
  });
});
