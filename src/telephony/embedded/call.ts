/**
 * An answered call of the embedded backend: one SIP dialog plus its `MediaSession`. It turns the
 * port's verbs (play, sendDigits, hangup) into media and signalling actions, merges DTMF from the
 * three sources into one `dtmf` event stream, and traces DTMF, prompts and media statistics.
 */
import { EventEmitter } from 'node:events';
import type {
  Call,
  CallEnd,
  CallEvents,
  CallState,
  DtmfEvent,
  DtmfSource,
  PlayOptions,
  PlayResult,
  PromptAudio,
  SendDigitsOptions,
  TraceSink,
} from '../port';
import {
  buildDtmfInfo,
  DTMF_RELAY_TYPE,
  type DTMF_TYPE,
  type DtmfMerger,
  isDtmfInfoContentType,
  parseDtmfInfo,
  planDigits,
} from './media/dtmf';
import type { PromptCache } from './media/prompts';
import type { SdpNegotiator } from './media/sdp/negotiate';
import type { MediaSession } from './media/session';
import type { Dialog, SessionBody } from './signalling';

export type DtmfSendMode = 'rfc4733' | 'inband' | 'info';

export interface EmbeddedCallOptions {
  readonly attemptId: string;
  readonly dialog: Dialog;
  /** The call's media, run by the media engine (on a worker thread or in-process). */
  readonly media: MediaSession;
  readonly negotiator: SdpNegotiator;
  readonly merger: DtmfMerger;
  readonly prompts: PromptCache;
  readonly trace: TraceSink;
  readonly receiveModes: readonly DtmfSource[];
  /** Whether the in-band detector runs on this call. */
  readonly inbandActive: boolean;
  /** Tell the in-band detector to ignore digits that begin before this wall-clock time (our own echo). */
  readonly suppressInbandUntil?: (untilMs: number) => void;
  /** Preferred send mode; `rfc4733` falls back to in-band when telephone-event was not negotiated. */
  readonly sendMode: DtmfSendMode;
  readonly toneMs: number;
  readonly gapMs: number;
  readonly infoContentType?: typeof DTMF_RELAY_TYPE | typeof DTMF_TYPE;
  /** Called once when the call has ended (the backend forgets it). */
  readonly onEnded: (call: EmbeddedCall) => void;
}

/** Echo path allowance after our own in-band digits (network round trip + PBX echo tail). */
const ECHO_MARGIN_MS = 300;

export class EmbeddedCall extends EventEmitter<CallEvents> implements Call {
  readonly attemptId: string;
  readonly callId: string;
  private stateValue: CallState;
  private readonly o: EmbeddedCallOptions;
  private ended: Promise<void>;
  private resolveEnded!: () => void;
  private finishing: Promise<void> | undefined;

  constructor(options: EmbeddedCallOptions) {
    super();
    this.o = options;
    this.attemptId = options.attemptId;
    this.callId = options.dialog.callId;
    this.stateValue = { name: 'answered', answeredAt: Date.now() };
    this.ended = new Promise((r) => {
      this.resolveEnded = r;
    });
    // Nobody may be listening for `error`-like events; an EventEmitter without listeners is fine for ours.
    const dialog = options.dialog;
    dialog.on('info', (body) => this.onInfo(body));
    dialog.on('answer', (body) => this.onAnswer(body));
    dialog.on('terminated', (t) => {
      void this.finish({ at: Date.now(), by: t.by, reason: t.reason, sipStatus: t.status });
    });
    dialog.setOfferHandler((offer) => this.onOffer(offer));
  }

  get state(): CallState {
    return this.stateValue;
  }

  get dtmfModes(): readonly DtmfSource[] {
    const modes: DtmfSource[] = [];
    const te = this.o.media.current.telephoneEventPt !== undefined;
    if (te && this.o.receiveModes.includes('rfc4733')) modes.push('rfc4733');
    if (this.o.receiveModes.includes('info')) modes.push('info');
    if (this.o.inbandActive) modes.push('inband');
    return modes;
  }

  /** Digits from the merger (all sources) enter here. */
  deliverDigit(event: DtmfEvent): void {
    if (this.stateValue.name === 'ended') return;
    this.o.trace({ kind: 'dtmf', at: event.at, direction: 'in', digit: event.digit, source: event.source });
    this.emit('dtmf', event);
  }

  async play(audio: PromptAudio, options: PlayOptions): Promise<PlayResult> {
    if (this.stateValue.name === 'ended') return { status: 'call-ended' };
    if (options.signal?.aborted) return { status: 'aborted' };
    const buffer = await this.o.prompts.get(audio, this.o.media.current.codec);
    if (this.isEnded()) return { status: 'call-ended' };
    this.o.trace({ kind: 'prompt', at: Date.now(), phase: 'start', prompt: audio.name });
    let interruptedBy: DtmfEvent['digit'] | undefined;
    let aborted = false;
    const onDigit = (e: DtmfEvent) => {
      if (!options.bargeIn || interruptedBy) return;
      interruptedBy = e.digit;
      this.o.media.stopPlayback();
    };
    const onAbort = () => {
      aborted = true;
      this.o.media.stopPlayback();
    };
    const onEnd = () => this.o.media.stopPlayback();
    this.on('dtmf', onDigit);
    this.once('end', onEnd);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const end = await this.o.media.play(buffer, this.o.media.current.codec);
      if (end === 'completed') {
        this.o.trace({ kind: 'prompt', at: Date.now(), phase: 'end', prompt: audio.name });
        return { status: 'completed' };
      }
      this.o.trace({ kind: 'prompt', at: Date.now(), phase: 'interrupted', prompt: audio.name });
      if (interruptedBy) return { status: 'interrupted', digit: interruptedBy };
      if (aborted) return { status: 'aborted' };
      // Stopped because the call is ending: answer once it has ended (`end` before `call-ended`).
      await this.finishing;
      return { status: 'call-ended' };
    } finally {
      this.off('dtmf', onDigit);
      this.off('end', onEnd);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async sendDigits(digits: string, options: SendDigitsOptions = {}): Promise<void> {
    if (this.stateValue.name === 'ended' || digits === '') return;
    const timing = { toneMs: options.toneMs ?? this.o.toneMs, gapMs: options.gapMs ?? this.o.gapMs };
    const plan = planDigits(digits, timing); // throws DialStringError on bad input, before anything is sent
    const mode = this.sendModeNow();
    const start = Date.now();
    for (const step of plan.steps) {
      if (step.kind === 'tone') {
        this.o.trace({ kind: 'dtmf', at: start + step.startMs, direction: 'out', digit: step.digit, source: mode });
      }
    }
    const abort = new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    if (mode === 'info') {
      await this.sendInfoDigits(plan, abort);
      return;
    }
    const media = this.o.media;
    // Tones we send come back on lines with echo (and on an echoing peer); without this the detector
    // would take our own extension digits for the callee's key presses (a "0" then "#" reads as fraud).
    const suppressEcho = () => this.o.suppressInbandUntil?.(Date.now() + ECHO_MARGIN_MS);
    if (mode === 'inband') this.o.suppressInbandUntil?.(start + plan.totalMs + ECHO_MARGIN_MS);
    const sending = media.sendDigits(mode, digits, timing);
    await Promise.race([sending, abort, this.ended]);
    if (mode === 'inband') suppressEcho();
    if (!options.signal?.aborted) return;
    // Aborted: stop the rest of the digits instead of letting them play out, and return only once
    // the engine has stopped — on a media worker a packet or two would otherwise follow the return.
    media.cancelOutgoing();
    await Promise.race([sending, this.ended]);
  }

  /**
   * Resolves once the media has handled every RTP packet already received for this call (on a
   * media worker that is asynchronous): what was sent before is then reflected in `dtmf` events.
   */
  mediaSettled(): Promise<void> {
    return this.o.media.settled();
  }

  async hangup(reason = 'normal clearing'): Promise<void> {
    if (this.stateValue.name === 'ended') return;
    try {
      await this.o.dialog.bye(reason);
    } catch {
      // The dialog is gone either way; `terminated` (or the line below) ends the call.
    }
    await this.finish({ at: Date.now(), by: 'local', reason });
  }

  private isEnded(): boolean {
    return this.stateValue.name === 'ended';
  }

  /**
   * Stop media and forget the call without signalling (backend stop after BYE failed). The first
   * end wins. The media stops first and the call ends only once it has: an in-band digit still
   * sounding when the far end hangs up is reported by the media as it stops (on a worker that is a
   * message later) and is delivered as a `dtmf` event before `end`.
   */
  private finish(end: CallEnd): Promise<void> {
    this.finishing ??= this.stopMediaThenEnd(end);
    return this.finishing;
  }

  private async stopMediaThenEnd(end: CallEnd): Promise<void> {
    this.o.media.close();
    await this.o.media.closed;
    if (this.stateValue.name === 'ended') return;
    this.stateValue = { name: 'ended', answeredAt: this.stateValue.answeredAt, end };
    this.o.trace({
      kind: 'media',
      at: Date.now(),
      summary: 'RTP statistics at call end',
      stats: this.o.media.statsRecord(),
    });
    this.o.trace({ kind: 'state', at: end.at, state: 'ended', detail: `${end.by}: ${end.reason}` });
    this.resolveEnded();
    this.o.onEnded(this);
    this.emit('end', end);
  }

  private sendModeNow(): DtmfSource {
    if (this.o.sendMode === 'info') return 'info';
    if (this.o.sendMode === 'rfc4733' && this.o.media.current.telephoneEventPt !== undefined) return 'rfc4733';
    return 'inband';
  }

  private async sendInfoDigits(plan: ReturnType<typeof planDigits>, abort: Promise<void>): Promise<void> {
    const start = Date.now();
    let stopped = false;
    void abort.then(() => {
      stopped = true;
    });
    for (const step of plan.steps) {
      const wait = start + step.startMs - Date.now();
      if (wait > 0) await Promise.race([sleep(wait), abort, this.ended]);
      if (stopped || this.isEnded()) return;
      if (step.kind !== 'tone') continue;
      const body = buildDtmfInfo(step.digit, step.durationMs, this.o.infoContentType ?? DTMF_RELAY_TYPE);
      const status = await this.o.dialog.sendInfo(body);
      if (status < 200 || status >= 300) {
        this.o.trace({ kind: 'note', at: Date.now(), level: 'warn', message: `INFO for ${step.digit} got ${status}` });
      }
    }
    const rest = start + plan.totalMs - Date.now();
    if (rest > 0) await Promise.race([sleep(rest), abort, this.ended]);
  }

  private onInfo(body: SessionBody): void {
    if (!isDtmfInfoContentType(body.contentType)) return;
    if (!this.o.receiveModes.includes('info')) return;
    const r = parseDtmfInfo(body.contentType, body.content);
    if (!r.ok) {
      this.o.trace({ kind: 'note', at: Date.now(), level: 'warn', message: r.error });
      return;
    }
    const at = Date.now();
    this.o.merger.push(
      r.durationMs === undefined
        ? { digit: r.digit, source: 'info', at }
        : { digit: r.digit, source: 'info', at, durationMs: r.durationMs },
    );
  }

  private onOffer(offer: SessionBody | undefined): SessionBody {
    const { body, result } = this.o.negotiator.answerOffer(offer?.content);
    // Without an offer we made one (in the 2xx); the media moves when its answer comes in the ACK.
    if (offer) this.applyMedia(result, 'SDP offer');
    return { contentType: 'application/sdp', content: body };
  }

  /** The answer to the offer we put in a 2xx (the far end re-INVITEd without SDP), from the ACK. */
  private onAnswer(answer: SessionBody): void {
    this.applyMedia(this.o.negotiator.applyAnswer(answer.content), 'SDP answer in ACK');
  }

  private applyMedia(result: ReturnType<SdpNegotiator['applyAnswer']>, what: string): void {
    if (!result.ok) {
      this.o.trace({ kind: 'note', at: Date.now(), level: 'warn', message: `${what} not usable: ${result.reason}` });
      return;
    }
    this.o.media.update(result.media);
    const m = result.media;
    this.o.trace({
      kind: 'media',
      at: Date.now(),
      summary: `re-negotiated (${what}): ${m.codec} to ${m.remoteAddress}:${m.remotePort} (${m.direction})`,
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
