/**
 * An answered call on the drachtio backend: the PBX leg (a drachtio-srf UAC dialog) and its
 * FreeSWITCH endpoint, torn down together whichever side ends first.
 *
 * DTMF in comes from the endpoint's `dtmf` events (RFC 4733, or in-band once `start_dtmf` runs) and
 * from SIP INFO on the PBX dialog (FreeSWITCH never sees those). `playCollect` is deliberately not
 * used: FreeSWITCH drops a lone `#` pressed during the prompt when it is the terminator.
 */
import { EventEmitter } from 'node:events';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import {
  type Call,
  type CallEnd,
  type CallEvents,
  type CallState,
  type DtmfDigit,
  type DtmfSource,
  isDtmfDigit,
  type PlayOptions,
  type PlayResult,
  type PromptAudio,
  type SendDigitsOptions,
  type TraceSink,
} from '../port';
import { digitSteps, dtmfToneStream, sendDtmfArg } from './digits';
import { parseInfoDtmf } from './dtmf-info';
import type { PromptStager } from './prompt-path';
import { sipTraceEvent } from './sip-trace';

/** Every digit FreeSWITCH may stop a barge-in prompt on. */
const BARGE_IN_TERMINATORS = '0123456789*#';
/** How long teardown waits for a server before it counts the leg as gone anyway. */
const TEARDOWN_TIMEOUT_MS = 5000;

export interface CallContext {
  readonly attemptId: string;
  readonly uac: Srf.Dialog;
  readonly ep: Mrf.Endpoint;
  readonly trace: TraceSink;
  readonly answeredAt: number;
  readonly dtmfModes: readonly DtmfSource[];
  /** How `sendDigits` reaches the PBX (decided from the negotiation and config at answer). */
  readonly sendVia: DtmfSource;
  readonly prompts: PromptStager;
  /** Called once both legs are released (for the backend's ledger). */
  readonly onLegReleased: (leg: 'endpoint' | 'dialog') => void;
}

interface ActivePlay {
  readonly bargeIn: boolean;
  digit?: DtmfDigit;
  /** The playback command has been sent to FreeSWITCH … */
  started: boolean;
  /** … and FreeSWITCH reported it finished. */
  finished: boolean;
}

/** How long FreeSWITCH gets to stop a prompt on its own terminator before we break it. */
const BREAK_GRACE_MS = 250;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(undefined);
      },
    );
  });
}

/** FreeSWITCH's DTMF-Source header → the port's source. */
function sourceOf(fsSource: string | undefined): DtmfSource {
  if (fsSource === 'INBAND_AUDIO') return 'inband';
  if (fsSource === 'ENDPOINT') return 'info';
  return 'rfc4733';
}

class CallEndedError extends Error {
  constructor() {
    super('the call ended');
  }
}

export class DrachtioCall extends EventEmitter<CallEvents> implements Call {
  readonly attemptId: string;
  readonly callId: string;
  readonly dtmfModes: readonly DtmfSource[];
  private currentState: CallState;
  private readonly ended: Promise<CallEnd>;
  private resolveEnded!: (end: CallEnd) => void;
  private playing: ActivePlay | undefined;
  /** Last value we set, so a run of plays with the same barge-in setting costs no extra ESL round trip. */
  private terminators: string | undefined;
  private tearingDown = false;
  /** Resolves as soon as teardown starts (a prompt must not wait for the BYE's answer). */
  private readonly ending: Promise<void>;
  private resolveEnding!: () => void;

  constructor(private readonly ctx: CallContext) {
    super();
    this.attemptId = ctx.attemptId;
    this.callId = ctx.uac.sip.callId;
    this.dtmfModes = ctx.dtmfModes;
    this.currentState = { name: 'answered', answeredAt: ctx.answeredAt };
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    this.ending = new Promise((resolve) => {
      this.resolveEnding = resolve;
    });
    this.wire();
  }

  get state(): CallState {
    return this.currentState;
  }

  private get isEnded(): boolean {
    return this.tearingDown || this.currentState.name === 'ended';
  }

  private wire(): void {
    const { uac, ep } = this.ctx;
    ep.on('dtmf', (args) => {
      const digit = args.dtmf?.toUpperCase();
      if (!digit || !isDtmfDigit(digit)) return;
      const samples = Number(args.duration);
      // FreeSWITCH reports the duration in RTP clock samples; our prompts and PBX legs are 8 kHz.
      this.onDigit(digit, sourceOf(args.source), Number.isFinite(samples) && samples > 0 ? samples / 8 : undefined);
    });
    uac.on('info', (req, res) => {
      this.ctx.trace(sipTraceEvent(req, 'in'));
      const parsed = parseInfoDtmf(req.get('Content-Type'), req.body);
      res.send(200);
      if (parsed) this.onDigit(parsed.digit, 'info', parsed.durationMs, true);
    });
    uac.on('destroy', (req) => {
      this.ctx.trace(sipTraceEvent(req, 'in'));
      this.ctx.onLegReleased('dialog');
      void this.teardown({ by: 'remote', reason: 'the far end hung up (BYE)' }, 'dialog-gone');
    });
    ep.on('destroy', () => {
      this.ctx.onLegReleased('endpoint');
      void this.teardown({ by: 'error', reason: 'the media server ended the channel' }, 'endpoint-gone');
    });
  }

  private onDigit(digit: DtmfDigit, source: DtmfSource, durationMs: number | undefined, viaInfo = false): void {
    if (this.isEnded) return;
    const at = Date.now();
    this.ctx.trace({ kind: 'dtmf', at, direction: 'in', digit, source });
    const play = this.playing;
    if (play?.bargeIn && play.digit === undefined) {
      play.digit = digit;
      // Before the playback started, play() skips it. Once playing, FreeSWITCH stops on RFC 4733 and
      // in-band digits itself (playback_terminators) but never sees INFO digits, so those are broken
      // at once; the others only if FreeSWITCH did not stop within a grace period. A break arriving
      // after the prompt ended would stay pending on the channel and cut the next prompt.
      if (play.started) {
        const breakIt = () => {
          if (!play.finished) void this.ctx.ep.api('uuid_break', this.ctx.ep.uuid).catch(() => undefined);
        };
        if (viaInfo) breakIt();
        else setTimeout(breakIt, BREAK_GRACE_MS);
      }
    }
    this.emit('dtmf', durationMs !== undefined ? { digit, source, at, durationMs } : { digit, source, at });
  }

  /** `p`, unless the call ends first (an ESL command on a dead channel never answers). */
  private async untilEnding<T>(p: Promise<T>): Promise<T> {
    const wrapped = p.then((value) => ({ value }));
    wrapped.catch(() => undefined);
    const won = await Promise.race([wrapped, this.ending.then(() => undefined)]);
    if (!won) throw new CallEndedError();
    return won.value;
  }

  async play(audio: PromptAudio, options: PlayOptions): Promise<PlayResult> {
    if (this.isEnded) return { status: 'call-ended' };
    if (options.signal?.aborted) return { status: 'aborted' };
    const { ep, trace } = this.ctx;
    const file = await this.ctx.prompts.remotePath(audio);
    if (this.isEnded) return { status: 'call-ended' };
    if (this.playing) throw new Error('a prompt is already playing on this call');
    const play: ActivePlay = { bargeIn: options.bargeIn, started: false, finished: false };
    this.playing = play;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      if (play.started && !play.finished) void ep.api('uuid_break', ep.uuid).catch(() => undefined);
    };
    try {
      const wanted = options.bargeIn ? BARGE_IN_TERMINATORS : 'none';
      if (this.terminators !== wanted) {
        await this.untilEnding(ep.set('playback_terminators', wanted));
        this.terminators = wanted;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (play.digit !== undefined) {
        // Pressed while we were preparing: the caller has already answered the prompt.
        trace({ kind: 'prompt', at: Date.now(), phase: 'interrupted', prompt: audio.name });
        return { status: 'interrupted', digit: play.digit };
      }
      if (aborted) return { status: 'aborted' };
      trace({ kind: 'prompt', at: Date.now(), phase: 'start', prompt: audio.name });
      play.started = true;
      const evt = await this.untilEnding(ep.execute('playback', file));
      play.finished = true;
      const response = evt.getHeader('Application-Response');
      if (response === 'FILE NOT FOUND') {
        trace({ kind: 'note', at: Date.now(), level: 'error', message: `FreeSWITCH cannot find prompt ${file}` });
        throw new Error(`FreeSWITCH cannot find the prompt file ${file} (is the prompt volume shared?)`);
      }
      const terminator = evt.getHeader('variable_playback_terminator_used');
      if (play.digit === undefined && options.bargeIn && terminator && isDtmfDigit(terminator)) play.digit = terminator;
      if (play.digit !== undefined && options.bargeIn) {
        trace({ kind: 'prompt', at: Date.now(), phase: 'interrupted', prompt: audio.name });
        return { status: 'interrupted', digit: play.digit };
      }
      if (aborted) {
        trace({ kind: 'prompt', at: Date.now(), phase: 'interrupted', prompt: audio.name });
        return { status: 'aborted' };
      }
      if (this.isEnded) return { status: 'call-ended' };
      trace({ kind: 'prompt', at: Date.now(), phase: 'end', prompt: audio.name });
      return { status: 'completed' };
    } catch (err) {
      if (!(err instanceof CallEndedError)) throw err;
      trace({ kind: 'prompt', at: Date.now(), phase: 'interrupted', prompt: audio.name });
      return { status: 'call-ended' };
    } finally {
      play.finished = true;
      options.signal?.removeEventListener('abort', onAbort);
      this.playing = undefined;
    }
  }

  async sendDigits(digits: string, options: SendDigitsOptions = {}): Promise<void> {
    const steps = digitSteps(digits);
    const toneMs = options.toneMs ?? 100;
    const gapMs = options.gapMs ?? 100;
    const { trace, sendVia } = this.ctx;
    for (const step of steps) {
      if (this.isEnded) throw new Error('the call ended while sending digits');
      if (options.signal?.aborted) throw new Error('sending digits was aborted');
      if (step.kind === 'pause') {
        await sleep(step.ms, options.signal);
        continue;
      }
      await this.sendDigit(step.digit, toneMs, gapMs, options.signal);
      trace({ kind: 'dtmf', at: Date.now(), direction: 'out', digit: step.digit, source: sendVia });
    }
    if (options.signal?.aborted) throw new Error('sending digits was aborted');
  }

  /** One digit the way the PBX can take it; resolves after the tone and the gap. */
  private async sendDigit(digit: DtmfDigit, toneMs: number, gapMs: number, signal?: AbortSignal): Promise<void> {
    const { ep, uac } = this.ctx;
    switch (this.ctx.sendVia) {
      case 'rfc4733':
        await this.untilEnding(ep.execute('send_dtmf', sendDtmfArg(digit, toneMs)));
        // send_dtmf only queues the digit; wait for it to go out (and the gap) before the next one.
        await sleep(toneMs + gapMs, signal);
        return;
      case 'inband': {
        // playback of a tone stream returns when the tone (and its trailing silence) has been played.
        const evt = await this.untilEnding(ep.execute('playback', dtmfToneStream(digit, toneMs, gapMs)));
        const response = evt.getHeader('Application-Response');
        if (response && response !== 'FILE PLAYED') throw new Error(`FreeSWITCH did not play the tone: ${response}`);
        return;
      }
      case 'info': {
        const res = await this.untilEnding(
          uac.request({
            method: 'INFO',
            headers: { 'Content-Type': 'application/dtmf-relay' },
            body: `Signal=${digit}\r\nDuration=${Math.round(toneMs)}\r\n`,
          }),
        );
        this.ctx.trace(sipTraceEvent(res, 'in'));
        if (res.status >= 300) throw new Error(`the PBX refused the INFO digit: ${res.status} ${res.reason}`);
        await sleep(toneMs + gapMs, signal);
        return;
      }
    }
  }

  async hangup(reason = 'hangup requested'): Promise<void> {
    await this.teardown({ by: 'local', reason }, 'local');
  }

  /** Ends the call once: releases whichever legs are still up, then reports the end. */
  private async teardown(end: Omit<CallEnd, 'at'>, cause: 'local' | 'dialog-gone' | 'endpoint-gone'): Promise<void> {
    if (this.tearingDown) {
      await this.ended;
      return;
    }
    this.tearingDown = true;
    this.resolveEnding();
    const { uac, ep, trace } = this.ctx;
    // FreeSWITCH runs applications one after another: a `hangup` queued behind a playing prompt would
    // wait for the prompt to finish, so stop the prompt first.
    if (this.playing && cause !== 'endpoint-gone') await withTimeout(ep.api('uuid_break', ep.uuid), 1000);
    const jobs: Promise<unknown>[] = [];
    if (cause !== 'dialog-gone') {
      jobs.push(
        withTimeout(
          uac.destroy().then((bye) => {
            trace(sipTraceEvent(bye, 'out'));
          }),
          TEARDOWN_TIMEOUT_MS,
        ).finally(() => this.ctx.onLegReleased('dialog')),
      );
    }
    if (cause !== 'endpoint-gone') {
      jobs.push(withTimeout(ep.destroy(), TEARDOWN_TIMEOUT_MS).finally(() => this.ctx.onLegReleased('endpoint')));
    }
    await Promise.all(jobs);
    const final: CallEnd = { at: Date.now(), ...end };
    this.currentState = { name: 'ended', answeredAt: this.ctx.answeredAt, end: final };
    trace({ kind: 'state', at: final.at, state: 'ended', detail: `${final.by}: ${final.reason}` });
    this.resolveEnded(final);
    this.emit('end', final);
  }
}
