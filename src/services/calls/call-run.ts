/**
 * The life of ONE verification call, used by the verification service (API, web UI, `fyrkant verify`)
 * and by `fyrkant call`: destination policy and rate limits (through the caller's `authorize`) →
 * dial → answered → IVR script → hang up → outcome (src/services/calls/outcome.ts). The callers
 * differ only in what they record on the way (hooks) and how they report the result.
 *
 * Never throws for anything the call itself does: a refusal, a dial failure, a script error and our
 * own stop (cancel, shutdown, maximum duration) all end as a result. Only a throwing hook propagates.
 */
import type { CallOutcome } from '../../domain/call-outcomes';
import { type Call, DialFailure, type Progress, type TelephonyBackend, type TraceSink } from '../../telephony/port';
import type { CallPlan, ScriptRun, Texts } from '../verification/ports';
import { classifyDialFailure, classifyRefusal, classifyScript, type StopReason, stopReasonOf } from './outcome';

export type AllowedPlan = Extract<CallPlan, { allowed: true }>;

export interface CallRunHooks {
  /** The policy allowed the call (a plan made only now, after waiting in the queue, included). */
  readonly onAuthorized?: (plan: AllowedPlan) => void;
  /** The INVITE is about to be sent. */
  readonly onDialling?: (requestUri: string) => void;
  readonly onProgress?: (progress: Progress) => void;
  /** The far end answered; the script starts right after. */
  readonly onAnswered?: (call: Call) => void;
}

export interface ScriptContext {
  /** Digits to send after answer (the extension with pauses), empty when dialled directly. */
  readonly extension: string;
  /** Aborted when the call must stop (our stop reasons, or the call's maximum duration). */
  readonly signal: AbortSignal;
}

export interface CallRunInput {
  readonly backend: TelephonyBackend;
  readonly attemptId: string;
  /** The destination policy, rate limits and dial plan, asked right before dialling. */
  readonly authorize: () => CallPlan;
  /** Gives the call slot of an allowed plan back (always called once the call is over). */
  readonly release: (decisionId: string) => void;
  readonly ringTimeoutMs: number;
  /** Counted from answer; the script is stopped (outcome `timeout`) when it is reached. */
  readonly maxCallMs: number;
  readonly trace: TraceSink;
  /** Abort with a `StopReason` (`cancelled`, `shutdown`); any other abort counts as `cancelled`. */
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  readonly runScript: (call: Call, ctx: ScriptContext) => Promise<ScriptRun>;
  readonly hooks?: CallRunHooks;
}

interface Common {
  readonly outcome: CallOutcome;
  readonly reasonCode: string;
}

export type CallRunResult =
  | (Common & {
      readonly stage: 'refused';
      readonly refusal: {
        readonly kind: 'policy' | 'rate-limit';
        readonly message: Texts;
        readonly retryAfterMs?: number;
      };
    })
  | (Common & {
      readonly stage: 'not-answered';
      readonly requestUri: string;
      readonly failure: DialFailure;
      readonly sipStatus?: number;
      readonly sipReason?: string;
      readonly callId?: string;
    })
  | (Common & {
      readonly stage: 'answered';
      readonly requestUri: string;
      /** The final status of the INVITE. */
      readonly sipStatus: 200;
      readonly callId: string;
      readonly answeredAt: number;
      readonly firstDigitAt?: number;
      readonly run: ScriptRun;
    });

export async function runVerificationCall(input: CallRunInput): Promise<CallRunResult> {
  const stopper = new AbortController();
  const forward = () => stopper.abort(stopReasonOf(input.signal!) ?? 'cancelled');
  input.signal?.addEventListener('abort', forward, { once: true });
  if (input.signal?.aborted) forward();
  let decisionId: string | undefined;
  try {
    const plan = input.authorize();
    if (!plan.allowed) {
      return {
        stage: 'refused',
        ...classifyRefusal(plan.kind, plan.reasonCode),
        refusal: {
          kind: plan.kind,
          message: plan.message,
          ...(plan.retryAfterMs !== undefined ? { retryAfterMs: plan.retryAfterMs } : {}),
        },
      };
    }
    decisionId = plan.decisionId;
    input.hooks?.onAuthorized?.(plan);
    return await dialAndRun(input, plan, stopper);
  } finally {
    input.signal?.removeEventListener('abort', forward);
    if (decisionId) input.release(decisionId);
  }
}

async function dialAndRun(input: CallRunInput, plan: AllowedPlan, stopper: AbortController): Promise<CallRunResult> {
  const requestUri = plan.requestUri;
  const stop = () => stopReasonOf(stopper.signal);
  input.hooks?.onDialling?.(requestUri);
  let call: Call;
  try {
    call = await input.backend.dial(
      {
        attemptId: input.attemptId,
        requestUri,
        policyDecisionId: plan.decisionId,
        ringTimeoutMs: input.ringTimeoutMs,
        ...(input.headers ? { headers: input.headers } : {}),
        trace: input.trace,
      },
      stopper.signal,
      input.hooks?.onProgress ? { onProgress: input.hooks.onProgress } : undefined,
    );
  } catch (err) {
    const failure =
      err instanceof DialFailure
        ? err
        : new DialFailure('network', `dial failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
    const c = classifyDialFailure(failure, stop());
    return {
      stage: 'not-answered',
      ...c,
      ...(err instanceof DialFailure ? {} : { reasonCode: stop() ?? 'dial-error' }),
      requestUri,
      failure,
      ...(failure.sipStatus ? { sipStatus: failure.sipStatus } : {}),
      ...(failure.sipReason ? { sipReason: failure.sipReason } : {}),
      ...(failure.callId ? { callId: failure.callId } : {}),
    };
  }
  return answered(input, plan, call, stopper, stop);
}

async function answered(
  input: CallRunInput,
  plan: AllowedPlan,
  call: Call,
  stopper: AbortController,
  stop: () => StopReason | undefined,
): Promise<CallRunResult> {
  const answeredAt = Date.now();
  let firstDigitAt: number | undefined;
  call.once('dtmf', (ev) => {
    firstDigitAt = ev.at;
  });
  const maxTimer = setTimeout(() => stopper.abort('max-duration' satisfies StopReason), input.maxCallMs);
  let run: ScriptRun;
  try {
    input.hooks?.onAnswered?.(call);
    run = await input.runScript(call, { extension: plan.postAnswerDigits, signal: stopper.signal }).catch(
      (err: unknown): ScriptRun => ({
        result: 'error',
        digits: '',
        detail: err instanceof Error ? err.message : String(err),
      }),
    );
  } finally {
    clearTimeout(maxTimer);
    await call.hangup('verification finished').catch(() => undefined);
  }
  return {
    stage: 'answered',
    ...classifyScript(run.result, stop()),
    requestUri: plan.requestUri,
    sipStatus: 200,
    callId: call.callId,
    answeredAt,
    ...(firstDigitAt !== undefined ? { firstDigitAt } : {}),
    run,
  };
}
