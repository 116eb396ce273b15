/**
 * The verification service: starts attempts (enrollment, sign-in, test), runs them through the call
 * queue, the telephony port and the IVR script, and records every step.
 *
 * Order of checks when starting: user exists and is not blocked → one-time bypass (sign-in) →
 * destination policy and rate limits (a denial is recorded as an ended attempt and NO call is
 * placed) → queue (global concurrency) → dial. Every state change is committed before it is
 * published to listeners.
 */
import type { Logger } from 'pino';
import { generateAppPassword, normaliseAppPassword } from '../../domain/app-passwords/generate';
import type { AttemptPurpose, AttemptTransition } from '../../domain/attempt-state';
import type { CallOutcome } from '../../domain/call-outcomes';
import { hashSecret, verifySecret } from '../../domain/secrets/slow-hash';
import type { LoadedScript } from '../../ivr/script';
import type { Metrics } from '../../observability/metrics';
import {
  type Attempt,
  activeAppPasswordHashes,
  audit,
  chainTailId,
  claimRetry,
  consumeBypass,
  createAttempt,
  dueRetries,
  endUnfinishedAttempts,
  getAttempt,
  getDefaultPhoneMethod,
  getPhoneMethod,
  getUser,
  immediate,
  isBlocked,
  linkRetry,
  listPhoneMethods,
  RETRY_PLACING,
  requireAttempt,
  type Store,
  setAttemptDecision,
  setAttemptOrigin,
  unclaimRetry,
} from '../../store';
import type { AttemptRow, PhoneMethodRow, UserRow } from '../../store/schema';
import type { TelephonyBackend } from '../../telephony/port';
import { type AllowedPlan, type CallRunResult, runVerificationCall } from '../calls/call-run';
import {
  type Classified,
  classifyRefusal,
  classifyScript,
  isAnswer,
  OUTCOME_OF_STOP,
  type StopReason,
  stopReasonOf,
} from '../calls/outcome';
import type { AttemptBus } from './attempt-bus';
import type { CallOwnership } from './call-ownership';
import { CallQueue } from './call-queue';
import { type EndDetails, type FinishInput, type FinishResult, finishAttempt, queueWebhookFor } from './finish';
import { MemoryOneTimeSecrets } from './memory-one-time-secrets';
import type { IssuedAppPassword, OneTimeSecrets } from './one-time-secrets';
import type { CallPlanner, CallTarget, ScriptAnswer, ScriptRunner, Texts } from './ports';
import { TRACE_BATCH_WINDOW_MS, type VerificationSettings } from './settings';
import { TraceBatch } from './trace-batch';
import { traceRecorder } from './trace-recorder';

/** One queued call: what `runCall` needs, fixed when the attempt is placed. */
interface CallJob {
  readonly attempt: Attempt;
  /** Null for a draft's test call (a typed destination, no user or stored phone). */
  readonly user: UserRow | null;
  readonly method: PhoneMethodRow | null;
  /** The script editor's unsaved draft this call runs instead of the purpose's script (issue 15). */
  readonly draft?: DraftTest;
  readonly target: CallTarget;
  /** The plan taken at once when a line was free; otherwise taken when the call's turn comes. */
  readonly authorized: AllowedPlan | undefined;
  readonly controller: AbortController;
}

/** A new app password: shown once to the caller, stored only as its hash. */
interface NewAppPassword {
  readonly password: string;
  readonly hash: string;
}

export interface VerificationDeps {
  readonly store: Store;
  readonly backend: TelephonyBackend;
  readonly planner: CallPlanner;
  readonly scripts: ScriptRunner;
  readonly bus: AttemptBus;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly settings: VerificationSettings;
  /**
   * Called after an attempt ended and committed (UI refresh; the webhook delivery kick when its end
   * queued a delivery — the ended attempts of keys without a webhook need no look at the queue).
   */
  readonly onEnded?: (attempt: Attempt, ended: { readonly webhookQueued: boolean }) => void;
  /** The node's say over new calls and ownership (issue 19); absent = the process owns everything. */
  readonly ownership?: CallOwnership;
  /**
   * Where an issued app password waits for its one pickup. `serve` passes the database's, shared
   * by every node (issue 19); absent = this process's memory (unit tests).
   */
  readonly secrets?: OneTimeSecrets;
}

export interface StartRequest {
  readonly userId: string;
  readonly purpose: AttemptPurpose;
  /** Without it: the user's default method (sign-in may then fall back to a backup phone). */
  readonly methodId?: string;
  /** Audit actor / webhook owner: `apikey:<id>`, `cli`, `user:<id>`. */
  readonly requestedBy: string;
  /** A typed destination (draft test calls): recorded on a refused attempt. */
  readonly destination?: string;
}

/** A test call from the script editor: the draft text (not saved) to a destination the admin typed. */
export interface DraftTestRequest {
  /** A phone number as people type it (parsed with `country`) or a sip: URI. */
  readonly destination: string;
  readonly country: string;
  readonly extension?: string | null;
  readonly draft: DraftTest;
  readonly requestedBy: string;
}

export interface DraftTest {
  readonly script: LoadedScript;
  /** sha256 of the draft text; recorded as `draft:<hash>` so the attempt says it ran a draft. */
  readonly hash: string;
  readonly language: string;
}

export type StartResult =
  | { readonly status: 'queued'; readonly attempt: Attempt }
  /** Approved without a call (one-time bypass). */
  | { readonly status: 'bypassed'; readonly attempt: Attempt }
  | {
      readonly status: 'denied';
      readonly attempt: Attempt;
      readonly kind: 'policy' | 'rate-limit' | 'blocked';
      readonly reasonCode: string;
      readonly message: Texts;
      readonly retryAfterMs?: number;
    }
  | { readonly status: 'no-method'; readonly message: Texts }
  /** This node takes no new calls now (draining, issue 19); nothing was recorded. */
  | {
      readonly status: 'unavailable';
      readonly reasonCode: string;
      readonly message: Texts;
      readonly retryAfterMs: number;
    }
  | { readonly status: 'not-found'; readonly what: 'user' | 'phone method' | 'attempt' };

export class VerificationService {
  readonly queue: CallQueue;
  /** Every call's trace events, written once per event-loop turn (trace-batch.ts). */
  readonly traces: TraceBatch;
  private readonly secrets: OneTimeSecrets;
  private readonly active = new Map<string, AbortController>();
  /** Timers that place a scheduled retry on time (the retry job is the fallback after a restart). */
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(private readonly deps: VerificationDeps) {
    this.queue = new CallQueue(deps.settings.maxConcurrentCalls, {
      onChange: (waiting, running) => {
        deps.metrics.queueLength.set(waiting);
        deps.metrics.activeCalls.set(running);
      },
    });
    this.secrets = deps.secrets ?? new MemoryOneTimeSecrets();
    this.traces = new TraceBatch(deps.store, deps.bus, deps.log, {
      windowMs: deps.settings.traceBatchWindowMs ?? TRACE_BATCH_WINDOW_MS,
    });
  }

  /** Start-up: attempts a crashed process left unfinished become `interrupted`. */
  recoverInterrupted(): number {
    const n = endUnfinishedAttempts(this.deps.store.db);
    if (n > 0) this.deps.log.warn({ count: n }, 'ended attempts left unfinished by a previous run as interrupted');
    return n;
  }

  start(request: StartRequest): StartResult {
    const { store } = this.deps;
    const user = getUser(store.db, request.userId);
    if (!user) return { status: 'not-found', what: 'user' };
    let method: PhoneMethodRow | undefined;
    if (request.methodId) {
      method = getPhoneMethod(store.db, request.methodId);
      if (!method || method.userId !== user.id) return { status: 'not-found', what: 'phone method' };
    } else {
      method =
        getDefaultPhoneMethod(store.db, user.id) ?? listPhoneMethods(store.db, user.id).find((m) => m.verifiedAt);
    }

    if (isBlocked(user)) {
      const attempt = this.recordDenied(request, method ?? null, classifyRefusal('blocked', 'user-blocked'));
      return {
        status: 'denied',
        attempt,
        kind: 'blocked',
        reasonCode: 'user-blocked',
        message: {
          sv: 'Användaren är spärrad för verifieringssamtal (till exempel efter en bedrägerirapport).',
          en: 'The user is blocked from verification calls (for example after a fraud report).',
        },
      };
    }

    if (request.purpose === 'sign-in') {
      const bypass = consumeBypass(store.db, user.id);
      if (bypass) return { status: 'bypassed', attempt: this.recordBypass(request, user, method ?? null, bypass.id) };
    }

    if (!method)
      return {
        status: 'no-method',
        message: { sv: 'Användaren har ingen verifierad telefon.', en: 'The user has no verified phone.' },
      };
    if (request.purpose === 'sign-in' && !method.verifiedAt)
      return {
        status: 'no-method',
        message: {
          sv: 'Telefonen är inte verifierad än; verifiera den först.',
          en: 'The phone is not verified yet; verify it first.',
        },
      };

    return this.place(request, user, method, 1, null, !!request.methodId);
  }

  /**
   * A test call running an unsaved draft (the script editor's "Test call"). The typed destination
   * passes the same destination policy and rate limits as every other call; a refusal is recorded
   * and nothing is dialled.
   */
  startDraftTest(request: DraftTestRequest): StartResult {
    const dest = request.destination.trim();
    const sip = /^sips?:/i.test(dest);
    const target: CallTarget = {
      userId: null,
      phoneMethodId: null,
      e164: sip ? '' : dest,
      extension: request.extension?.trim() || null,
      country: request.country,
      purpose: 'test',
      ...(sip ? { sipUri: dest } : {}),
    };
    const start: StartRequest = { userId: '', purpose: 'test', requestedBy: request.requestedBy, destination: dest };
    return this.queueCall(start, null, null, target, 1, null, false, request.draft, dest);
  }

  /** Checks policy, records the attempt, queues the call. */
  private place(
    request: StartRequest,
    user: UserRow,
    method: PhoneMethodRow,
    tryNo: number,
    retryOf: string | null,
    methodChosen: boolean,
  ): StartResult {
    const target: CallTarget = {
      userId: user.id,
      phoneMethodId: method.id,
      e164: method.e164,
      extension: method.extension,
      country: method.country,
      purpose: request.purpose,
    };
    const destination = method.extension ? `${method.e164};ext=${method.extension}` : method.e164;
    return this.queueCall(request, user, method, target, tryNo, retryOf, methodChosen, undefined, destination);
  }

  private queueCall(
    request: StartRequest,
    user: UserRow | null,
    method: PhoneMethodRow | null,
    target: CallTarget,
    tryNo: number,
    retryOf: string | null,
    methodChosen: boolean,
    draft: DraftTest | undefined,
    destination: string,
  ): StartResult {
    const { store, planner } = this.deps;
    const at = Date.now();
    // 0. A draining node places no new call, whoever asks (API, web UI, RADIUS, Entra, retries).
    const refusal = this.deps.ownership?.refusal();
    if (refusal) return { status: 'unavailable', ...refusal };
    // 1. The destination rules, always before anything is queued (422 for a number that may never be called).
    const check = planner.check(target);
    if (!check.allowed)
      return this.denied(
        request,
        method,
        { kind: 'policy', reasonCode: check.reasonCode, message: check.message },
        tryNo,
        retryOf,
        methodChosen,
      );
    // 2. Rate limits and the call slot: now if a line is free (the usual case, so the caller gets its
    //    429 at once); otherwise when the attempt's turn in the queue comes. The slot and the attempt
    //    commit together (one commit per call, not two; a failed insert keeps no slot).
    const placed = immediate(store.sqlite, () => {
      let plan: AllowedPlan | undefined;
      if (this.queue.hasCapacity()) {
        const p = planner.plan(target, at);
        if (!p.allowed) return { ok: false as const, refused: p };
        plan = p;
      }
      const a = createAttempt(store.db, {
        purpose: request.purpose,
        userId: user?.id ?? null,
        phoneMethodId: method?.id ?? null,
        destination,
        policyDecisionId: plan?.decisionId ?? null,
        methodChosen,
        at,
      });
      setAttemptOrigin(store.db, a.id, { requestedBy: request.requestedBy, tryNo, retryOf });
      this.deps.ownership?.own(a.id);
      if (draft)
        audit(store.db, {
          actor: request.requestedBy,
          action: 'script.test-call',
          target: `script:${draft.script.id}`,
          detail: { attemptId: a.id, scriptId: draft.script.id, scriptHash: draft.hash, draft: true, destination },
        });
      return { ok: true as const, attempt: requireAttempt(store.db, a.id), plan };
    });
    if (!placed.ok) return this.denied(request, method, placed.refused, tryNo, retryOf, methodChosen);
    const { attempt, plan } = placed;
    this.deps.bus.publish({ type: 'state', attemptId: attempt.id, state: 'queued', at });
    // Registered while queued too, so a queued attempt can be cancelled before its call starts.
    const controller = new AbortController();
    this.active.set(attempt.id, controller);
    this.queue.push(() =>
      this.runCall({
        attempt,
        user,
        method,
        target,
        authorized: plan,
        controller,
        ...(draft ? { draft } : {}),
      }),
    );
    return { status: 'queued', attempt };
  }

  private denied(
    request: StartRequest,
    method: PhoneMethodRow | null,
    d: { kind: 'policy' | 'rate-limit'; reasonCode: string; message: Texts; retryAfterMs?: number },
    tryNo: number,
    retryOf: string | null,
    methodChosen: boolean,
  ): StartResult {
    this.deps.metrics.policyDenials.inc({ reason: d.reasonCode });
    const classified = classifyRefusal(d.kind, d.reasonCode);
    const attempt = this.recordDenied(request, method, classified, tryNo, retryOf, methodChosen);
    return {
      status: 'denied',
      attempt,
      kind: d.kind,
      reasonCode: d.reasonCode,
      message: d.message,
      ...(d.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}),
    };
  }

  private recordDenied(
    request: StartRequest,
    method: PhoneMethodRow | null,
    { outcome, reasonCode }: Classified,
    tryNo = 1,
    retryOf: string | null = null,
    methodChosen = false,
  ): Attempt {
    const { store } = this.deps;
    return this.recordEnded(() => {
      const a = createAttempt(store.db, {
        purpose: request.purpose,
        userId: request.userId || null,
        phoneMethodId: method?.id ?? null,
        destination: method ? method.e164 : (request.destination ?? null),
        methodChosen,
        endedWith: { outcome, reasonCode },
      });
      setAttemptOrigin(store.db, a.id, { requestedBy: request.requestedBy, tryNo, retryOf });
      audit(store.db, {
        actor: request.requestedBy,
        action: 'attempt.denied',
        target: request.userId ? `user:${request.userId}` : 'script-test-call',
        detail: { attemptId: a.id, outcome, reasonCode, destination: method?.e164 ?? request.destination ?? null },
      });
      return a.id;
    });
  }

  /**
   * An attempt that ends the moment it is recorded (refused, bypassed): `write` creates it and its
   * audit entry; its webhook is queued in the same transaction, then listeners hear of the end.
   */
  private recordEnded(write: () => string): Attempt {
    const { store } = this.deps;
    const { final, webhookQueued } = immediate(store.sqlite, () => {
      const final = requireAttempt(store.db, write());
      return { final, webhookQueued: queueWebhookFor(store, final, Date.now()) };
    });
    this.reportEnded(final, webhookQueued);
    return final;
  }

  private recordBypass(request: StartRequest, user: UserRow, method: PhoneMethodRow | null, bypassId: string): Attempt {
    const { store } = this.deps;
    return this.recordEnded(() => {
      const a = createAttempt(store.db, {
        purpose: request.purpose,
        userId: user.id,
        phoneMethodId: method?.id ?? null,
        endedWith: { outcome: 'approved', reasonCode: 'bypass' },
      });
      setAttemptOrigin(store.db, a.id, { requestedBy: request.requestedBy, tryNo: 1, retryOf: null });
      audit(store.db, {
        actor: request.requestedBy,
        action: 'bypass.use',
        target: `user:${user.id}`,
        detail: { attemptId: a.id, bypassId },
      });
      return a.id;
    });
  }

  /** The life of one call (src/services/calls/call-run.ts), recorded. Never throws: every path ends the attempt. */
  private async runCall(job: CallJob): Promise<void> {
    const { attempt, user, method, target, authorized, controller } = job;
    // As stored: the same answer whichever node ends the attempt (endInterrupted reads it there too).
    const { methodChosen } = attempt;
    const { store, backend, scripts, metrics, settings, planner } = this.deps;
    const id = attempt.id;
    const log = this.deps.log.child({ attemptId: id });
    const recorder = traceRecorder(this.traces, metrics, log, id);
    // The backend traces every received digit; the script runner masks those typed while a PIN is asked for.
    const trace = scripts.guardTrace?.(recorder) ?? recorder;
    const tried = method ? this.triedMethods(attempt, method.id) : [];
    const end = (outcome: CallOutcome, details: EndDetails, appPassword?: NewAppPassword) =>
      this.finish(log, { attemptId: id, outcome, details, triedMethodIds: tried, methodChosen }, appPassword);
    // The callee's answer ('#', '0#', a PIN) ends the attempt at once, in one commit, while the call
    // still plays its goodbye and hangs up (issue 20); the end of the call then changes nothing.
    let endedOnAnswer: Promise<unknown> | undefined;
    const onAnswer = (callId: string, a: ScriptAnswer) => {
      if (endedOnAnswer || !isAnswer(a.result)) return;
      const { outcome, reasonCode } = classifyScript(a.result);
      endedOnAnswer = this.endAnswered(attempt, user, end, outcome, {
        reasonCode,
        sipStatus: 200,
        callId,
        digitsReceived: a.digits,
        ...(a.dtmfSource ? { dtmfSource: a.dtmfSource } : {}),
        ...(a.digitsSent ? { digitsSent: a.digitsSent } : {}),
      });
    };
    try {
      if (this.stopping || controller.signal.aborted) {
        // Cancelled or shut down while it waited in the queue: no call, and no slot kept.
        if (authorized) planner.release(authorized.decisionId);
        const stop = stopReasonOf(controller.signal) ?? 'shutdown';
        if (this.current(id)?.state !== 'ended') await end(OUTCOME_OF_STOP[stop], { reasonCode: stop });
        return;
      }
      if (this.deps.ownership && !this.deps.ownership.confirm(id)) {
        // Another node ended this attempt (our lease ran out while we stalled): it is not ours to dial.
        if (authorized) planner.release(authorized.decisionId);
        log.warn('attempt taken over by another node before dialling; not dialled');
        return;
      }
      let dialStart = 0;
      const r = await runVerificationCall({
        backend,
        attemptId: id,
        authorize: () => authorized ?? planner.plan(target, Date.now()),
        release: (decisionId) => planner.release(decisionId),
        ringTimeoutMs: settings.ringTimeoutMs,
        maxCallMs: settings.maxCallMs,
        trace,
        signal: controller.signal,
        headers: { 'X-Fyrkant-Attempt': id },
        hooks: {
          onAuthorized: (plan) => {
            if (!authorized) setAttemptDecision(store.db, id, plan.decisionId);
          },
          onDialling: (requestUri) => {
            dialStart = Date.now();
            this.transition(id, { to: 'dialling', dialledTarget: requestUri, backend: backend.name });
          },
          onProgress: (p) => {
            // A second 18x (or one after the answer) is dropped when the batch commits: ringing only once.
            if (p.kind === 'ringing' || p.kind === 'early-media')
              this.transition(id, { to: 'ringing', sipStatus: p.sipStatus });
          },
          onAnswered: (call) => {
            metrics.callSetupSeconds.observe((Date.now() - dialStart) / 1000);
            this.transition(id, { to: 'answered', callId: call.callId, sipStatus: 200 });
          },
        },
        runScript: (call, ctx) => {
          const draft = job.draft;
          const pinHash = method?.pinHash ?? null;
          const script = draft
            ? { scriptId: draft.script.id, hash: `draft:${draft.hash}` }
            : scripts.select({ purpose: attempt.purpose, pin: pinHash !== null });
          this.transition(id, { to: 'in-script', scriptId: script.scriptId, scriptHash: script.hash });
          return scripts.run(call, {
            attemptId: id,
            scriptId: script.scriptId,
            ...(draft ? { script: draft.script } : {}),
            language: draft?.language || user?.language || settings.defaultLanguage,
            variables: { extension: ctx.extension, displayName: user?.displayName ?? '' },
            ...(pinHash ? { verifyPin: (pin: string) => verifySecret(pin, pinHash) } : {}),
            signal: ctx.signal,
            trace,
            onListening: () => this.transition(id, { to: 'listening' }),
            onAnswer: (a) => onAnswer(call.callId, a),
          });
        },
      });
      if (endedOnAnswer) {
        await endedOnAnswer;
        if (r.stage === 'answered' && r.firstDigitAt)
          metrics.timeToDtmfSeconds.observe(Math.max(0, r.firstDigitAt - r.answeredAt) / 1000);
      } else await this.record(log, r, attempt, user, end);
    } catch (err) {
      log.error({ err }, 'attempt failed');
      const cur = this.current(id);
      if (cur && cur.state !== 'ended') await end('failed', { reasonCode: 'internal-error' });
    } finally {
      this.active.delete(id);
    }
  }

  /** Ends the attempt with what the call run found. */
  private async record(
    log: Logger,
    r: CallRunResult,
    attempt: Attempt,
    user: UserRow | null,
    end: (outcome: CallOutcome, details: EndDetails, appPassword?: NewAppPassword) => Promise<unknown>,
  ): Promise<void> {
    const { metrics } = this.deps;
    if (r.stage === 'refused') {
      metrics.policyDenials.inc({ reason: r.reasonCode });
      await end(r.outcome, { reasonCode: r.reasonCode });
      return;
    }
    if (r.stage === 'not-answered') {
      log.info({ reason: r.failure.reason, message: r.failure.message }, 'dial failed');
      await end(r.outcome, {
        reasonCode: r.reasonCode,
        ...(r.sipStatus ? { sipStatus: r.sipStatus } : {}),
        ...(r.sipReason ? { sipReason: r.sipReason } : {}),
        ...(r.callId ? { callId: r.callId } : {}),
      });
      return;
    }
    if (r.firstDigitAt) metrics.timeToDtmfSeconds.observe(Math.max(0, r.firstDigitAt - r.answeredAt) / 1000);
    const run = r.run;
    await this.endAnswered(attempt, user, end, r.outcome, {
      reasonCode: r.reasonCode,
      sipStatus: r.sipStatus,
      callId: r.callId,
      digitsReceived: run.digits,
      ...(run.dtmfSource ? { dtmfSource: run.dtmfSource } : {}),
      ...(run.digitsSent ? { digitsSent: run.digitsSent } : {}),
    });
  }

  /**
   * Ends an answered call's attempt; an approved enrollment first gets its app password (hashed off
   * the loop). Anything else commits synchronously: nothing but that one commit after the answer.
   */
  private async endAnswered(
    attempt: Attempt,
    user: UserRow | null,
    end: (outcome: CallOutcome, details: EndDetails, appPassword?: NewAppPassword) => Promise<unknown>,
    outcome: CallOutcome,
    details: EndDetails,
  ): Promise<void> {
    const { store, settings } = this.deps;
    const password =
      outcome === 'approved' &&
      attempt.purpose === 'enrollment' &&
      user !== null &&
      settings.issueAppPasswordOnEnrollment &&
      activeAppPasswordHashes(store.db, user.id).length === 0
        ? generateAppPassword()
        : undefined;
    const hash = password ? await hashSecret(normaliseAppPassword(password), settings.scrypt) : undefined;
    await end(outcome, details, password && hash ? { password, hash } : undefined);
  }

  /** Commits the end (finishAttempt), hands out the app password, reports, and acts on what comes next. */
  private async finish(
    log: Logger,
    input: FinishInput,
    appPassword?: NewAppPassword,
  ): Promise<FinishResult | undefined> {
    try {
      // The queued trace events and the end commit together: one commit from '#' to the outcome.
      // The app password waiting for its pickup commits with them: whoever sees `ended` — SSE
      // woken by the events published right after, or another node reading the database — finds it.
      const r = this.traces.writeWith(() => {
        const done = finishAttempt(this.deps.store, this.deps.settings, {
          ...input,
          ...(appPassword ? { appPasswordHash: appPassword.hash } : {}),
        });
        if (appPassword && done.appPassword) this.keepForPickup(log, input.attemptId, done.appPassword, appPassword);
        return done;
      });
      const d = input.details;
      log.info(
        { outcome: input.outcome, reasonCode: d.reasonCode, sipStatus: d.sipStatus, next: r.next },
        'attempt ended',
      );
      this.reportEnded(r.attempt, r.webhookQueued);
      // A backup phone is called at once; a retry when it is due (the retry job catches up after a restart).
      if (r.next.kind === 'backup-now') void this.processDueRetries();
      if (r.next.kind === 'retry') this.retryAt(r.next.at);
      return r;
    } catch (err) {
      log.error({ err }, 'could not record the end of the attempt');
      return undefined;
    }
  }

  /**
   * A state change on the way to the answer: queued in order with the trace events and committed
   * with this turn's batch (trace-batch.ts), then published. Not a decision: the attempt and its
   * outcome commit at once.
   */
  private transition(id: string, t: AttemptTransition): void {
    this.traces.transition(id, t);
  }

  /** The attempt as stored, after what this turn queued for it. */
  private current(id: string): Attempt | undefined {
    this.traces.flush();
    return getAttempt(this.deps.store.db, id);
  }

  private reportEnded(a: Attempt, webhookQueued: boolean): void {
    this.deps.metrics.attempts.inc({ purpose: a.purpose, outcome: a.outcome ?? 'unknown' });
    this.deps.bus.publish({
      type: 'state',
      attemptId: a.id,
      state: 'ended',
      at: a.endedAt ?? Date.now(),
      ...(a.outcome ? { outcome: a.outcome } : {}),
    });
    this.deps.onEnded?.(a, { webhookQueued });
  }

  /** Phone methods called so far in this chain (the attempt's own method included). */
  private triedMethods(attempt: Attempt, methodId: string): string[] {
    const ids = new Set<string>([methodId]);
    let cur: Attempt | undefined = attempt;
    for (let i = 0; cur?.retryOf && i < 20; i++) {
      cur = getAttempt(this.deps.store.db, cur.retryOf);
      if (cur?.phoneMethodId) ids.add(cur.phoneMethodId);
    }
    return [...ids];
  }

  private retryAt(at: number): void {
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(timer);
        void this.processDueRetries();
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.retryTimers.add(timer);
  }

  /**
   * Places the retries (same phone after backoff) and backup calls (next verified phone, sign-in)
   * that are due. Run by the retry job and right after an attempt asks for an immediate backup.
   */
  async processDueRetries(at = Date.now()): Promise<number> {
    if (this.stopping) return 0;
    const { store } = this.deps;
    let placed = 0;
    for (const prev of dueRetries(store.db, at)) if (this.placeRetry(prev)) placed++;
    return placed;
  }

  /** Places the pending retry or backup call of `prev` now; what `place` said, or undefined if none was placed. */
  private placeRetry(prev: AttemptRow): StartResult | undefined {
    const { store } = this.deps;
    const user = prev.userId ? getUser(store.db, prev.userId) : undefined;
    let method = prev.phoneMethodId ? getPhoneMethod(store.db, prev.phoneMethodId) : undefined;
    // A backup goes to the next verified phone; a chain on a chosen phone stays on it.
    if (prev.purpose === 'sign-in' && user && !prev.methodChosen) {
      const tried = this.triedMethods(prev as Attempt, prev.phoneMethodId ?? '');
      method = listPhoneMethods(store.db, user.id).find((m) => m.verifiedAt !== null && !tried.includes(m.id));
    }
    if (!user || !method || isBlocked(user)) {
      claimRetry(store.db, prev.id, '');
      return undefined;
    }
    const request: StartRequest = {
      userId: user.id,
      purpose: prev.purpose,
      methodId: method.id,
      requestedBy: prev.requestedBy ?? 'system',
    };
    // Claimed before anything is placed: of two nodes that found this retry due, exactly one dials it.
    if (!claimRetry(store.db, prev.id, RETRY_PLACING)) return undefined;
    const result = this.place(request, user, method, prev.tryNo + 1, prev.id, prev.methodChosen);
    if (result.status !== 'queued' && result.status !== 'denied') {
      unclaimRetry(store.db, prev.id, prev.retryDueAt ?? Date.now());
      return undefined;
    }
    linkRetry(store.db, prev.id, result.attempt.id);
    this.deps.bus.publish({ type: 'continued', attemptId: prev.id, nextAttemptId: result.attempt.id, at: Date.now() });
    return result;
  }

  /** The latest attempt of the chain `attemptId` belongs to (retries and backup calls followed forward). */
  chainTail(attemptId: string): Attempt | undefined {
    return getAttempt(this.deps.store.db, chainTailId(this.deps.store.db, attemptId));
  }

  /**
   * "Call me again" on an attempt: never a second chain. While the chain's latest attempt is still
   * running that one is the answer; a retry that is waiting is placed now; only a chain that has
   * ended for good starts a new attempt (`start`).
   */
  callAgain(attemptId: string, request: Omit<StartRequest, 'methodId' | 'userId'>): StartResult {
    const tail = this.chainTail(attemptId);
    if (!tail) return { status: 'not-found', what: 'attempt' };
    if (tail.state !== 'ended') return { status: 'queued', attempt: tail };
    if (tail.retryDueAt !== null && !tail.nextAttemptId) {
      const placed = this.placeRetry(tail);
      if (placed) return placed;
    }
    if (!tail.userId || !tail.phoneMethodId) return { status: 'not-found', what: 'phone method' };
    return this.start({ ...request, userId: tail.userId, methodId: tail.phoneMethodId });
  }

  /**
   * Stops an attempt that is queued or in progress (admin). A queued one ends `cancelled` at once
   * (its call never starts); a running one is cancelled (CANCEL or BYE) and ends when the call has.
   * False when the attempt is neither.
   */
  cancel(attemptId: string): boolean {
    const c = this.active.get(attemptId);
    if (!c) return false;
    const queued = this.current(attemptId)?.state === 'queued';
    c.abort('cancelled' satisfies StopReason);
    if (queued) {
      const log = this.deps.log.child({ attemptId });
      void this.finish(log, {
        attemptId,
        outcome: 'cancelled',
        details: { reasonCode: 'cancelled' },
        triedMethodIds: [],
        // Not a guess about the phone: an admin's cancel ends the chain, no backup phone after it.
        methodChosen: true,
      });
    }
    return true;
  }

  /**
   * The issued app password waits for its pickup (inside the end's transaction). A failure to keep
   * it must not undo the end: the user then creates a new app password, the safe failure.
   */
  private keepForPickup(
    log: Logger,
    attemptId: string,
    issued: { readonly id: string; readonly name: string },
    created: NewAppPassword,
  ): void {
    try {
      this.secrets.put(
        attemptId,
        { id: issued.id, name: issued.name, password: created.password },
        this.deps.settings.appPasswordPickupMs,
      );
    } catch (err) {
      log.error({ err }, 'could not keep the issued app password for its pickup; the user can create a new one');
    }
  }

  /** The app password issued by this enrollment attempt, exactly once. */
  takeIssuedAppPassword(attemptId: string): IssuedAppPassword | undefined {
    return this.secrets.take(attemptId);
  }

  hasIssuedAppPassword(attemptId: string): boolean {
    return this.secrets.has(attemptId);
  }

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * Graceful stop: calls in progress are hung up and recorded as interrupted (`reason`: `shutdown`,
   * or `drain-deadline` when a drain ran out of time).
   */
  async shutdown(timeoutMs = 5000, reason: StopReason = 'shutdown'): Promise<void> {
    this.stopping = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const c of this.active.values()) c.abort(reason);
    await Promise.race([this.queue.whenIdle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    // What the calls traced in their last turn, before the store closes.
    this.traces.flush();
    const { ownership } = this.deps;
    if (!ownership) endUnfinishedAttempts(this.deps.store.db);
    // With a node registry: only this node's attempts — another node's calls are none of our business.
    else for (const id of ownership.ownedUnfinished()) await this.endInterrupted(id, reason);
  }

  /** Calls waiting or in progress on this node (the node registry's call count, a drain's wait). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  /**
   * Ends an attempt nobody runs any more (its node crashed, stopped or lost its lease) as
   * `interrupted`, through the one end path: the retry policy, webhooks and listeners apply.
   */
  async endInterrupted(attemptId: string, reasonCode: string): Promise<void> {
    const a = getAttempt(this.deps.store.db, attemptId);
    if (!a || a.state === 'ended') return;
    const log = this.deps.log.child({ attemptId });
    const tried = a.phoneMethodId ? this.triedMethods(a, a.phoneMethodId) : [];
    await this.finish(log, {
      attemptId,
      outcome: 'interrupted',
      details: { reasonCode },
      triedMethodIds: tried,
      // As the attempt was placed: the node that knew the choice is gone, the row still says it.
      methodChosen: a.methodChosen,
    });
  }
}
