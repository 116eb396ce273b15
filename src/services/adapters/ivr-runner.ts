/**
 * The IVR interpreter behind the service's `ScriptRunner` port: picks the script for the purpose
 * (office-phone-verify for enrollment, signin-approve for sign-in, pin-verify for PIN mode), runs it
 * with the user's language and the extension, and hands back the interpreter's result.
 */
import { type IvrEventSink, maskSecretDtmf, type PromptProvider, runScript, type ScriptRegistry } from '../../ivr';
import type { TraceSink } from '../../telephony/port';
import type { ScriptInput, ScriptRun, ScriptRunner } from '../verification/ports';

export interface IvrRunnerOptions {
  readonly registry: Pick<ScriptRegistry, 'get'>;
  readonly prompts: PromptProvider;
  readonly company: string;
  readonly maxCallMs: number;
  readonly extensionDelays?: { readonly preDelayMs?: number; readonly postDelayMs?: number };
  readonly scripts: {
    readonly enrollment: string;
    readonly signIn: string;
    readonly test: string;
    readonly pin: string;
  };
}

export function ivrScriptRunner(o: IvrRunnerOptions): ScriptRunner {
  const idFor = (purpose: string, pin: boolean) =>
    pin
      ? o.scripts.pin
      : purpose === 'enrollment'
        ? o.scripts.enrollment
        : purpose === 'sign-in'
          ? o.scripts.signIn
          : o.scripts.test;
  // Pairs each guarded trace sink with the IVR event hook that switches its masking on and off.
  const maskHooks = new WeakMap<TraceSink, IvrEventSink>();
  return {
    guardTrace(sink) {
      const mask = maskSecretDtmf(sink);
      maskHooks.set(mask.trace, mask.onEvent);
      return mask.trace;
    },
    select({ purpose, pin }) {
      const id = idFor(purpose, pin);
      return { scriptId: id, hash: o.registry.get(id)?.hash ?? 'missing' };
    },
    async run(call, input: ScriptInput): Promise<ScriptRun> {
      const script = input.script ?? o.registry.get(input.scriptId);
      if (!script) {
        await call.hangup('no script');
        return { result: 'error', digits: '', detail: `script ${input.scriptId} is not loaded (missing or invalid)` };
      }
      const verifyPin = input.verifyPin;
      const outcome = await runScript({
        script,
        call,
        vars: {
          company: o.company,
          language: input.language,
          ...(input.variables.extension ? { extension: input.variables.extension } : {}),
          ...(input.variables.displayName ? { displayName: input.variables.displayName } : {}),
        },
        prompts: o.prompts,
        ...(verifyPin ? { pinVerifier: { verify: (digits: string) => verifyPin(digits) } } : {}),
        signal: input.signal,
        trace: input.trace,
        onEvent: (e) => {
          maskHooks.get(input.trace)?.(e);
          if (e.kind === 'listening') input.onListening?.();
        },
        maxCallMs: o.maxCallMs,
        ...(input.onAnswer
          ? {
              onDecided: (d) =>
                input.onAnswer?.({
                  result: d.result,
                  digits: d.digits,
                  ...(d.dtmfSource ? { dtmfSource: d.dtmfSource } : {}),
                  digitsSent: d.extensionSent ? (input.variables.extension ?? '') : '',
                }),
            }
          : {}),
        ...(o.extensionDelays ? { extensionDelays: o.extensionDelays } : {}),
      });
      return {
        result: outcome.result,
        digits: outcome.digits,
        ...(outcome.dtmfSource ? { dtmfSource: outcome.dtmfSource } : {}),
        digitsSent: outcome.extensionSent ? (input.variables.extension ?? '') : '',
        detail: outcome.error ? `${outcome.reason}: ${outcome.error}` : outcome.reason,
      };
    },
  };
}
