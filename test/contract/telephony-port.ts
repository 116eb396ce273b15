/**
 * THE telephony-port contract: one suite both backends must pass — the embedded backend against real
 * SIP peers (sipp), the drachtio backend against the drachtio-server and FreeSWITCH doubles.
 *
 * A backend plugs in through a `ContractHarness`: a started backend plus a way to prepare a far end
 * (PBX/phone) that behaves as a `FarEndScript` says and reports what it saw. Scripts only use things a
 * sipp UAS scenario can do (401 + verifyauth, 180/183, answer/reject/never, timed DTMF and BYE), so the
 * embedded harness can generate sipp XML from them.
 *
 * Usage (in a `*.test.ts`): `describeTelephonyPortContract('drachtio + doubles', makeHarness)`.
 */
import {
  type Call,
  DialFailure,
  type DialRequest,
  type DtmfEvent,
  type Progress,
  type PromptAudio,
  type TelephonyBackend,
  type TraceEvent,
} from '../../src/telephony/port';
import type { AudioReport } from './far-end-audio';

/** What the far end does with the backend's INVITE. */
export interface FarEndScript {
  /** Challenge the INVITE (401 or 407, the harness's choice) and accept only these credentials. */
  readonly challenge?: { readonly username: string; readonly password: string };
  /** Provisional responses before the final one: 180, or 183 with SDP (early media). */
  readonly progress?: ReadonlyArray<'ringing' | 'early-media'>;
  readonly final:
    | { readonly kind: 'answer'; readonly afterMs?: number }
    | { readonly kind: 'reject'; readonly status: number; readonly reason?: string }
    /** Ring until CANCELled. */
    | { readonly kind: 'no-answer' };
  /** DTMF the far end's SDP offers: RFC 4733 telephone-event (default) or none (in-band/INFO only). */
  readonly dtmfMode?: 'rfc4733' | 'none';
  /** The one G.711 codec the far end answers with (default PCMU), whatever else was offered. */
  readonly codec?: 'PCMU' | 'PCMA';
  /**
   * Timed actions after the answer. SIP actions (INFO, BYE) count from the 200 OK; media actions
   * (RFC 4733, in-band) may count from the backend's first RTP packet, which a harness can observe.
   */
  readonly afterAnswer?: ReadonlyArray<
    | {
        readonly atMs: number;
        readonly kind: 'dtmf';
        readonly digits: string;
        readonly via: 'rfc4733' | 'info' | 'inband';
      }
    | { readonly atMs: number; readonly kind: 'bye' }
  >;
}

/** What the far end saw. */
export interface FarEndReport {
  /** INVITE transactions received (retransmissions count once; a challenged call counts 2). */
  readonly invites: number;
  /** SDP of the (last) INVITE as received. */
  readonly inviteSdp: string;
  readonly challenged: boolean;
  /** The credentials in the re-sent INVITE verified (digest MD5). */
  readonly authorized: boolean;
  readonly cancelled: boolean;
  /** The backend sent BYE. */
  readonly byeFromBackend: boolean;
  /** DTMF the far end could decode from the backend, in order (RFC 4733 events, else in-band tones). */
  readonly digitsReceived: string;
  /** The RTP it received, decoded as G.711 by the far end itself (see far-end-audio.ts). */
  readonly audio: AudioReport;
}

export interface FarEnd {
  readonly requestUri: string;
  /** Waits until the far end's call is over (or `timeoutMs`), then reports. */
  result(timeoutMs?: number): Promise<FarEndReport>;
}

export interface ContractHarness {
  /** A started backend; `close()` stops it. */
  readonly backend: TelephonyBackend;
  /** Digest credentials the backend was configured with. */
  readonly credentials: { readonly username: string; readonly password: string };
  farEnd(script: FarEndScript): Promise<FarEnd>;
  /**
   * A prompt of about this length that the backend can play, ready in its prompt cache (as the IVR
   * layer's rendered prompts are), so timings measure the call, not a first-time conversion.
   */
  prompt(durationMs: number): Promise<PromptAudio>;
  /** Backend-specific checks after each test (e.g. no leaked endpoints or dialogs). */
  assertClean?(): Promise<void>;
  close(): Promise<void>;
}

function request(uri: string, trace: TraceEvent[], extra: Partial<DialRequest> = {}): DialRequest {
  return {
    attemptId: `att-${Math.random().toString(36).slice(2)}`,
    requestUri: uri,
    policyDecisionId: 'pd-contract',
    ringTimeoutMs: 8000,
    headers: { 'X-Fyrkant-Attempt': 'contract' },
    trace: (e) => trace.push(e),
    ...extra,
  };
}

async function expectFailure(p: Promise<unknown>): Promise<DialFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DialFailure);
    return err as DialFailure;
  }
  throw new Error('dial succeeded but a DialFailure was expected');
}

function nextDtmf(
  call: { once(e: 'dtmf', l: (d: DtmfEvent) => void): unknown },
  timeoutMs: number,
): Promise<DtmfEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no DTMF within ${timeoutMs} ms`)), timeoutMs);
    call.once('dtmf', (d) => {
      clearTimeout(t);
      resolve(d);
    });
  });
}

export function describeTelephonyPortContract(label: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`telephony port contract: ${label}`, () => {
    let h: ContractHarness;
    /** Calls a failed test left up, so one failure does not cascade into the next test's leak check. */
    const placed: Call[] = [];
    const dial = async (...args: Parameters<TelephonyBackend['dial']>): Promise<Call> => {
      const call = await h.backend.dial(...args);
      placed.push(call);
      return call;
    };
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });
    afterEach(async () => {
      const leftovers = placed.splice(0).filter((c) => c.state.name !== 'ended');
      await Promise.all(leftovers.map((c) => c.hangup('test cleanup')));
      await h?.assertClean?.();
    });

    it('dials, reports ringing, answers, and hangs up from our side with a BYE', async () => {
      const far = await h.farEnd({ progress: ['ringing'], final: { kind: 'answer' } });
      const trace: TraceEvent[] = [];
      const progress: Progress[] = [];
      const call = await dial(request(far.requestUri, trace), undefined, {
        onProgress: (p) => progress.push(p),
      });
      expect(call.state.name).toBe('answered');
      expect(call.callId).toMatch(/\S/);
      expect(progress.map((p) => p.kind)).toContain('ringing');
      const ended = new Promise((resolve) => call.once('end', resolve));
      await call.hangup();
      await call.hangup(); // idempotent
      expect(await ended).toMatchObject({ by: 'local' });
      expect(call.state.name).toBe('ended');
      const report = await far.result();
      expect(report.byeFromBackend).toBe(true);
      const sip = trace.filter((e) => e.kind === 'sip');
      expect(sip.some((e) => e.kind === 'sip' && e.direction === 'out' && e.summary.startsWith('INVITE'))).toBe(true);
      expect(sip.some((e) => e.kind === 'sip' && e.direction === 'in' && e.summary.startsWith('200'))).toBe(true);
    });

    it('offers plain RTP/AVP without a=crypto toward the PBX: PCMU, PCMA and telephone-event', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' } });
      const call = await dial(request(far.requestUri, []));
      await call.hangup();
      const { inviteSdp } = await far.result();
      const audioLines = inviteSdp.split(/\r?\n/).filter((l) => l.startsWith('m=audio '));
      expect(audioLines).toHaveLength(1);
      const [, , profile, ...formats] = audioLines[0]!.split(' ');
      expect(profile).toBe('RTP/AVP');
      expect(formats).toEqual(expect.arrayContaining(['0', '8']));
      const te = /^a=rtpmap:(\d+) telephone-event\/8000/m.exec(inviteSdp)?.[1];
      expect(formats).toContain(te);
      expect(inviteSdp).not.toMatch(/^a=(crypto|fingerprint):/m);
    });

    it('reports 183 with SDP as early media before the answer', async () => {
      const far = await h.farEnd({ progress: ['early-media'], final: { kind: 'answer', afterMs: 300 } });
      const progress: Progress[] = [];
      const call = await dial(request(far.requestUri, []), undefined, {
        onProgress: (p) => progress.push(p),
      });
      expect(progress.find((p) => p.kind === 'early-media')).toMatchObject({ sipStatus: 183 });
      await call.hangup();
      await far.result();
    });

    it('plays a prompt to the end when nobody presses anything', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' } });
      const call = await dial(request(far.requestUri, []));
      const audio = await h.prompt(600);
      const t0 = Date.now();
      expect(await call.play(audio, { bargeIn: true })).toEqual({ status: 'completed' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
      await call.hangup();
      // The far end heard the prompt: plain G.711 it could decode, the tone clearly there.
      const { audio: heard } = await far.result();
      expect(heard.payloadTypes.filter((pt) => ![0, 13, 101].includes(pt))).toEqual([]);
      expect(heard.promptToneMs).toBeGreaterThanOrEqual(400);
    });

    it('plays audible PCMA when the far end answers PCMA', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' }, codec: 'PCMA' });
      const call = await dial(request(far.requestUri, []));
      expect(await call.play(await h.prompt(600), { bargeIn: false })).toEqual({ status: 'completed' });
      await call.hangup();
      const { audio: heard } = await far.result();
      expect(heard.payloadTypes).toContain(8);
      expect(heard.payloadTypes.filter((pt) => ![8, 13, 101].includes(pt))).toEqual([]);
      expect(heard.promptToneMs).toBeGreaterThanOrEqual(400);
    });

    it('barge-in: # (RFC 4733) during the prompt stops it and is delivered as DTMF', async () => {
      const far = await h.farEnd({
        final: { kind: 'answer' },
        afterAnswer: [{ atMs: 700, kind: 'dtmf', digits: '#', via: 'rfc4733' }],
      });
      const call = await dial(request(far.requestUri, []));
      expect(call.dtmfModes).toContain('rfc4733');
      const audio = await h.prompt(5000);
      const digit = nextDtmf(call, 6000);
      const t0 = Date.now();
      const result = await call.play(audio, { bargeIn: true });
      const stoppedAt = Date.now();
      expect(result).toEqual({ status: 'interrupted', digit: '#' });
      // Stopped well before the prompt's end, and promptly after the digit arrived.
      expect(stoppedAt - t0).toBeLessThan(4500);
      const d = await digit;
      expect(d).toMatchObject({ digit: '#', source: 'rfc4733' });
      expect(stoppedAt - d.at).toBeLessThan(1000);
      await call.hangup();
      await far.result();
    });

    it('without barge-in the prompt plays on, and the digit still arrives', async () => {
      const far = await h.farEnd({
        final: { kind: 'answer' },
        afterAnswer: [{ atMs: 300, kind: 'dtmf', digits: '5', via: 'rfc4733' }],
      });
      const call = await dial(request(far.requestUri, []));
      const digits: string[] = [];
      call.on('dtmf', (d) => digits.push(d.digit));
      expect(await call.play(await h.prompt(1200), { bargeIn: false })).toEqual({ status: 'completed' });
      expect(digits).toEqual(['5']);
      await call.hangup();
      await far.result();
    });

    it('receives DTMF sent as SIP INFO', async () => {
      const far = await h.farEnd({
        final: { kind: 'answer' },
        afterAnswer: [{ atMs: 300, kind: 'dtmf', digits: '#', via: 'info' }],
      });
      const call = await dial(request(far.requestUri, []));
      expect(await nextDtmf(call, 4000)).toMatchObject({ digit: '#', source: 'info' });
      await call.hangup();
      await far.result();
    });

    it('receives in-band DTMF when the far end negotiated no telephone-event', async () => {
      const far = await h.farEnd({
        final: { kind: 'answer' },
        dtmfMode: 'none',
        afterAnswer: [{ atMs: 400, kind: 'dtmf', digits: '#', via: 'inband' }],
      });
      const call = await dial(request(far.requestUri, []));
      expect(call.dtmfModes).toContain('inband');
      expect(await nextDtmf(call, 4000)).toMatchObject({ digit: '#', source: 'inband' });
      await call.hangup();
      await far.result();
    });

    it('sends digits after answer, honouring w (0.5 s) and , (1 s) pauses', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' } });
      const trace: TraceEvent[] = [];
      const call = await dial(request(far.requestUri, trace));
      const t0 = Date.now();
      await call.sendDigits('1w2,#', { toneMs: 80, gapMs: 60 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
      await call.hangup();
      expect((await far.result()).digitsReceived).toBe('12#');
      expect(
        trace
          .filter((e) => e.kind === 'dtmf' && e.direction === 'out')
          .map((e) => e.kind === 'dtmf' && `${e.digit}:${e.source}`),
      ).toEqual(['1:rfc4733', '2:rfc4733', '#:rfc4733']);
    });

    it('sends digits in-band when the far end negotiated no telephone-event, and says so', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' }, dtmfMode: 'none' });
      const trace: TraceEvent[] = [];
      const call = await dial(request(far.requestUri, trace));
      await call.sendDigits('1001', { toneMs: 100, gapMs: 100 });
      await call.hangup();
      const report = await far.result();
      expect(report.audio.inbandDigits).toBe('1001');
      expect(report.digitsReceived).toBe('1001');
      const out = trace.filter((e) => e.kind === 'dtmf' && e.direction === 'out');
      expect(out.map((e) => e.kind === 'dtmf' && `${e.digit}:${e.source}`)).toEqual([
        '1:inband',
        '0:inband',
        '0:inband',
        '1:inband',
      ]);
    });

    it('reports a hangup by the far end, and a prompt in progress returns call-ended', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' }, afterAnswer: [{ atMs: 500, kind: 'bye' }] });
      const call = await dial(request(far.requestUri, []));
      const ended = new Promise((resolve) => call.once('end', resolve));
      expect(await call.play(await h.prompt(4000), { bargeIn: true })).toEqual({ status: 'call-ended' });
      expect(await ended).toMatchObject({ by: 'remote' });
      expect(call.state.name).toBe('ended');
      await call.hangup(); // no-op on an ended call
      expect((await far.result()).byeFromBackend).toBe(false);
    });

    it('draining leaves the call in progress alone: an INFO digit arrives, the far end hangs up', async () => {
      const far = await h.farEnd({
        final: { kind: 'answer' },
        afterAnswer: [
          { atMs: 300, kind: 'dtmf', digits: '#', via: 'info' },
          { atMs: 900, kind: 'bye' },
        ],
      });
      const call = await dial(request(far.requestUri, []));
      const ended = new Promise((resolve) => call.once('end', resolve));
      const digit = nextDtmf(call, 4000);
      h.backend.setAvailability('draining', { retryAfterSeconds: 10 });
      try {
        expect(await digit).toMatchObject({ digit: '#', source: 'info' });
        expect(await ended).toMatchObject({ by: 'remote' });
        expect((await far.result()).byeFromBackend).toBe(false);
      } finally {
        h.backend.setAvailability('accepting');
      }
    });

    it('fails with busy on 486', async () => {
      const far = await h.farEnd({
        progress: ['ringing'],
        final: { kind: 'reject', status: 486, reason: 'Busy Here' },
      });
      const failure = await expectFailure(dial(request(far.requestUri, [])));
      expect([failure.reason, failure.sipStatus]).toEqual(['busy', 486]);
      await far.result();
    });

    it('maps 404 to not-found', async () => {
      const far = await h.farEnd({ final: { kind: 'reject', status: 404, reason: 'Not Found' } });
      const failure = await expectFailure(dial(request(far.requestUri, [])));
      expect([failure.reason, failure.sipStatus]).toEqual(['not-found', 404]);
      await far.result();
    });

    it('cancels (CANCEL) when the caller aborts before answer', async () => {
      const far = await h.farEnd({ progress: ['ringing'], final: { kind: 'no-answer' } });
      const ac = new AbortController();
      // Give up once it rings (a fixed delay could fire before the INVITE left on a loaded machine).
      const onRinging = (e: TraceEvent) => {
        if (e.kind === 'sip' && e.direction === 'in' && e.summary.startsWith('180')) ac.abort();
      };
      const failure = await expectFailure(dial(request(far.requestUri, [], { trace: onRinging }), ac.signal));
      expect(failure.reason).toBe('cancelled');
      expect((await far.result()).cancelled).toBe(true);
    });

    it('cancels with no-answer when the ring timeout passes', async () => {
      const far = await h.farEnd({ progress: ['ringing'], final: { kind: 'no-answer' } });
      const t0 = Date.now();
      const failure = await expectFailure(dial(request(far.requestUri, [], { ringTimeoutMs: 600 })));
      expect(failure.reason).toBe('no-answer');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
      expect((await far.result()).cancelled).toBe(true);
    });

    it('answers a digest challenge (401/407) with the configured credentials', async () => {
      const far = await h.farEnd({ challenge: h.credentials, final: { kind: 'answer' } });
      const call = await dial(request(far.requestUri, []));
      await call.hangup();
      const report = await far.result();
      expect([report.challenged, report.authorized, report.invites]).toEqual([true, true, 2]);
    });

    it('fails as rejected when the far end does not accept the credentials', async () => {
      const far = await h.farEnd({
        challenge: { username: h.credentials.username, password: `${h.credentials.password}-not` },
        final: { kind: 'answer' },
      });
      const failure = await expectFailure(dial(request(far.requestUri, [])));
      expect(failure.reason).toBe('rejected');
      expect([401, 407]).toContain(failure.sipStatus);
      expect((await far.result()).authorized).toBe(false);
    });

    it('refuses to dial without a policy decision, sending nothing', async () => {
      const far = await h.farEnd({ final: { kind: 'answer' } });
      const failure = await expectFailure(dial(request(far.requestUri, [], { policyDecisionId: '' })));
      expect(failure.reason).toBe('policy');
      expect((await far.result(300)).invites).toBe(0);
    });
  });
}
