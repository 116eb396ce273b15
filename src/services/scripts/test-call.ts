/**
 * The script editor's "Test call" (issue 15): validates the draft, then has the verification service
 * place one test call running it; and the attempt's state for the page's live status.
 */
import type { ScriptProblem } from '../../ivr/diagnostics-i18n';
import { getAttempt, type Store } from '../../store';
import type { Texts } from '../verification/ports';
import type { VerificationService } from '../verification/service';
import type { ScriptService } from './service';

export interface DraftTestCallInput {
  readonly scriptId: string;
  readonly source: string;
  readonly destination: string;
  readonly language: string;
  readonly requestedBy: string;
}

export type DraftTestCallResult =
  | { readonly ok: true; readonly attemptId: string }
  | { readonly ok: false; readonly error: 'refused'; readonly problems: readonly ScriptProblem[] }
  | { readonly ok: false; readonly error: 'denied'; readonly reasonCode: string; readonly message: Texts }
  | { readonly ok: false; readonly error: 'not-found' }
  /** This node is draining (issue 19): no call placed. */
  | { readonly ok: false; readonly error: 'unavailable'; readonly message: Texts; readonly retryAfterMs: number };

export interface TestCallStatus {
  readonly state: string;
  readonly outcome: string | null;
  readonly reasonCode: string | null;
  readonly scriptHash: string | null;
}

export interface DraftTestCalls {
  start(input: DraftTestCallInput): DraftTestCallResult;
  /** A test call's state; undefined for an unknown id or an attempt that is not a test call. */
  status(attemptId: string): TestCallStatus | undefined;
}

export function draftTestCalls(
  store: Store,
  scripts: ScriptService,
  verification: VerificationService,
): DraftTestCalls {
  return {
    start(input) {
      const d = scripts.testCallDraft(input.scriptId, input.source, input.language);
      if (!d.ok) return d.error === 'refused' ? d : { ok: false, error: 'not-found' };
      const r = verification.startDraftTest({
        destination: input.destination,
        country: scripts.homeCountry,
        draft: d.value,
        requestedBy: input.requestedBy,
      });
      if (r.status === 'queued' || r.status === 'bypassed') return { ok: true, attemptId: r.attempt.id };
      if (r.status === 'denied') return { ok: false, error: 'denied', reasonCode: r.reasonCode, message: r.message };
      if (r.status === 'no-method') return { ok: false, error: 'denied', reasonCode: 'no-method', message: r.message };
      if (r.status === 'unavailable')
        return { ok: false, error: 'unavailable', message: r.message, retryAfterMs: r.retryAfterMs };
      return { ok: false, error: 'not-found' };
    },
    status(attemptId) {
      const a = getAttempt(store.db, attemptId);
      if (a?.purpose !== 'test') return undefined;
      return { state: a.state, outcome: a.outcome, reasonCode: a.reasonCode, scriptHash: a.scriptHash };
    },
  };
}
