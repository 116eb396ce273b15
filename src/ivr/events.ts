/**
 * Structured trace of a script run. The interpreter also mirrors each event as a one-line `note` into
 * the attempt's `TraceSink` (the port's trace), so the attempt log reads as one timeline.
 */
import type { DtmfSource } from '../telephony/port';
import type { ScriptResult } from './results';
import type { VerbName } from './schema';

export type IvrEvent =
  | {
      readonly kind: 'script-start';
      readonly at: number;
      readonly scriptId: string;
      readonly hash: string;
      readonly language: string;
    }
  | {
      readonly kind: 'verb-start';
      readonly at: number;
      readonly step: number;
      readonly id?: string;
      readonly verb: VerbName;
    }
  | {
      readonly kind: 'verb-end';
      readonly at: number;
      readonly step: number;
      readonly verb: VerbName;
      /** `next`, `goto <id>`, `stop`. */
      readonly then: string;
    }
  | { readonly kind: 'step-skipped'; readonly at: number; readonly step: number; readonly verb: VerbName }
  | {
      readonly kind: 'prompt';
      readonly at: number;
      readonly name: string;
      readonly status: 'completed' | 'interrupted' | 'aborted' | 'call-ended';
    }
  | {
      readonly kind: 'digits';
      readonly at: number;
      /** Masked (`*`) when the input is a PIN. */
      readonly digits: string;
      readonly source?: DtmfSource;
      readonly outcome: 'matched' | 'invalid' | 'no-input' | 'collected';
      readonly attempt: number;
    }
  | { readonly kind: 'digits-sent'; readonly at: number; readonly digits: string }
  /** A `gather` starts listening for the caller's answer; `buffered` keys were pressed before it. */
  | { readonly kind: 'listening'; readonly at: number; readonly step: number; readonly buffered: number }
  /** A PIN is being collected (`active`) or no longer: keys in between are secret (see `secret-mask.ts`). */
  | { readonly kind: 'secret-input'; readonly at: number; readonly active: boolean }
  | { readonly kind: 'result'; readonly at: number; readonly result: ScriptResult }
  | { readonly kind: 'error'; readonly at: number; readonly message: string };

export type IvrEventSink = (event: IvrEvent) => void;

export function describeEvent(e: IvrEvent): string {
  switch (e.kind) {
    case 'script-start':
      return `ivr: script ${e.scriptId} (${e.hash.slice(0, 12)}) starts in ${e.language}`;
    case 'verb-start':
      return `ivr: step ${e.step}${e.id ? ` (${e.id})` : ''} ${e.verb}`;
    case 'verb-end':
      return `ivr: step ${e.step} ${e.verb} done → ${e.then}`;
    case 'step-skipped':
      return `ivr: step ${e.step} ${e.verb} skipped (condition false)`;
    case 'prompt':
      return `ivr: prompt ${e.name} ${e.status}`;
    case 'digits':
      return `ivr: input "${e.digits}" (try ${e.attempt}) ${e.outcome}${e.source ? ` via ${e.source}` : ''}`;
    case 'digits-sent':
      return `ivr: sent digits "${e.digits}"`;
    case 'listening':
      return `ivr: step ${e.step} listens for keys${e.buffered ? ` (${e.buffered} pressed earlier, kept)` : ''}`;
    case 'secret-input':
      return e.active ? 'ivr: PIN entry starts (keys masked)' : 'ivr: PIN entry ends';
    case 'result':
      return `ivr: result ${e.result}`;
    case 'error':
      return `ivr: error: ${e.message}`;
  }
}
