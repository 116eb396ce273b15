/**
 * A user's registration status, the one rule every caller (admin pages, REST API, bulk sends,
 * dashboard coverage) uses:
 *
 * - `blocked`   — calls are refused until `blockedUntil` (admin or fraud auto-block), whatever the phones;
 * - `verified`  — at least one phone method passed a verification call;
 * - `pending`   — a phone was added but not verified yet, or an unused enrollment link is out;
 * - `none`      — nothing: the user has to be sent an enrollment link.
 */
export const REGISTRATION_STATUSES = ['none', 'pending', 'verified', 'blocked'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

export function isRegistrationStatus(s: unknown): s is RegistrationStatus {
  return typeof s === 'string' && (REGISTRATION_STATUSES as readonly string[]).includes(s);
}

/** What the status is computed from (one row per user, see `store/repo/user-admin`). */
export interface RegistrationFacts {
  readonly blockedUntil: number | null;
  readonly methods: number;
  readonly verifiedMethods: number;
  /** Unused enrollment links that have not expired. */
  readonly openLinks: number;
}

export function registrationStatus(f: RegistrationFacts, now: number): RegistrationStatus {
  if (f.blockedUntil !== null && f.blockedUntil > now) return 'blocked';
  if (f.verifiedMethods > 0) return 'verified';
  if (f.methods > 0 || f.openLinks > 0) return 'pending';
  return 'none';
}

export type Coverage = Readonly<Record<RegistrationStatus, number>> & { readonly total: number };

export function coverageOf(statuses: Iterable<RegistrationStatus>): Coverage {
  const c = { none: 0, pending: 0, verified: 0, blocked: 0, total: 0 };
  for (const s of statuses) {
    c[s]++;
    c.total++;
  }
  return c;
}
