/**
 * `fyrkant call`: one verification call from the command line. The target goes through the dial
 * plan and the destination policy (a denial means nothing is dialled), the configured backend
 * places the call, and the IVR script (office-phone-verify by default) runs on it.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { dialPlanOptions, policyOptions } from '../../app/domain-options';
import { policyGuardedBackend } from '../../app/policy-guard';
import type { Config } from '../../config/schema';
import { type CallOutcome, OUTCOME_REASONS, plainReason } from '../../domain/call-outcomes';
import { planDial } from '../../domain/dialplan';
import { textLanguage } from '../../domain/language';
import { parsePhone } from '../../domain/phone';
import { type Destination, DestinationPolicy } from '../../domain/policy';
import { loadScripts, PromptLibrary, runScript } from '../../ivr';
import {
  type BackendName,
  type Call,
  DialFailure,
  type DtmfSource,
  type TelephonyBackend,
  type TraceEvent,
} from '../../telephony/port';
import { outcomeOfDialFailure, outcomeOfScript } from './outcome';

export interface CallInput {
  readonly target: string;
  readonly country?: string;
  readonly ext?: string;
  readonly script?: string;
  readonly lang?: string;
  readonly backend?: BackendName;
}

export interface CallReport {
  readonly outcome: CallOutcome;
  /** Final SIP status of the INVITE (200 once answered); null when nothing was dialled or no answer came. */
  readonly sipStatus: number | null;
  readonly reason: string;
  /** The keys that decided the result, e.g. `#` or `0#`. */
  readonly digits: string;
  readonly dtmfSource: DtmfSource | null;
  /** The extension digits sent after answer, or null. */
  readonly extensionSent: string | null;
  readonly durationMs: number;
  readonly callId: string | null;
  readonly attemptId: string;
  readonly requestUri: string | null;
  readonly scriptId: string | null;
  readonly policy: { readonly allow: boolean; readonly reason: string } | null;
  readonly trace: readonly TraceEvent[];
}

export interface CallDeps {
  readonly config: Config;
  /** Creates and starts the backend the config names (an unavailable one fails every dial). */
  readonly startBackend: (config: Config) => Promise<TelephonyBackend>;
  /** Aborted on Ctrl-C: cancels a ringing call, hangs up an answered one. */
  readonly signal?: AbortSignal;
}

export async function runCall(input: CallInput, deps: CallDeps): Promise<CallReport> {
  const { config } = deps;
  const started = Date.now();
  const attemptId = randomUUID();
  const lang = input.lang ?? config.defaultLanguage;
  const words = textLanguage(lang);
  const trace: TraceEvent[] = [];
  const base = {
    attemptId,
    trace,
    digits: '',
    dtmfSource: null,
    callId: null,
    sipStatus: null,
  } as const;
  const done = (r: Omit<CallReport, 'durationMs' | keyof typeof base> & Partial<CallReport>): CallReport => ({
    ...base,
    ...r,
    durationMs: Date.now() - started,
  });

  // 1. What to dial: a sip: URI as given (if config allows), or a phone number through the dial plan.
  let destination: Destination;
  let requestUri: string;
  let extension: string | null = null;
  let phoneForPlan: Parameters<typeof planDial>[0] | undefined;
  const target = input.target.trim();
  if (/^sips?:/i.test(target)) {
    destination = { kind: 'sip-uri', uri: target };
    requestUri = target;
    extension = input.ext?.trim() || null;
  } else {
    const phone = parsePhone(target, { country: input.country ?? config.homeCountry, extension: input.ext });
    if (!phone.ok) {
      return done({
        outcome: 'failed',
        reason: phone.message[words],
        extensionSent: null,
        requestUri: null,
        scriptId: null,
        policy: null,
      });
    }
    destination = { kind: 'phone', phone };
    phoneForPlan = phone;
    requestUri = '';
  }
  // 2. The destination policy. A denial ends here: no backend is even started, so no INVITE leaves.
  const policy = new DestinationPolicy(policyOptions(config));
  const decision = policy.authorize(destination);
  const policyInfo = { allow: decision.allow, reason: decision.reason };
  if (!decision.allow) {
    return done({
      outcome: 'policy-denied',
      reason: decision.message[words],
      extensionSent: null,
      requestUri: requestUri || null,
      scriptId: null,
      policy: policyInfo,
    });
  }
  if (phoneForPlan) {
    // 3. The dial plan (after the policy: a denied number needs no route).
    const plan = planDial(phoneForPlan, dialPlanOptions(config));
    if (!plan.ok) {
      decision.lease.release();
      return done({
        outcome: 'failed',
        reason: plan.message,
        extensionSent: null,
        requestUri: null,
        scriptId: null,
        policy: policyInfo,
      });
    }
    requestUri = plan.requestUri;
    extension = plan.postAnswer?.digits ?? null;
  }

  const scriptId = input.script ?? config.ivr.defaultScript;
  const scripts = await loadScripts(resolve(config.ivr.scriptsDir));
  const script = scripts.get(scriptId);
  if (!script) {
    decision.lease.release();
    return done({
      outcome: 'failed',
      reason: `no valid IVR script '${scriptId}' in ${config.ivr.scriptsDir}`,
      extensionSent: null,
      requestUri,
      scriptId,
      policy: policyInfo,
    });
  }

  const backend = policyGuardedBackend(
    await deps.startBackend(
      input.backend ? { ...config, telephony: { ...config.telephony, backend: input.backend } } : config,
    ),
    (id) => policy.isAuthorized(id),
  );
  let call: Call | undefined;
  try {
    try {
      call = await backend.dial(
        {
          attemptId,
          requestUri,
          policyDecisionId: decision.id,
          ringTimeoutMs: config.telephony.ringTimeoutSeconds * 1000,
          headers: { 'X-Fyrkant-Attempt': attemptId },
          trace: (e) => trace.push(e),
        },
        deps.signal,
      );
    } catch (err) {
      if (!(err instanceof DialFailure)) throw err;
      const outcome = outcomeOfDialFailure(err);
      return done({
        outcome,
        sipStatus: err.sipStatus ?? null,
        // One language per reason: the SIP stack's detail is English, so it is added in English only
        // (it is in the trace either way).
        reason: err.sipStatus
          ? plainReason(outcome, err.sipStatus, words)
          : `${OUTCOME_REASONS[outcome][words]}${words === 'en' ? ` (${err.message})` : ''}`,
        callId: err.callId ?? null,
        extensionSent: null,
        requestUri,
        scriptId,
        policy: policyInfo,
      });
    }
    const result = await runScript({
      script,
      call,
      vars: { company: config.companyName, language: lang, ...(extension ? { extension } : {}) },
      prompts: new PromptLibrary({ cacheDir: resolve(config.ivr.promptCacheDir) }),
      trace: (e) => trace.push(e),
      maxCallMs: config.ivr.maxCallSeconds * 1000,
      extensionDelays: {
        preDelayMs: config.dialPlan.extension.preDelayMs,
        postDelayMs: config.dialPlan.extension.postDelayMs,
      },
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    const outcome = outcomeOfScript(result.result);
    return done({
      outcome,
      sipStatus: 200,
      reason: result.error ? `${result.reason}: ${result.error}` : result.reason,
      digits: result.digits,
      dtmfSource: result.dtmfSource ?? null,
      extensionSent: result.extensionSent ? extension : null,
      callId: call.callId,
      requestUri,
      scriptId,
      policy: policyInfo,
    });
  } finally {
    await call?.hangup().catch(() => {});
    await backend.stop().catch(() => {});
    decision.lease.release();
    scripts.close();
  }
}
