/**
 * Dry run of a script: the real interpreter (`runScript`) on a call that exists only in memory. No
 * call is placed and no audio is rendered: prompts are named (and their text shown) instead of played,
 * the keys the admin typed are "pressed" when a `gather` starts listening, and waits are shortened so
 * a run that ends in "no input" takes a moment, not the script's real timeouts.
 *
 * Keys: one group per `gather`, separated by spaces — `"#"` answers the first question with #,
 * `"12 #"` answers the first with 12 and the second with #. A gather with no group left hears nothing.
 */
import { EventEmitter } from 'node:events';
import type { Call, CallEvents, CallState, DtmfDigit, PlayOptions, PlayResult, PromptAudio } from '../telephony/port';
import type { IvrEvent } from './events';
import type { PromptProvider, PromptRequest } from './prompt-source';
import type { ScriptResult } from './results';
import type { ParsedStep } from './schema';
import type { LoadedScript } from './script';
import { runScript } from './session';
import { expand, type Vars } from './template';

export interface SimulatedPrompt {
  /** e.g. `office-phone-verify/greeting@sv-SE`. */
  readonly name: string;
  readonly key?: string;
  readonly language?: string;
  /** The text that would be spoken (variables filled in); absent for a recording. */
  readonly text?: string;
  readonly step: number;
}

export interface SimulationStep {
  readonly step: number;
  readonly id?: string;
  readonly verb: string;
  readonly next?: string;
}

export interface SimulationResult {
  readonly result: ScriptResult;
  readonly reason: string;
  readonly prompts: readonly SimulatedPrompt[];
  readonly steps: readonly SimulationStep[];
  /** What each gather heard: the keys and how they were judged. */
  readonly inputs: readonly { readonly digits: string; readonly outcome: string }[];
  readonly digitsSent: readonly string[];
  readonly error?: string;
}

export interface SimulationOptions {
  readonly keys: string;
  readonly language: string;
  readonly vars?: { readonly company?: string; readonly extension?: string; readonly challengeDigit?: string };
  /** For `pin: true` matches: the PIN the simulated user has (default 1234). */
  readonly pin?: string;
  /** Names the prompts (`PromptLibrary.plan`); nothing is rendered. */
  readonly plan: (
    script: LoadedScript,
    language: string,
    request: PromptRequest,
    vars: Vars,
  ) => { name: string; language: string };
}

/** Gathers wait at most this long in a simulation (the keys arrive at once, so this only ends "no input"). */
const SIM_WAIT_MS = 150;

export async function simulateScript(script: LoadedScript, o: SimulationOptions): Promise<SimulationResult> {
  const fast = quickened(script);
  const groups = o.keys.trim() === '' ? [] : o.keys.trim().split(/\s+/);
  const call = new SimulatedCall();
  const prompts: SimulatedPrompt[] = [];
  const steps: SimulationStep[] = [];
  const inputs: { digits: string; outcome: string }[] = [];
  let currentStep = 0;
  const provider: PromptProvider = {
    forScript: (s, language) => ({
      audio: async (request, vars): Promise<PromptAudio> => {
        const p = o.plan(s, language, request, vars);
        prompts.push({ name: p.name, step: currentStep, ...describePrompt(s, request, p.language, vars) });
        return { name: p.name, path: '', hash: '' };
      },
    }),
  };
  const onEvent = (e: IvrEvent) => {
    if (e.kind === 'verb-start') {
      currentStep = e.step;
      steps.push({ step: e.step, verb: e.verb, ...(e.id ? { id: e.id } : {}) });
    } else if (e.kind === 'verb-end') {
      const last = steps.at(-1);
      if (last && last.step === e.step) steps[steps.length - 1] = { ...last, next: e.then };
    } else if (e.kind === 'listening') {
      const group = groups.shift();
      if (group) setImmediate(() => call.press(group));
    } else if (e.kind === 'digits') inputs.push({ digits: e.digits, outcome: e.outcome });
  };
  const pin = o.pin ?? '1234';
  const outcome = await runScript({
    script: fast,
    call,
    vars: {
      company: o.vars?.company ?? 'fyrkant',
      language: o.language,
      ...(o.vars?.extension ? { extension: o.vars.extension } : {}),
      ...(o.vars?.challengeDigit ? { challengeDigit: o.vars.challengeDigit } : {}),
    },
    prompts: provider,
    pinVerifier: { verify: async (digits: string) => digits === pin },
    onEvent,
    maxCallMs: 60_000,
    extensionDelays: { preDelayMs: 0, postDelayMs: 0 },
  });
  return {
    result: outcome.result,
    reason: outcome.reason,
    prompts,
    steps,
    inputs,
    digitsSent: call.sent,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

function describePrompt(
  script: LoadedScript,
  request: PromptRequest,
  language: string,
  vars: Vars,
): { key?: string; language?: string; text?: string } {
  if (request.kind === 'digits') return { language, text: expand(request.digits, vars) };
  if (request.kind === 'say') {
    const t = typeof request.text === 'string' ? request.text : request.text[language];
    const text = typeof t === 'string' ? t : t && 'text' in t ? t.text : undefined;
    return { language, ...(text !== undefined ? { text: expand(text, vars) } : {}) };
  }
  const v = script.data.prompts[request.key]?.[language];
  const text = typeof v === 'string' ? v : v && 'text' in v ? v.text : undefined;
  return { key: request.key, language, ...(text !== undefined ? { text: expand(text, vars) } : {}) };
}

/** The same script with every wait cut short (pauses, gather timeouts); everything else unchanged. */
function quickened(script: LoadedScript): LoadedScript {
  const steps = script.steps.map((s): ParsedStep => {
    if (s.verb === 'pause') return { ...s, args: 0 } as ParsedStep;
    if (s.verb === 'gather') {
      const a = (s as ParsedStep<'gather'>).args;
      return { ...s, args: { ...a, timeoutMs: SIM_WAIT_MS, interDigitTimeoutMs: SIM_WAIT_MS } } as ParsedStep;
    }
    return s;
  });
  return { ...script, steps };
}

class SimulatedCall extends EventEmitter<CallEvents> implements Call {
  readonly attemptId = 'simulation';
  readonly callId = 'simulation';
  readonly dtmfModes = ['rfc4733'] as const;
  state: CallState = { name: 'answered', answeredAt: Date.now() };
  readonly sent: string[] = [];

  async play(_audio: PromptAudio, options: PlayOptions): Promise<PlayResult> {
    if (this.state.name === 'ended') return { status: 'call-ended' };
    if (options.signal?.aborted) return { status: 'aborted' };
    return { status: 'completed' };
  }

  async sendDigits(digits: string): Promise<void> {
    this.sent.push(digits);
  }

  async hangup(reason = 'hangup'): Promise<void> {
    if (this.state.name === 'ended') return;
    const end = { at: Date.now(), by: 'local' as const, reason };
    this.state = { name: 'ended', answeredAt: this.state.answeredAt, end };
    this.emit('end', end);
  }

  press(keys: string): void {
    for (const digit of keys) {
      if (this.state.name === 'ended') return;
      this.emit('dtmf', { digit: digit as DtmfDigit, source: 'rfc4733', at: Date.now() });
    }
  }
}
