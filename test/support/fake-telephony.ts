/**
 * A scripted, in-memory implementation of the telephony port (`src/telephony/port.ts`) for testing the
 * layers above it (IVR, verification service, API, UI) without SIP. It is a test double of our *own*
 * port, never of a third-party protocol.
 *
 * Each dial consumes a `FakeCallPlan`: how the dial ends (answer, failure, never answered), what the far
 * end does after answer (DTMF with timings, hangups) and when — relative to the answer, to a prompt
 * starting/ending, or to digits having been sent. Everything the code under test does to the call
 * (plays, sent digits, hangups) is recorded in order so tests can assert on it.
 *
 * Timings are real milliseconds (keep them small); nothing here uses fake timers, so the code under
 * test runs exactly as it would against a real backend.
 */
import { EventEmitter } from 'node:events';
import {
  type Availability,
  type AvailabilityOptions,
  type BackendHealth,
  type BackendName,
  type Call,
  type CallEnd,
  type CallEvents,
  type CallState,
  DialFailure,
  type DialFailureReason,
  type DialHooks,
  type DialRequest,
  type DtmfDigit,
  type DtmfEvent,
  type DtmfSource,
  discardTrace,
  isDtmfDigit,
  type PlayOptions,
  type PlayResult,
  type Progress,
  type PromptAudio,
  type SendDigitsOptions,
  type TelephonyBackend,
  type TraceSink,
} from '../../src/telephony/port';

// ---------------------------------------------------------------------------------------------
// Plans

/** What starts a scripted step. `prompt` matches a substring of `PromptAudio.name` (or a RegExp). */
export type FakeTrigger =
  | { readonly after: 'answer' }
  | { readonly after: 'prompt-start' | 'prompt-end'; readonly prompt?: string | RegExp; readonly nth?: number }
  | { readonly after: 'digits-sent'; readonly nth?: number };

export type FakeAction =
  /** The far end presses digits, `gapMs` apart (default 60 ms). */
  | {
      readonly do: 'dtmf';
      readonly digits: string;
      readonly gapMs?: number;
      readonly source?: DtmfSource;
      readonly durationMs?: number;
    }
  /** The far end hangs up (BYE). */
  | { readonly do: 'hangup'; readonly reason?: string }
  /** The call dies under us (media timeout, transport error). */
  | { readonly do: 'fail'; readonly reason?: string };

export interface FakeStep {
  /** Default: `{ after: 'answer' }`. */
  readonly on?: FakeTrigger;
  /** Wait this long after the trigger before acting (default 0). */
  readonly delayMs?: number;
  readonly action: FakeAction;
}

export type FakeDialOutcome =
  | { readonly kind: 'answer'; readonly afterMs?: number }
  | {
      readonly kind: 'fail';
      readonly reason: DialFailureReason;
      readonly sipStatus?: number;
      readonly sipReason?: string;
      readonly afterMs?: number;
    }
  /** Rings until `ringTimeoutMs` (→ `no-answer`) or until the dial is aborted (→ `cancelled`). */
  | { readonly kind: 'never' };

export interface FakeCallPlan {
  /** Default: answer after 5 ms. */
  readonly dial?: FakeDialOutcome;
  /** Reported through `DialHooks.onProgress` before the outcome, `atMs` after the dial started. */
  readonly progress?: readonly { readonly atMs: number; readonly progress: 'trying' | 'ringing' | 'early-media' }[];
  readonly dtmfModes?: readonly DtmfSource[];
  /** How long a prompt plays (default 30 ms); a function can derive it from the prompt. */
  readonly playMs?: number | ((audio: PromptAudio) => number);
  /** How long `sendDigits` takes (default 5 ms regardless of the digits). */
  readonly sendDigitsMs?: number;
  readonly steps?: readonly FakeStep[];
  readonly callId?: string;
}

// Small helpers so tests read like the call they describe.
export const press = (
  digits: string,
  on: FakeTrigger = { after: 'answer' },
  delayMs = 0,
  options: { gapMs?: number; source?: DtmfSource } = {},
): FakeStep => ({ on, delayMs, action: { do: 'dtmf', digits, ...options } });
export const remoteHangup = (on: FakeTrigger = { after: 'answer' }, delayMs = 0): FakeStep => ({
  on,
  delayMs,
  action: { do: 'hangup' },
});
export const afterPrompt = (prompt?: string | RegExp, nth = 1): FakeTrigger => ({ after: 'prompt-start', prompt, nth });
export const afterPromptEnd = (prompt?: string | RegExp, nth = 1): FakeTrigger => ({
  after: 'prompt-end',
  prompt,
  nth,
});
export const afterDigitsSent = (nth = 1): FakeTrigger => ({ after: 'digits-sent', nth });

// ---------------------------------------------------------------------------------------------
// Records

export interface FakePlayRecord {
  readonly name: string;
  readonly path: string;
  readonly hash: string;
  readonly bargeIn: boolean;
  readonly startedAt: number;
  /** Filled when the play settles. */
  result?: PlayResult;
}

export interface FakeSentDigits {
  readonly digits: string;
  readonly at: number;
  readonly options?: SendDigitsOptions;
}

/** One ordered timeline of everything that happened on the call, for order assertions. */
export type FakeLogEntry =
  | { readonly type: 'play'; readonly name: string; readonly at: number }
  | { readonly type: 'play-end'; readonly name: string; readonly status: PlayResult['status']; readonly at: number }
  | { readonly type: 'send-digits'; readonly digits: string; readonly at: number }
  | { readonly type: 'dtmf-in'; readonly digit: DtmfDigit; readonly at: number }
  | { readonly type: 'end'; readonly by: CallEnd['by']; readonly reason: string; readonly at: number };

// ---------------------------------------------------------------------------------------------
// The call

let callCounter = 0;

export class FakeCall extends EventEmitter<CallEvents> implements Call {
  readonly attemptId: string;
  readonly callId: string;
  readonly dtmfModes: readonly DtmfSource[];
  readonly plays: FakePlayRecord[] = [];
  readonly sentDigits: FakeSentDigits[] = [];
  readonly received: DtmfEvent[] = [];
  readonly log: FakeLogEntry[] = [];
  readonly hangupReasons: string[] = [];
  private _state: CallState;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly counters = { promptStart: new Map<FakeStep, number>(), promptEnd: new Map<FakeStep, number>() };
  private digitsSentCount = 0;

  constructor(
    readonly plan: FakeCallPlan = {},
    options: { attemptId?: string; trace?: TraceSink } = {},
  ) {
    super();
    this.attemptId = options.attemptId ?? `fake-attempt-${++callCounter}`;
    this.callId = plan.callId ?? `fake-${callCounter}-${Date.now().toString(36)}@127.0.0.1`;
    this.dtmfModes = plan.dtmfModes ?? ['rfc4733'];
    this.trace = options.trace ?? discardTrace;
    this._state = { name: 'answered', answeredAt: Date.now() };
    this.trace({ kind: 'state', at: Date.now(), state: 'answered' });
    for (const step of plan.steps ?? []) {
      if ((step.on ?? { after: 'answer' }).after === 'answer') this.schedule(step);
    }
  }

  private readonly trace: TraceSink;

  get state(): CallState {
    return this._state;
  }

  get ended(): boolean {
    return this._state.name === 'ended';
  }

  /** Digits sent so far, concatenated (convenient for `expect(call.allSentDigits).toBe('1001')`). */
  get allSentDigits(): string {
    return this.sentDigits.map((s) => s.digits).join('');
  }

  // --- what the far end does (tests may also call these directly) -------------------------------

  /** The far end presses digits now (`gapMs` apart). Resolves after the last one. */
  async press(digits: string, options: { gapMs?: number; source?: DtmfSource; durationMs?: number } = {}) {
    const gap = options.gapMs ?? 60;
    const list = [...digits];
    for (let i = 0; i < list.length; i++) {
      if (i > 0) await this.sleep(gap);
      if (this.ended) return;
      const d = list[i]!;
      if (!isDtmfDigit(d)) throw new Error(`FakeCall.press: '${d}' is not a DTMF digit`);
      const ev: DtmfEvent = {
        digit: d,
        source: options.source ?? this.dtmfModes[0] ?? 'rfc4733',
        at: Date.now(),
        ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      };
      this.received.push(ev);
      this.log.push({ type: 'dtmf-in', digit: d, at: ev.at });
      this.trace({ kind: 'dtmf', at: ev.at, direction: 'in', digit: d, source: ev.source });
      this.emit('dtmf', ev);
    }
  }

  /** The far end hangs up. */
  remoteHangup(reason = 'remote BYE'): void {
    this.end({ at: Date.now(), by: 'remote', reason });
  }

  /** The call fails under us (e.g. RTP timeout). */
  fail(reason = 'media timeout'): void {
    this.end({ at: Date.now(), by: 'error', reason });
  }

  // --- the port -----------------------------------------------------------------------------------

  play(audio: PromptAudio, options: PlayOptions): Promise<PlayResult> {
    const record: FakePlayRecord = {
      name: audio.name,
      path: audio.path,
      hash: audio.hash,
      bargeIn: options.bargeIn,
      startedAt: Date.now(),
    };
    if (this.ended) return Promise.resolve(this.settle(record, { status: 'call-ended' }));
    if (options.signal?.aborted) return Promise.resolve(this.settle(record, { status: 'aborted' }));
    this.plays.push(record);
    this.log.push({ type: 'play', name: audio.name, at: record.startedAt });
    this.trace({ kind: 'prompt', at: record.startedAt, phase: 'start', prompt: audio.name });
    const ms = typeof this.plan.playMs === 'function' ? this.plan.playMs(audio) : (this.plan.playMs ?? 30);
    return new Promise<PlayResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) {
          clearTimeout(timer);
          this.timers.delete(timer);
        }
        this.off('dtmf', onDtmf);
        this.off('end', onEnd);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const finish = (result: PlayResult) => {
        cleanup();
        resolve(this.settle(record, result));
        this.fireTriggers('prompt-end', audio.name);
      };
      const onDtmf = (ev: DtmfEvent) => {
        if (options.bargeIn) finish({ status: 'interrupted', digit: ev.digit });
      };
      const onEnd = () => finish({ status: 'call-ended' });
      const onAbort = () => finish({ status: 'aborted' });
      this.on('dtmf', onDtmf);
      this.on('end', onEnd);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => finish({ status: 'completed' }), ms);
      this.timers.add(timer);
      this.fireTriggers('prompt-start', audio.name);
    });
  }

  async sendDigits(digits: string, options?: SendDigitsOptions): Promise<void> {
    for (const ch of digits) {
      if (!isDtmfDigit(ch) && ch !== ',' && ch !== 'w' && ch !== 'W') {
        throw new Error(`sendDigits: '${ch}' is neither a DTMF digit nor a pause (',', 'w')`);
      }
    }
    if (this.ended) throw new Error('sendDigits: the call has ended');
    if (options?.signal?.aborted) throw new Error('sendDigits: aborted');
    await this.sleep(this.plan.sendDigitsMs ?? 5);
    if (this.ended) throw new Error('sendDigits: the call ended while sending');
    const at = Date.now();
    this.sentDigits.push({ digits, at, ...(options ? { options } : {}) });
    this.log.push({ type: 'send-digits', digits, at });
    for (const d of digits) {
      if (isDtmfDigit(d)) this.trace({ kind: 'dtmf', at, direction: 'out', digit: d, source: 'rfc4733' });
    }
    this.digitsSentCount++;
    for (const step of this.plan.steps ?? []) {
      const on = step.on;
      if (on?.after === 'digits-sent' && (on.nth ?? 1) === this.digitsSentCount) this.schedule(step);
    }
  }

  async hangup(reason = 'local hangup'): Promise<void> {
    this.hangupReasons.push(reason);
    if (!this.ended) this.end({ at: Date.now(), by: 'local', reason });
  }

  // --- internals ----------------------------------------------------------------------------------

  private settle(record: FakePlayRecord, result: PlayResult): PlayResult {
    record.result = result;
    const at = Date.now();
    // A play refused up front (call already ended, signal already aborted) never started: nothing to log.
    if (this.plays.includes(record)) {
      this.log.push({ type: 'play-end', name: record.name, status: result.status, at });
      this.trace({
        kind: 'prompt',
        at,
        phase: result.status === 'completed' ? 'end' : 'interrupted',
        prompt: record.name,
      });
    }
    return result;
  }

  private end(end: CallEnd): void {
    if (this._state.name === 'ended') return;
    this._state = { name: 'ended', answeredAt: this._state.answeredAt, end };
    this.log.push({ type: 'end', by: end.by, reason: end.reason, at: end.at });
    this.trace({ kind: 'state', at: end.at, state: 'ended', detail: `${end.by}: ${end.reason}` });
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.emit('end', end);
  }

  private fireTriggers(kind: 'prompt-start' | 'prompt-end', name: string): void {
    const counts = kind === 'prompt-start' ? this.counters.promptStart : this.counters.promptEnd;
    for (const step of this.plan.steps ?? []) {
      const on = step.on;
      if (!on || on.after !== kind) continue;
      const p = on.prompt;
      const matches = p === undefined || (typeof p === 'string' ? name.includes(p) : p.test(name));
      if (!matches) continue;
      const n = (counts.get(step) ?? 0) + 1;
      counts.set(step, n);
      if (n === (on.nth ?? 1)) this.schedule(step);
    }
  }

  private schedule(step: FakeStep): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.ended) return;
      const a = step.action;
      if (a.do === 'dtmf') {
        this.press(a.digits, a).catch(() => {});
      } else if (a.do === 'hangup') this.remoteHangup(a.reason);
      else this.fail(a.reason);
    }, step.delayMs ?? 0);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // A call that ends while we sleep must not leave the caller hanging.
      const onEnd = () => resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.off('end', onEnd);
        resolve();
      }, ms);
      this.timers.add(t);
      this.once('end', onEnd);
    });
  }
}

/** An answered fake call, without a backend (for IVR unit tests). */
export function fakeCall(plan: FakeCallPlan = {}, options: { attemptId?: string; trace?: TraceSink } = {}): FakeCall {
  return new FakeCall(plan, options);
}

// ---------------------------------------------------------------------------------------------
// The backend

export interface FakeTelephonyOptions {
  readonly name?: BackendName;
  /** Plan used when no queued plan and no planner applies. */
  readonly defaultPlan?: FakeCallPlan;
  /** Decide per request (e.g. by `requestUri`); takes precedence over the default plan, not the queue. */
  readonly planner?: (request: DialRequest) => FakeCallPlan | undefined;
  readonly health?: Partial<Omit<BackendHealth, 'backend' | 'activeCalls' | 'checkedAt'>>;
}

export class FakeTelephony implements TelephonyBackend {
  readonly name: BackendName;
  readonly dials: DialRequest[] = [];
  readonly calls: FakeCall[] = [];
  started = false;
  stopped = false;
  /** Every `setAvailability` the node made, in order (a real backend would change its SIP answers). */
  readonly availability: { availability: Availability; retryAfterSeconds?: number }[] = [];
  private readonly queue: FakeCallPlan[] = [];

  constructor(private readonly options: FakeTelephonyOptions = {}) {
    this.name = options.name ?? 'embedded';
  }

  /** Queue plans; each dial takes the next one. */
  enqueue(...plans: FakeCallPlan[]): this {
    this.queue.push(...plans);
    return this;
  }

  async start(): Promise<void> {
    this.started = true;
    this.stopped = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.calls.filter((c) => !c.ended).map((c) => c.hangup('backend stopping')));
  }

  setAvailability(availability: Availability, options: AvailabilityOptions = {}): void {
    this.availability.push({
      availability,
      ...(options.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.retryAfterSeconds } : {}),
    });
  }

  async health(): Promise<BackendHealth> {
    return {
      backend: this.name,
      connected: this.options.health?.connected ?? this.started,
      trunk: this.options.health?.trunk ?? 'reachable',
      activeCalls: this.calls.filter((c) => !c.ended).length,
      ...(this.options.health?.detail ? { detail: this.options.health.detail } : {}),
      checkedAt: Date.now(),
    };
  }

  dial(request: DialRequest, signal?: AbortSignal, hooks?: DialHooks): Promise<Call> {
    this.dials.push(request);
    const trace = request.trace ?? discardTrace;
    const uri = request.requestUri;
    const fail = (reason: DialFailureReason, message: string, status?: number, sipReason?: string) =>
      Promise.reject(new DialFailure(reason, message, status, sipReason));
    // Same contract as the real backends: no policy decision, no INVITE.
    if (!request.policyDecisionId) return fail('policy', 'refusing to dial without a policy decision');
    if (this.stopped) return fail('unavailable', 'backend stopped');
    const plan = this.queue.shift() ?? this.options.planner?.(request) ?? this.options.defaultPlan ?? {};
    const outcome = plan.dial ?? { kind: 'answer', afterMs: 5 };
    trace({ kind: 'sip', at: Date.now(), direction: 'out', peer: 'fake:127.0.0.1', summary: `INVITE ${uri}`, raw: '' });

    return new Promise<Call>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const cleanup = () => {
        for (const t of timers) clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        trace({ kind: 'sip', at: Date.now(), direction: 'out', peer: 'fake:127.0.0.1', summary: 'CANCEL', raw: '' });
        reject(new DialFailure('cancelled', 'dial cancelled', 487, 'Request Terminated'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const p of plan.progress ?? []) {
        timers.push(
          setTimeout(() => {
            const at = Date.now();
            const progress: Progress =
              p.progress === 'trying'
                ? { kind: 'trying', at }
                : { kind: p.progress, at, sipStatus: p.progress === 'ringing' ? 180 : 183 };
            hooks?.onProgress?.(progress);
          }, p.atMs),
        );
      }
      if (outcome.kind === 'answer') {
        timers.push(
          setTimeout(() => {
            cleanup();
            trace({ kind: 'sip', at: Date.now(), direction: 'in', peer: 'fake:127.0.0.1', summary: '200 OK', raw: '' });
            const call = new FakeCall(plan, { attemptId: request.attemptId, trace });
            this.calls.push(call);
            resolve(call);
          }, outcome.afterMs ?? 5),
        );
      } else if (outcome.kind === 'fail') {
        timers.push(
          setTimeout(() => {
            cleanup();
            reject(
              new DialFailure(
                outcome.reason,
                `fake dial failed: ${outcome.reason}`,
                outcome.sipStatus,
                outcome.sipReason,
              ),
            );
          }, outcome.afterMs ?? 5),
        );
      } else {
        timers.push(
          setTimeout(() => {
            cleanup();
            reject(new DialFailure('no-answer', 'not answered before the ring timeout', 487, 'Request Terminated'));
          }, request.ringTimeoutMs),
        );
      }
    });
  }
}
