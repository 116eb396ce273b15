/**
 * The common base of all verbs. A verb is built once from a validated step (`factory.ts`) and run with
 * a `VerbContext`; it says what comes next. Verbs never touch the session's control flow directly and
 * never import a telephony adapter — only the port's `Call`.
 */
import type { Call, DtmfSource, PlayResult } from '../../telephony/port';
import type { DtmfBuffer } from '../dtmf-buffer';
import type { IvrEvent } from '../events';
import type { PromptRequest } from '../prompt-source';
import type { ScriptResult, SettableResult } from '../results';
import type { ParsedStep, VerbName } from '../schema';
import type { LoadedScript } from '../script';
import type { Vars } from '../template';

/** Checks a PIN for the domain; the script (and this layer) never sees the stored PIN. */
export interface PinVerifier {
  verify(digits: string, signal?: AbortSignal): Promise<boolean>;
}

export type Next =
  | { readonly kind: 'next' }
  | { readonly kind: 'goto'; readonly step: string }
  | { readonly kind: 'stop' };
export const NEXT: Next = { kind: 'next' };
export const STOP: Next = { kind: 'stop' };
export const goTo = (step: string): Next => ({ kind: 'goto', step });

/** Mutable state of one run, shared by its verbs. */
export interface RunState {
  result: SettableResult | undefined;
  vars: Vars;
  /** The keys of the input that decided the result (PINs masked), e.g. `#`, `0#`, `7`. */
  decidingDigits: string;
  decidingSource: DtmfSource | undefined;
  extensionSent: boolean;
}

export interface VerbContext {
  readonly call: Call;
  readonly script: LoadedScript;
  readonly state: RunState;
  readonly dtmf: DtmfBuffer;
  readonly pin: PinVerifier | undefined;
  /** Site-wide delays for sending `{extension}`, overriding the step's own. */
  readonly extensionDelays: { readonly preDelayMs?: number; readonly postDelayMs?: number } | undefined;
  /** Aborted when the run must stop: call ended, maximum duration, or the caller aborted. */
  readonly signal: AbortSignal;
  emit(event: IvrEvent): void;
  /** Resolve the audio and play it; failures to find audio throw an `IvrError`. */
  play(request: PromptRequest, bargeIn: boolean): Promise<PlayResult>;
  /** Wait; with `bargeIn` a digit ends the wait early (the digit stays buffered). */
  sleep(ms: number, options?: { bargeIn?: boolean }): Promise<'elapsed' | 'digit' | 'stopped'>;
  setResult(result: SettableResult): void;
}

export interface Verb<V extends VerbName = VerbName> {
  readonly step: ParsedStep<V>;
  run(ctx: VerbContext): Promise<Next>;
}

/** A failure that ends the run with result `error` (or keeps an already decided result). */
export class IvrError extends Error {
  override readonly name = 'IvrError';
}

export type { ScriptResult };
