/**
 * Runs one script on one answered call: the verbs in order, `goto` jumps, `when` conditions. It is
 * deterministic (the only randomness, `{challengeDigit}`, is chosen before the run and recorded), and
 * stops at once when the call ends, the maximum call duration is reached or the caller aborts: every
 * wait inside a verb listens to one AbortSignal. The call is always ended when the run returns.
 */
import { randomInt } from 'node:crypto';
import {
  type Call,
  type CallEnd,
  type DtmfSource,
  discardTrace,
  type PlayResult,
  type TraceSink,
} from '../telephony/port';
import { holds } from './conditions';
import { DtmfBuffer } from './dtmf-buffer';
import { describeEvent, type IvrEvent, type IvrEventSink } from './events';
import type { PromptProvider, PromptRequest, PromptSource } from './prompt-source';
import { describeResult, type ScriptResult, type SettableResult } from './results';
import type { LoadedScript } from './script';
import type { Vars } from './template';
import type { Next, PinVerifier, RunState, VerbContext } from './verbs/base';
import { createVerb } from './verbs/factory';

/** Per-call values for templates and patterns. */
export interface IvrVars {
  /** Digits dialled after answer (may contain `,`/`w` pauses); empty or absent: no extension. */
  readonly extension?: string;
  readonly company: string;
  /** BCP 47 tag of the user's language; prompts fall back to the script's language. */
  readonly language: string;
  readonly displayName?: string;
  /** Normally left out: a random digit 1–9 is drawn per call (crypto). Tests pass one to be deterministic. */
  readonly challengeDigit?: string;
}

export interface RunScriptOptions {
  readonly script: LoadedScript;
  readonly call: Call;
  readonly vars: IvrVars;
  readonly prompts: PromptProvider;
  /** Needed by scripts with a `pin: true` match. */
  readonly pinVerifier?: PinVerifier;
  /** Abort to stop the run (the call is hung up). */
  readonly signal?: AbortSignal;
  /** The attempt's trace; each IVR event is mirrored into it as a `note`. */
  readonly trace?: TraceSink;
  /** Structured IVR events (verb start/end, prompts, digits, result). */
  readonly onEvent?: IvrEventSink;
  /** Maximum call duration counted from answer; a script's own `maxCallMs` can only lower it. */
  readonly maxCallMs: number;
  /**
   * Site-wide delays around sending `{extension}` (config `dialPlan.extension.preDelayMs/postDelayMs`);
   * when given they replace the delays written in the script's `send-digits` step for the extension.
   */
  readonly extensionDelays?: { readonly preDelayMs?: number; readonly postDelayMs?: number };
  /**
   * The script set a result (a `gather` matched, `set-result`), with the keys that decided it. The
   * run goes on (goodbye prompt, hang-up); the caller may record the decision now (issue 20).
   */
  readonly onDecided?: (decision: ScriptDecision) => void;
}

export interface ScriptDecision {
  readonly result: SettableResult;
  readonly digits: string;
  readonly dtmfSource?: DtmfSource;
  readonly extensionSent: boolean;
}

export type EndedBy = 'script' | 'remote' | 'max-duration' | 'aborted' | 'error';

export interface ScriptOutcome {
  readonly scriptId: string;
  readonly scriptHash: string;
  readonly result: ScriptResult;
  /** Plain words for the result (and the error, if any). */
  readonly reason: string;
  /** The keys of the input that decided the result, e.g. `#`, `0#`, `7`; PIN digits masked as `*`. */
  readonly digits: string;
  /** Where the deciding digit came from (RFC 4733, SIP INFO or in-band). */
  readonly dtmfSource?: DtmfSource;
  readonly extensionSent: boolean;
  readonly challengeDigit: string;
  readonly language: string;
  readonly endedBy: EndedBy;
  readonly error?: string;
  readonly stepsRun: number;
  readonly startedAt: number;
  readonly durationMs: number;
}

/** Guards against `goto` loops that never wait on anything. */
const MAX_STEPS = 10_000;

export async function runScript(options: RunScriptOptions): Promise<ScriptOutcome> {
  return new IvrSession(options).run();
}

export class IvrSession {
  private readonly stopper = new AbortController();
  private stopCause: Exclude<EndedBy, 'script' | 'error'> | undefined;
  private readonly state: RunState;
  private readonly source: PromptSource;
  private readonly dtmf: DtmfBuffer;
  private readonly trace: TraceSink;
  private readonly language: string;
  private readonly challengeDigit: string;

  constructor(private readonly o: RunScriptOptions) {
    this.language = o.vars.language;
    this.challengeDigit = o.vars.challengeDigit ?? String(randomInt(1, 10));
    const vars: Vars = {
      company: o.vars.company,
      language: o.vars.language,
      challengeDigit: this.challengeDigit,
      ...(o.vars.extension ? { extension: o.vars.extension } : {}),
      ...(o.vars.displayName ? { displayName: o.vars.displayName } : {}),
    };
    this.state = { result: undefined, vars, decidingDigits: '', decidingSource: undefined, extensionSent: false };
    this.source = o.prompts.forScript(o.script, this.language);
    this.dtmf = new DtmfBuffer(o.call);
    this.trace = o.trace ?? discardTrace;
  }

  async run(): Promise<ScriptOutcome> {
    const { script, call } = this.o;
    const startedAt = Date.now();
    const cleanups = this.armStops();
    this.emit({ kind: 'script-start', at: startedAt, scriptId: script.id, hash: script.hash, language: this.language });
    let error: string | undefined;
    let stepsRun = 0;
    try {
      stepsRun = await this.loop();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.emit({ kind: 'error', at: Date.now(), message: error });
    } finally {
      cleanups();
      this.dtmf.dispose();
    }
    const endedBy: EndedBy = error ? 'error' : (this.stopCause ?? 'script');
    const result: ScriptResult = this.state.result ?? fallbackResult(endedBy);
    if (call.state.name !== 'ended') {
      await call.hangup(endedBy === 'script' ? 'script finished' : endedBy).catch(() => {});
    }
    this.emit({ kind: 'result', at: Date.now(), result });
    return {
      scriptId: script.id,
      scriptHash: script.hash,
      result,
      reason: describeResult(result) + (error ? ` (${error})` : ''),
      digits: this.state.decidingDigits,
      ...(this.state.decidingSource ? { dtmfSource: this.state.decidingSource } : {}),
      extensionSent: this.state.extensionSent,
      challengeDigit: this.challengeDigit,
      language: this.language,
      endedBy,
      ...(error ? { error } : {}),
      stepsRun,
      startedAt,
      durationMs: Date.now() - startedAt,
    };
  }

  private async loop(): Promise<number> {
    const { script } = this.o;
    const ctx = this.context();
    const verbs = script.steps.map((s) => createVerb(s));
    let pc = 0;
    let run = 0;
    while (pc < verbs.length && !this.stopper.signal.aborted) {
      if (++run > MAX_STEPS) throw new Error(`more than ${MAX_STEPS} steps: does a goto loop without waiting?`);
      const verb = verbs[pc]!;
      const step = verb.step;
      if (step.when && !holds(step.when, this.state)) {
        this.emit({ kind: 'step-skipped', at: Date.now(), step: step.index, verb: step.verb });
        pc++;
        continue;
      }
      this.emit({
        kind: 'verb-start',
        at: Date.now(),
        step: step.index,
        verb: step.verb,
        ...(step.id ? { id: step.id } : {}),
      });
      const next: Next = await verb.run(ctx);
      const then = next.kind === 'goto' ? `goto ${next.step}` : next.kind;
      this.emit({ kind: 'verb-end', at: Date.now(), step: step.index, verb: step.verb, then });
      if (next.kind === 'stop') break;
      if (next.kind === 'goto') {
        const target = script.labels.get(next.step);
        // The validator rejects unknown labels; this guards scripts built in code.
        if (target === undefined) throw new Error(`goto: no step has id "${next.step}"`);
        pc = target;
      } else pc++;
    }
    return run;
  }

  /** Stop on call end, on maximum duration, on the caller's abort; returns the cleanup. */
  private armStops(): () => void {
    const { call, signal, script } = this.o;
    const stop = (cause: Exclude<EndedBy, 'script' | 'error'>) => {
      if (this.stopper.signal.aborted) return;
      this.stopCause = cause;
      this.stopper.abort();
    };
    // Our own `hangup` verb ends the call too: that is the script finishing, not the far end leaving.
    const onEnd = (end: CallEnd) => (end.by === 'local' ? this.stopper.abort() : stop('remote'));
    call.on('end', onEnd);
    if (call.state.name === 'ended') onEnd(call.state.end);
    const onAbort = () => stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) stop('aborted');
    const limit = Math.min(this.o.maxCallMs, script.data.maxCallMs ?? Number.POSITIVE_INFINITY);
    const answeredAt = call.state.answeredAt;
    const timer = setTimeout(() => stop('max-duration'), Math.max(0, answeredAt + limit - Date.now()));
    return () => {
      clearTimeout(timer);
      call.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  private context(): VerbContext {
    const signal = this.stopper.signal;
    const { call } = this.o;
    return {
      call,
      script: this.o.script,
      state: this.state,
      dtmf: this.dtmf,
      pin: this.o.pinVerifier,
      extensionDelays: this.o.extensionDelays,
      signal,
      emit: (e) => this.emit(e),
      play: (request, bargeIn) => this.play(request, bargeIn),
      sleep: (ms, opts) => this.sleep(ms, opts?.bargeIn ?? false),
      setResult: (r: SettableResult) => {
        this.state.result = r;
        this.emit({ kind: 'result', at: Date.now(), result: r });
        const s = this.state;
        this.o.onDecided?.({
          result: r,
          digits: s.decidingDigits,
          ...(s.decidingSource ? { dtmfSource: s.decidingSource } : {}),
          extensionSent: s.extensionSent,
        });
      },
    };
  }

  private async play(request: PromptRequest, bargeIn: boolean): Promise<PlayResult> {
    const signal = this.stopper.signal;
    if (signal.aborted) return { status: 'aborted' };
    const audio = await this.source.audio(request, this.state.vars, signal);
    if (signal.aborted) return { status: 'aborted' };
    const r = await this.o.call.play(audio, { bargeIn, signal });
    this.emit({ kind: 'prompt', at: Date.now(), name: audio.name, status: r.status });
    return r;
  }

  private sleep(ms: number, bargeIn: boolean): Promise<'elapsed' | 'digit' | 'stopped'> {
    const signal = this.stopper.signal;
    if (signal.aborted) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const done = (r: 'elapsed' | 'digit' | 'stopped') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.o.call.off('dtmf', onDigit);
        resolve(r);
      };
      const onAbort = () => done('stopped');
      const onDigit = () => done('digit');
      const timer = setTimeout(() => done('elapsed'), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      if (bargeIn) {
        if (this.dtmf.pending > 0) return done('digit');
        this.o.call.on('dtmf', onDigit);
      }
    });
  }

  private emit(e: IvrEvent): void {
    this.o.onEvent?.(e);
    this.trace({
      kind: 'note',
      at: e.at,
      level: e.kind === 'error' ? 'error' : 'info',
      message: describeEvent(e),
    });
  }
}

function fallbackResult(endedBy: EndedBy): ScriptResult {
  switch (endedBy) {
    case 'remote':
      return 'hangup';
    case 'max-duration':
      return 'max-duration';
    case 'aborted':
      return 'aborted';
    case 'error':
      return 'error';
    case 'script':
      return 'no-result';
  }
}
