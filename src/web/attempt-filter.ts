/**
 * The attempts filter (attempt list, sign-in verifications): every value is checked and a bad one is
 * reported as an error next to its field — never silently ignored, which would show a list the
 * admin did not ask for.
 */
import { ATTEMPT_PURPOSES, type AttemptPurpose } from '../domain/attempt-state';
import { type CallOutcome, isCallOutcome } from '../domain/call-outcomes';
import type { Messages } from './i18n';

export interface AttemptFilterInput {
  readonly outcome: string;
  readonly purpose: string;
  readonly user: string;
  readonly since: string;
}

export interface AttemptFilterQuery {
  readonly outcome?: CallOutcome;
  readonly purpose?: AttemptPurpose;
  readonly userId?: string;
  readonly since?: number;
}

export function readAttemptFilter(query: unknown): AttemptFilterInput {
  const q = (query ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim().slice(0, 100) : '');
  return { outcome: str('outcome'), purpose: str('purpose'), user: str('user'), since: str('since') };
}

/** Local midnight of a real calendar day `YYYY-MM-DD`, or NaN. */
export function parseDay(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return Number.NaN;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3])
    ? d.getTime()
    : Number.NaN;
}

export function checkAttemptFilter(
  input: AttemptFilterInput,
  m: Messages,
  findUserId: (username: string) => string | undefined,
): { query: AttemptFilterQuery; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const query: { -readonly [K in keyof AttemptFilterQuery]: AttemptFilterQuery[K] } = {};
  if (input.outcome) {
    if (isCallOutcome(input.outcome)) query.outcome = input.outcome;
    else errors.outcome = m.t('adm.filter.badOutcome', { value: input.outcome });
  }
  if (input.purpose) {
    if ((ATTEMPT_PURPOSES as readonly string[]).includes(input.purpose))
      query.purpose = input.purpose as AttemptPurpose;
    else errors.purpose = m.t('adm.filter.badPurpose', { value: input.purpose });
  }
  if (input.user) {
    const id = findUserId(input.user);
    if (id) query.userId = id;
    else errors.user = m.t('adm.filter.noUser', { value: input.user });
  }
  if (input.since) {
    const t = parseDay(input.since);
    if (Number.isFinite(t)) query.since = t;
    else errors.since = m.t('adm.filter.badDate', { value: input.since });
  }
  return { query, errors };
}
