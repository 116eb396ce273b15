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
import type { AttemptPurpose } from '../../domain/attempt-state';
import { type CallOutcome, meaningOfSipStatus, OUTCOME_OF_FAILURE } from '../../domain/call-outcomes';
import { hashSecret, verifySecret } from '../../domain/secrets/slow-hash';
import type { Metrics } from '../../observability/metrics';
import {
  type Attempt,
  activeAppPasswordHashes,
  audit,
  claimRetry,
  consumeBypass,
  createAttempt,
  dueRetries,
  endUnfinishedAttempts,
  getAttempt,
  getDefaultPhoneMethod,
  getPhoneMethod,
  getUser,
  InvalidTransitionError,
  isBlocked,
  listPhoneMethods,
  requireAttempt,
  type Store,
  setAttemptDecision,
  setAttemptOrigin,
  transitionAttempt,
} from '../../store';
import type { PhoneMethodRow, UserRow } from '../../store/schema';
import { type Call, DialFailure, type TelephonyBackend } from '../../telephony/port';
import type { AttemptBus } from './attempt-bus';
import { CallQueue } from './call-queue';
import { type EndDetails, finishAttempt, queueWebhookFor } from './finish';
import { type IssuedAppPassword, OneTimeSecrets } from './one-time-secrets';
import type { CallPlan, CallPlanner, CallTarget, ScriptRun, ScriptRunner, Texts } from './ports';
import type { VerificationSettings } from './settings';
import { traceRecorder } from './trace-recorder';

export interface VerificationDeps {
  readonly store: Store;
  readonly backend: TelephonyBackend;
  readonly planner: CallPlanner;
  readonly scripts: ScriptRunner;
  readonly bus: AttemptBus;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly settings: VerificationSettings;
  /** Called after an attempt ended and committed (webhook delivery kick, UI refresh). */
  readonly onEnded?: (attempt: Attempt) => void;
}

export interface StartRequest {
  readonly userId: string;
  readonly purpose: AttemptPurpose;
  /** Without it: the user's default method (sign-in may then fall back to a backup phone). */
  readonly methodId?: string;
  /** Audit actor / webhook owner: `apikey:<id>`, `cli`, `user:<id>`. */
  readonly requestedBy: string;
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
  | { readonly status: 'not-found'; readonly what: 'user' | 'phone method' };

/**
 * A dial failure's outcome. Our own CANCEL (ring timeout, abort) comes back as 487, so for those
 * reasons the typed reason wins over the status; otherwise the far end's status says most.
 */
export function outcomeOfDialFailure(err: DialFailure): CallOutcome {
  const ours = ['no-answer', 'timeout', 'cancelled', 'network', 'media', 'policy'] as const;
  if ((ours as readonly string[]).includes(err.reason)) return OUTCOME_OF_FAILURE[err.reason];
  if (err.sipStatus && err.sipStatus >= 300) return meaningOfSipStatus(err.sipStatus).outcome;
  return OUTCOME_OF_FAILURE[err.reason];
}

/** Why the service stopped a call itself. */
type AbortReason = 'shutdown' | 'cancelled' | 'max-duration';

export class VerificationService {
  readonly queue: CallQueue;
  private readonly secrets: OneTimeSecrets;
  private readonly active = new Map<string, AbortController>();
  private stopping = false;

  constructor(private readonly deps: VerificationDeps) {
    this.queue = new CallQueue(deps.settings.maxConcurrentCalls, {
      onChange: (waiting, running) => {
        deps.metrics.queueLength.set(waiting);
        deps.metrics.activeCalls.set(running);
      },
    });
    this.secrets = new OneTimeSecrets(deps.settings.appPasswordPickupMs);
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
      const attempt = this.recordDenied(request, method ?? null, 'rate-limited', 'user-blocked');
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

  /** Checks policy, records the attempt, queues the call. */
  private place(
    request: StartRequest,
    user: UserRow,
    method: PhoneMethodRow,
    tryNo: number,
    retryOf: string | null,
    methodChosen: boolean,
  ): StartResult {
    const { store, planner } = this.deps;
    const at = Date.now();
    const target: CallTarget = {
      userId: user.id,
      phoneMethodId: method.id,
      e164: method.e164,
      extension: method.extension,
      country: method.country,
      purpose: request.purpose,
    };
    // 1. The destination rules, always before anything is queued (422 for a number that may never be called).
    const check = planner.check(target);
    if (!check.allowed)
      return this.denied(
        request,
        method,
        { kind: 'policy', reasonCode: check.reasonCode, message: check.message },
        tryNo,
        retryOf,
      );
    // 2. Rate limits and the call slot: now if a line is free (the usual case, so the caller gets its
    //    429 at once); otherwise when the attempt's turn in the queue comes.
    let plan: Extract<CallPlan, { allowed: true }> | undefined;
    if (this.queue.hasCapacity()) {
      const p = planner.plan(target, at);
      if (!p.allowed) return this.denied(request, method, p, tryNo, retryOf);
      plan = p;
    }
    const attempt = store.db.transaction(() => {
      const a = createAttempt(store.db, {
        purpose: request.purpose,
        userId: user.id,
        phoneMethodId: method.id,
        destination: method.extension ? `${method.e164};ext=${method.extension}` : method.e164,
        policyDecisionId: plan?.decisionId ?? null,
        at,
      });
      setAttemptOrigin(store.db, a.id, { requestedBy: request.requestedBy, tryNo, retryOf });
      return requireAttempt(store.db, a.id);
    });
    this.deps.bus.publish({ type: 'state', attemptId: attempt.id, state: 'queued', at });
    this.queue.push(() => this.runCall(attempt, user, method, target, plan, methodChosen));
    return { status: 'queued', attempt };
  }

  private denied(
    request: StartRequest,
    method: PhoneMethodRow,
    d: { kind: 'policy' | 'rate-limit'; reasonCode: string; message: Texts; retryAfterMs?: number },
    tryNo: number,
    retryOf: string | null,
  ): StartResult {
    this.deps.metrics.policyDenials.inc({ reason: d.reasonCode });
    const outcome: CallOutcome = d.kind === 'rate-limit' ? 'rate-limited' : 'policy-denied';
    const attempt = this.recordDenied(request, method, outcome, d.reasonCode, tryNo, retryOf);
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
    outcome: CallOutcome,
    reasonCode: string,
    tryNo = 1,
    retryOf: string | null = null,
  ): Attempt {
    const { store } = this.deps;
    const attempt = store.db.transaction(() => {
      const a = createAttempt(store.db, {
        purpose: request.purpose,
        userId: request.userId,
        phoneMethodId: method?.id ?? null,
        destination: method ? method.e164 : null,
        endedWith: { outcome, reasonCode },
      });
      setAttemptOrigin(store.db, a.id, { requestedBy: request.requestedBy, tryNo, retryOf });
      audit(store.db, {
        actor: request.requestedBy,
        action: 'attempt.denied',
        target: `user:${request.userId}`,
        detail: { attemptId: a.id, outcome, reasonCode, destination: method?.e164 ?? null },
      });
      const final = requireAttempt(store.db, a.id);
      queueWebhookFor(store, final, Date.now());
      return final;
    });
    this.reportEnded(attempt);
    return attempt;
  }

  private recordBypass(request: StartRequest, user: UserRow, method: PhoneMethodRow | null, bypassId: string): Attempt {
    const { store } = this.deps;
    const attempt = store.db.transaction(() => {
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
      const final = requireAttempt(store.db, a.id);
      queueWebhookFor(store, final, Date.now());
      return final;
    });
    this.reportEnded(attempt);
    return attempt;
  }

  /** The life of one call. Never throws: every path ends the attempt. */
  private async runCall(
    attempt: Attempt,
    user: UserRow,
    method: PhoneMethodRow,
    target: CallTarget,
    authorized: Extract<CallPlan, { allowed: true }> | undefined,
    methodChosen: boolean,
  ): Promise<void> {
    const { store, backend, scripts, bus, metrics, settings, planner } = this.deps;
    const id = attempt.id;
    let log = this.deps.log.child({ attemptId: id });
    const controller = new AbortController();
    this.active.set(id, controller);
    const recorder = traceRecorder(store, bus, metrics, log, id);
    // The backend traces every received digit; the script runner masks those typed while a PIN is asked for.
    const trace = scripts.guardTrace?.(recorder) ?? recorder;
    const tried = this.triedMethods(attempt, method.id);
    let call: Call | undefined;
    let callId: string | undefined;
    const finish = async (
      outcome: CallOutcome,
      details: EndDetails,
      appPassword?: { password: string; hash: string },
    ) => {
      try {
        const r = finishAttempt(store, settings, {
          attemptId: id,
          outcome,
          details: { ...details, ...(callId ? { callId } : {}) },
          ...(appPassword ? { appPasswordHash: appPassword.hash } : {}),
          triedMethodIds: tried,
          methodChosen,
        });
        log.info({ outcome, reasonCode: details.reasonCode, sipStatus: details.sipStatus }, 'attempt ended');
        // Ready for pickup before anyone hears about the end (SSE takes it on the `ended` update).
        if (appPassword && r.appPassword)
          this.secrets.put(id, { id: r.appPassword.id, name: r.appPassword.name, password: appPassword.password });
        this.reportEnded(r.attempt);
        // A backup phone is called at once; a retry after backoff waits for the retry job.
        if (r.retryDueAt !== undefined && r.retryDueAt === r.attempt.endedAt) void this.processDueRetries();
        return r;
      } catch (err) {
        log.error({ err }, 'could not record the end of the attempt');
        return undefined;
      }
    };

    let decisionId: string | undefined = authorized?.decisionId;
    try {
      if (this.stopping || controller.signal.aborted) {
        await finish('interrupted', { reasonCode: 'shutdown' });
        return;
      }
      let plan = authorized;
      if (!plan) {
        // Waited in the queue: the rate limits are checked now, still before any INVITE.
        const p = planner.plan(target, Date.now());
        if (!p.allowed) {
          metrics.policyDenials.inc({ reason: p.reasonCode });
          await finish(p.kind === 'rate-limit' ? 'rate-limited' : 'policy-denied', { reasonCode: p.reasonCode });
          return;
        }
        plan = p;
        decisionId = p.decisionId;
        setAttemptDecision(store.db, id, p.decisionId);
      }
      const dial = { requestUri: plan.requestUri, digits: plan.postAnswerDigits, decisionId: plan.decisionId };
      this.transition(id, { to: 'dialling', dialledTarget: dial.requestUri, backend: backend.name });
      const dialStart = Date.now();
      try {
        call = await backend.dial(
          {
            attemptId: id,
            requestUri: dial.requestUri,
            policyDecisionId: dial.decisionId,
            ringTimeoutMs: settings.ringTimeoutMs,
            headers: { 'X-Fyrkant-Attempt': id },
            trace,
          },
          controller.signal,
          {
            onProgress: (p) => {
              if (p.kind === 'ringing' || p.kind === 'early-media') {
                const cur = getAttempt(store.db, id);
                if (cur?.state === 'dialling') this.transition(id, { to: 'ringing', sipStatus: p.sipStatus });
              }
            },
          },
        );
      } catch (err) {
        const reason = controller.signal.reason as AbortReason | undefined;
        if (err instanceof DialFailure) {
          callId = err.callId;
          const outcome: CallOutcome = reason === 'shutdown' ? 'interrupted' : outcomeOfDialFailure(err);
          await finish(outcome, {
            reasonCode: reason === 'shutdown' ? 'shutdown' : err.sipStatus ? `sip-${err.sipStatus}` : err.reason,
            ...(err.sipStatus ? { sipStatus: err.sipStatus } : {}),
            ...(err.sipReason ? { sipReason: err.sipReason } : {}),
          });
        } else {
          log.error({ err }, 'dial failed unexpectedly');
          await finish(reason === 'shutdown' ? 'interrupted' : 'failed', { reasonCode: 'dial-error' });
        }
        return;
      }

      callId = call.callId;
      log = log.child({ callId });
      let firstDigitAt: number | undefined;
      call.once('dtmf', (ev) => {
        firstDigitAt = ev.at;
      });
      metrics.callSetupSeconds.observe((Date.now() - dialStart) / 1000);
      this.transition(id, { to: 'answered', callId });
      const script = scripts.select({ purpose: attempt.purpose, pin: method.pinHash !== null });
      this.transition(id, { to: 'in-script', scriptId: script.scriptId, scriptHash: script.hash });
      const answeredAt = Date.now();
      const maxTimer = setTimeout(() => controller.abort('max-duration' satisfies AbortReason), settings.maxCallMs);
      let run: ScriptRun;
      try {
        const pinHash = method.pinHash;
        run = await scripts.run(call, {
          attemptId: id,
          scriptId: script.scriptId,
          language: user.language || settings.defaultLanguage,
          variables: { extension: dial.digits, displayName: user.displayName },
          ...(pinHash ? { verifyPin: (pin: string) => verifySecret(pin, pinHash) } : {}),
          signal: controller.signal,
          trace,
        });
      } catch (err) {
        log.error({ err }, 'script failed');
        run = { verdict: 'failed', digits: '', detail: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(maxTimer);
        await call.hangup('verification finished').catch(() => undefined);
      }
      if (firstDigitAt) metrics.timeToDtmfSeconds.observe(Math.max(0, firstDigitAt - answeredAt) / 1000);

      const reason = controller.signal.reason as AbortReason | undefined;
      const outcome: CallOutcome =
        reason === 'shutdown'
          ? 'interrupted'
          : reason === 'cancelled'
            ? 'cancelled'
            : reason === 'max-duration'
              ? 'timeout'
              : run.verdict;
      const password =
        outcome === 'approved' &&
        attempt.purpose === 'enrollment' &&
        settings.issueAppPasswordOnEnrollment &&
        activeAppPasswordHashes(store.db, user.id).length === 0
          ? generateAppPassword()
          : undefined;
      const hash = password ? await hashSecret(normaliseAppPassword(password), settings.scrypt) : undefined;
      await finish(
        outcome,
        {
          reasonCode: reason ?? (run.verdict === 'failed' ? 'script-error' : `script-${run.verdict}`),
          digitsReceived: run.digits,
          ...(run.dtmfSource ? { dtmfSource: run.dtmfSource } : {}),
          ...(run.digitsSent !== undefined
            ? { digitsSent: run.digitsSent }
            : dial.digits
              ? { digitsSent: dial.digits }
              : {}),
        },
        password && hash ? { password, hash } : undefined,
      );
    } catch (err) {
      log.error({ err }, 'attempt failed');
      await call?.hangup('error').catch(() => undefined);
      const cur = getAttempt(store.db, id);
      if (cur && cur.state !== 'ended') await finish('failed', { reasonCode: 'internal-error' });
    } finally {
      this.active.delete(id);
      if (decisionId) planner.release(decisionId);
    }
  }

  private transition(id: string, t: Parameters<typeof transitionAttempt>[2]): void {
    try {
      const a = transitionAttempt(this.deps.store.db, id, t);
      this.deps.bus.publish({ type: 'state', attemptId: id, state: a.state, at: a.updatedAt });
    } catch (err) {
      // A late 180 after the answer is harmless; anything else is a bug worth seeing.
      if (!(err instanceof InvalidTransitionError)) throw err;
    }
  }

  private reportEnded(a: Attempt): void {
    this.deps.metrics.attempts.inc({ purpose: a.purpose, outcome: a.outcome ?? 'unknown' });
    this.deps.bus.publish({
      type: 'state',
      attemptId: a.id,
      state: 'ended',
      at: a.endedAt ?? Date.now(),
      ...(a.outcome ? { outcome: a.outcome } : {}),
    });
    this.deps.onEnded?.(a);
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

  /**
   * Places the retries (same phone after backoff) and backup calls (next verified phone, sign-in)
   * that are due. Run by the retry job and right after an attempt asks for an immediate backup.
   */
  async processDueRetries(at = Date.now()): Promise<number> {
    if (this.stopping) return 0;
    const { store } = this.deps;
    let placed = 0;
    for (const prev of dueRetries(store.db, at)) {
      const user = prev.userId ? getUser(store.db, prev.userId) : undefined;
      const prevMethod = prev.phoneMethodId ? getPhoneMethod(store.db, prev.phoneMethodId) : undefined;
      let method = prevMethod;
      const chosen = false;
      if (prev.purpose === 'sign-in' && user) {
        const tried = this.triedMethods(prev as Attempt, prev.phoneMethodId ?? '');
        method = listPhoneMethods(store.db, user.id).find((m) => m.verifiedAt !== null && !tried.includes(m.id));
      }
      if (!user || !method || isBlocked(user)) {
        claimRetry(store.db, prev.id, '');
        continue;
      }
      const request: StartRequest = {
        userId: user.id,
        purpose: prev.purpose,
        methodId: method.id,
        requestedBy: prev.requestedBy ?? 'system',
      };
      const result = this.place(request, user, method, prev.tryNo + 1, prev.id, chosen);
      if (result.status === 'queued' || result.status === 'denied') {
        if (claimRetry(store.db, prev.id, result.attempt.id)) {
          placed++;
          this.deps.bus.publish({
            type: 'continued',
            attemptId: prev.id,
            nextAttemptId: result.attempt.id,
            at: Date.now(),
          });
        }
      }
    }
    return placed;
  }

  /** Stops an attempt that is queued or in progress (admin). */
  cancel(attemptId: string): boolean {
    const c = this.active.get(attemptId);
    if (!c) return false;
    c.abort('cancelled' satisfies AbortReason);
    return true;
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

  /** Graceful stop: calls in progress are hung up and recorded as interrupted. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    for (const c of this.active.values()) c.abort('shutdown' satisfies AbortReason);
    await Promise.race([this.queue.whenIdle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    endUnfinishedAttempts(this.deps.store.db);
  }
}
