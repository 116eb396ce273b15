/**
 * Ending an attempt: the `ended` transition and everything it implies commit in ONE transaction —
 * enrollment approved → method verified (first verified = default) and the app password's hash;
 * fraud → report, optional auto-block, audit; retryable failure → retry scheduled; webhook queued.
 * Nothing is reported (bus, metrics, webhook send) before the commit.
 */
import { ENROLLMENT_APP_PASSWORD_NAME } from '../../domain/app-passwords/generate';
import type { AttemptPurpose, AttemptTransition } from '../../domain/attempt-state';
import type { CallOutcome } from '../../domain/call-outcomes';
import { backoffDelay } from '../../domain/retry/backoff';
import {
  type Attempt,
  activeAppPasswordHashes,
  audit,
  enqueueWebhook,
  getApiKey,
  immediate,
  insertAppPassword,
  insertFraudReport,
  listPhoneMethods,
  markPhoneMethodVerified,
  requireAttempt,
  type Store,
  scheduleRetry,
  transitionAttempt,
  updateUser,
} from '../../store';
import type { AppPasswordInfo } from '../../store/repo/app-passwords';
import type { VerificationSettings } from './settings';

export type EndDetails = Omit<Extract<AttemptTransition, { to: 'ended' }>, 'to' | 'outcome'>;

export interface FinishInput {
  readonly attemptId: string;
  readonly outcome: CallOutcome;
  readonly details: EndDetails;
  /** Precomputed hash of a new app password, if one is to be issued on approval. */
  readonly appPasswordHash?: string;
  /** Phone methods already tried in this chain (for the backup phone). */
  readonly triedMethodIds: readonly string[];
  /** The caller chose the method explicitly: no backup phone then. */
  readonly methodChosen: boolean;
}

/** What happens after an attempt ended: nothing, the next verified phone at once, or a retry later. */
export type NextStep =
  | { readonly kind: 'none' }
  | { readonly kind: 'backup-now'; readonly methodId: string }
  | { readonly kind: 'retry'; readonly at: number };

export interface FinishResult {
  readonly attempt: Attempt;
  readonly appPassword?: AppPasswordInfo;
  readonly fraudBlockedUntil?: number;
  readonly next: NextStep;
  readonly webhookQueued: boolean;
}

export function webhookPayload(a: Attempt): Record<string, unknown> {
  return {
    type: 'attempt.ended',
    attempt: {
      id: a.id,
      userId: a.userId,
      phoneMethodId: a.phoneMethodId,
      purpose: a.purpose,
      outcome: a.outcome,
      reasonCode: a.reasonCode,
      sipStatus: a.sipStatus,
      tryNo: a.tryNo,
      retryOf: a.retryOf,
      queuedAt: a.queuedAt,
      endedAt: a.endedAt,
    },
  };
}

/** Queues the webhook for the key that asked for the attempt (if it has a URL). Inside the caller's transaction. */
export function queueWebhookFor(store: Store, a: Attempt, at: number): boolean {
  const by = a.requestedBy;
  if (!by?.startsWith('apikey:')) return false;
  const key = getApiKey(store.db, by.slice('apikey:'.length));
  if (!key?.webhookUrl || key.revokedAt !== null) return false;
  enqueueWebhook(
    store.db,
    { apiKeyId: key.id, attemptId: a.id, url: key.webhookUrl, payload: JSON.stringify(webhookPayload(a)) },
    at,
  );
  return true;
}

function nextBackupMethod(store: Store, userId: string, tried: readonly string[]): string | undefined {
  return listPhoneMethods(store.db, userId).find((m) => m.verifiedAt !== null && !tried.includes(m.id))?.id;
}

export function retryDelayFor(
  settings: VerificationSettings,
  purpose: AttemptPurpose,
  outcome: CallOutcome,
  tryNo: number,
): number | undefined {
  if (!settings.retry.outcomes.includes(outcome)) return undefined;
  // A sign-in waits for a person at a login screen: retrying minutes later would only annoy.
  if (purpose === 'sign-in') return undefined;
  return backoffDelay(settings.retry, tryNo + 1);
}

function nextStep(
  store: Store,
  settings: VerificationSettings,
  input: FinishInput,
  attempt: Attempt,
  at: number,
): NextStep {
  const delay = retryDelayFor(settings, attempt.purpose, input.outcome, attempt.tryNo);
  if (delay !== undefined) return { kind: 'retry', at: at + delay };
  const wantsBackup =
    attempt.purpose === 'sign-in' &&
    settings.backupPhone &&
    !input.methodChosen &&
    attempt.userId &&
    settings.retry.outcomes.includes(input.outcome);
  const methodId =
    wantsBackup && attempt.userId ? nextBackupMethod(store, attempt.userId, input.triedMethodIds) : undefined;
  return methodId ? { kind: 'backup-now', methodId } : { kind: 'none' };
}

export function finishAttempt(store: Store, settings: VerificationSettings, input: FinishInput): FinishResult {
  const at = input.details.at ?? Date.now();
  return immediate(store.sqlite, () => {
    const attempt = transitionAttempt(store.db, input.attemptId, {
      to: 'ended',
      outcome: input.outcome,
      ...input.details,
      at,
    });
    let appPassword: AppPasswordInfo | undefined;
    let fraudBlockedUntil: number | undefined;
    const userId = attempt.userId;

    if (input.outcome === 'approved' && attempt.purpose === 'enrollment' && attempt.phoneMethodId) {
      markPhoneMethodVerified(store.db, attempt.phoneMethodId, at);
      audit(store.db, {
        actor: 'system',
        action: 'phone-method.verified',
        target: `phone-method:${attempt.phoneMethodId}`,
        detail: { attemptId: attempt.id, userId },
        at,
      });
      if (input.appPasswordHash && userId && activeAppPasswordHashes(store.db, userId).length === 0) {
        appPassword = insertAppPassword(
          store.db,
          { userId, name: ENROLLMENT_APP_PASSWORD_NAME, hash: input.appPasswordHash },
          at,
        );
        audit(store.db, {
          actor: 'system',
          action: 'app-password.issue',
          target: `user:${userId}`,
          detail: { appPasswordId: appPassword.id, attemptId: attempt.id },
          at,
        });
      }
    }

    if (input.outcome === 'fraud') {
      if (userId && settings.fraudAutoBlockDays) {
        fraudBlockedUntil = at + settings.fraudAutoBlockDays * 86_400_000;
        updateUser(store.db, userId, { blockedUntil: fraudBlockedUntil }, at);
      }
      const report = insertFraudReport(
        store.db,
        {
          attemptId: attempt.id,
          userId,
          digits: input.details.digitsReceived ?? null,
          blockedUntil: fraudBlockedUntil ?? null,
        },
        at,
      );
      audit(store.db, {
        actor: 'system',
        action: 'fraud.report',
        target: userId ? `user:${userId}` : `attempt:${attempt.id}`,
        detail: { attemptId: attempt.id, fraudReportId: report.id, blockedUntil: fraudBlockedUntil ?? null },
        at,
      });
    }

    const next = nextStep(store, settings, input, attempt, at);
    // Stored so a restart still places it; the retry job (or the service at once) picks it up.
    if (next.kind !== 'none') scheduleRetry(store.db, attempt.id, next.kind === 'retry' ? next.at : at);

    const final = requireAttempt(store.db, attempt.id);
    // The webhook reports the chain's result: not while a retry or backup call is still to come.
    const webhookQueued = next.kind === 'none' ? queueWebhookFor(store, final, at) : false;
    return {
      attempt: final,
      ...(appPassword ? { appPassword } : {}),
      ...(fraudBlockedUntil !== undefined ? { fraudBlockedUntil } : {}),
      next,
      webhookQueued,
    };
  });
}
