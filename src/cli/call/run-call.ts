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
import { type CallOutcome, plainReason } from '../../domain/call-outcomes';
import { planDial } from '../../domain/dialplan';
import { type Language, textLanguage } from '../../domain/language';
import { parsePhone } from '../../domain/phone';
import { type Destination, DestinationPolicy } from '../../domain/policy';
import { loadScripts, PromptLibrary } from '../../ivr';
import { ivrScriptRunner } from '../../services/adapters/ivr-runner';
import { type CallRunResult, runVerificationCall } from '../../services/calls/call-run';
import type { BackendName, DtmfSource, TelephonyBackend, TraceEvent } from '../../telephony/port';

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
  const runner = ivrScriptRunner({
    registry: scripts,
    prompts: new PromptLibrary({ cacheDir: resolve(config.ivr.promptCacheDir) }),
    company: config.companyName,
    maxCallMs: config.ivr.maxCallSeconds * 1000,
    extensionDelays: {
      preDelayMs: config.dialPlan.extension.preDelayMs,
      postDelayMs: config.dialPlan.extension.postDelayMs,
    },
    scripts: { enrollment: scriptId, signIn: scriptId, test: scriptId, pin: scriptId },
  });
  try {
    // The same call run (policy decision → dial → script → outcome) as the service's.
    const r = await runVerificationCall({
      backend,
      attemptId,
      authorize: () => ({ allowed: true, decisionId: decision.id, requestUri, postAnswerDigits: extension ?? '' }),
      release: () => decision.lease.release(),
      ringTimeoutMs: config.telephony.ringTimeoutSeconds * 1000,
      maxCallMs: config.ivr.maxCallSeconds * 1000,
      trace: (e) => trace.push(e),
      headers: { 'X-Fyrkant-Attempt': attemptId },
      ...(deps.signal ? { signal: deps.signal } : {}),
      runScript: (call, ctx) =>
        runner.run(call, {
          attemptId,
          scriptId,
          language: lang,
          variables: { extension: ctx.extension, displayName: '' },
          signal: ctx.signal,
          trace: (e) => trace.push(e),
        }),
    });
    return done({ ...reportOf(r, words), requestUri, scriptId, policy: policyInfo });
  } finally {
    await backend.stop().catch(() => {});
    decision.lease.release();
    scripts.close();
  }
}

/** The call run's result as the command reports it (plain words in the chosen language). */
function reportOf(
  r: CallRunResult,
  words: Language,
): Pick<CallReport, 'outcome' | 'sipStatus' | 'reason' | 'digits' | 'dtmfSource' | 'extensionSent' | 'callId'> {
  const base = { outcome: r.outcome, digits: '', dtmfSource: null, extensionSent: null, callId: null } as const;
  if (r.stage === 'refused') return { ...base, sipStatus: null, reason: r.refusal.message[words] };
  if (r.stage === 'not-answered') {
    const reason = plainReason(r.outcome, r.sipStatus, words);
    return {
      ...base,
      sipStatus: r.sipStatus ?? null,
      reason: r.sipStatus ? reason : `${reason} (${r.failure.message})`,
      callId: r.callId ?? null,
    };
  }
  const detail = r.run.detail ? ` (${r.run.detail})` : '';
  return {
    outcome: r.outcome,
    sipStatus: r.sipStatus,
    reason: `${plainReason(r.outcome, r.sipStatus, words)}${detail}`,
    digits: r.run.digits,
    dtmfSource: r.run.dtmfSource ?? null,
    extensionSent: r.run.digitsSent ? r.run.digitsSent : null,
    callId: r.callId,
  };
}
