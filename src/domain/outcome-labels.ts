/** Short names of the call outcomes for badges, filters and tables, in Swedish and English. */
import type { CallOutcome } from './call-outcomes';
import type { Language, Localized } from './language';

export const OUTCOME_LABELS: Readonly<Record<CallOutcome, Localized>> = {
  approved: { sv: 'Godkänd', en: 'Approved' },
  denied: { sv: 'Nekad', en: 'Denied' },
  fraud: { sv: 'Rapporterad som obeställd', en: 'Reported as unwanted' },
  'no-input': { sv: 'Ingen knapp trycktes', en: 'No key pressed' },
  'pin-failed': { sv: 'Fel PIN-kod', en: 'Wrong PIN' },
  hangup: { sv: 'Lades på', en: 'Hung up' },
  busy: { sv: 'Upptaget', en: 'Busy' },
  'no-answer': { sv: 'Inget svar', en: 'No answer' },
  rejected: { sv: 'Avvisat', en: 'Rejected' },
  'not-found': { sv: 'Numret finns inte', en: 'Number not found' },
  unavailable: { sv: 'Kunde inte nås', en: 'Unavailable' },
  cancelled: { sv: 'Avbrutet', en: 'Cancelled' },
  timeout: { sv: 'Tog för lång tid', en: 'Timed out' },
  failed: { sv: 'Misslyckades', en: 'Failed' },
  'policy-denied': { sv: 'Stoppat av samtalsreglerna', en: 'Stopped by the calling rules' },
  'rate-limited': { sv: 'För många samtal', en: 'Too many calls' },
  blocked: { sv: 'Användaren är spärrad', en: 'User blocked' },
  interrupted: { sv: 'Avbrutet av omstart', en: 'Interrupted by a restart' },
};

export function outcomeLabel(outcome: string, lang: Language): string {
  return Object.hasOwn(OUTCOME_LABELS, outcome) ? OUTCOME_LABELS[outcome as CallOutcome][lang] : outcome;
}
