/**
 * What an attempt ended with, and what a SIP final response means in plain words for the UI.
 *
 * The words only: which failure a status is lives in src/telephony/dial-failure.ts, which outcome a
 * failure or a script result is lives in src/services/calls/outcome.ts. The API and the web UI show
 * these texts, the CLI prints them, the metrics count the outcomes.
 */
import type { Language } from './language';

export { type Language, textLanguage } from './language';

export const CALL_OUTCOMES = [
  // The script's verdicts
  'approved',
  'denied',
  'fraud',
  'no-input',
  'pin-failed',
  // The call ended before a verdict
  'hangup',
  'busy',
  'no-answer',
  'rejected',
  'not-found',
  'unavailable',
  'cancelled',
  'timeout',
  'failed',
  // Never dialled / never finished
  'policy-denied',
  'rate-limited',
  'blocked',
  'interrupted',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export function isCallOutcome(s: string): s is CallOutcome {
  return (CALL_OUTCOMES as readonly string[]).includes(s);
}

export interface PlainReason {
  readonly sv: string;
  readonly en: string;
}

/** Specific statuses first; `sipStatusText` falls back to the class (4xx/5xx/6xx). */
const BY_STATUS: Readonly<Record<number, PlainReason>> = {
  400: t('PBX:n förstod inte samtalet (400 Bad Request).', 'The PBX did not understand the call (400 Bad Request).'),
  401: t('PBX:n godtog inte våra inloggningsuppgifter (401).', 'The PBX did not accept our credentials (401).'),
  403: t('PBX:n nekade samtalet (403 Forbidden).', 'The PBX refused the call (403 Forbidden).'),
  404: t('PBX:n säger att numret inte finns (404).', 'The PBX says the number does not exist (404).'),
  407: t('Trunken godtog inte våra inloggningsuppgifter (407).', 'The trunk did not accept our credentials (407).'),
  408: t('Ingen svarade i tid (408 Request Timeout).', 'Nobody answered in time (408 Request Timeout).'),
  410: t('Numret används inte längre (410 Gone).', 'The number is no longer in use (410 Gone).'),
  480: t('Telefonen är inte tillgänglig just nu (480).', 'The phone is not available right now (480).'),
  484: t('Numret är ofullständigt (484 Address Incomplete).', 'The number is incomplete (484 Address Incomplete).'),
  486: t('Det var upptaget (486 Busy Here).', 'The line was busy (486 Busy Here).'),
  487: t('Samtalet avbröts innan någon svarade (487).', 'The call was cancelled before anyone answered (487).'),
  488: t(
    'Telefonen och fyrkant kunde inte enas om ljudformat (488).',
    'The phone and fyrkant could not agree on an audio format (488).',
  ),
  500: t('PBX:n fick ett internt fel (500).', 'The PBX had an internal error (500).'),
  502: t(
    'Nästa växel svarade inte rätt (502 Bad Gateway).',
    'The next exchange did not answer properly (502 Bad Gateway).',
  ),
  503: t('PBX:n eller trunken är inte tillgänglig (503).', 'The PBX or trunk is unavailable (503).'),
  504: t('Nästa växel svarade inte i tid (504).', 'The next exchange did not answer in time (504).'),
  600: t('Det är upptaget överallt (600 Busy Everywhere).', 'Busy everywhere (600 Busy Everywhere).'),
  603: t('Samtalet avvisades (603 Decline).', 'The call was declined (603 Decline).'),
  604: t('Numret finns inte någonstans (604).', 'The number does not exist anywhere (604).'),
};

function t(sv: string, en: string): PlainReason {
  return { sv, en };
}

/** Plain words for a final non-2xx SIP status (3xx–6xx). */
export function sipStatusText(status: number): PlainReason {
  const exact = BY_STATUS[status];
  if (exact) return exact;
  if (status >= 300 && status < 400)
    return t(
      `PBX:n ville skicka samtalet vidare, vilket fyrkant inte följer (${status}).`,
      `The PBX wanted to redirect the call, which fyrkant does not follow (${status}).`,
    );
  if (status >= 400 && status < 500)
    return t(`PBX:n avvisade samtalet (${status}).`, `The PBX rejected the call (${status}).`);
  if (status >= 500 && status < 600)
    return t(
      `PBX:n eller trunken kunde inte koppla samtalet (${status}).`,
      `The PBX or trunk could not connect the call (${status}).`,
    );
  if (status >= 600 && status < 700) return t(`Samtalet avvisades (${status}).`, `The call was declined (${status}).`);
  return t(`Oväntat svar från PBX:n (${status}).`, `Unexpected answer from the PBX (${status}).`);
}

/** Plain words for every outcome, for lists and summaries where no SIP status explains more. */
export const OUTCOME_REASONS: Readonly<Record<CallOutcome, PlainReason>> = {
  approved: { sv: 'Verifierad: # trycktes.', en: 'Verified: # was pressed.' },
  denied: { sv: 'Nekad av den som svarade.', en: 'Denied by the person who answered.' },
  fraud: {
    sv: 'Den som svarade rapporterade samtalet som bedrägeri.',
    en: 'The person who answered reported the call as fraud.',
  },
  'no-input': {
    sv: 'Samtalet besvarades men ingen knapp trycktes.',
    en: 'The call was answered but no key was pressed.',
  },
  'pin-failed': { sv: 'Fel PIN-kod angavs.', en: 'A wrong PIN was entered.' },
  hangup: {
    sv: 'Den som svarade lade på innan verifieringen var klar.',
    en: 'The person who answered hung up before verifying.',
  },
  busy: { sv: 'Det var upptaget.', en: 'The line was busy.' },
  'no-answer': { sv: 'Ingen svarade.', en: 'No one answered.' },
  rejected: { sv: 'PBX:n eller trunken avvisade samtalet.', en: 'The PBX or trunk rejected the call.' },
  'not-found': { sv: 'PBX:n säger att numret inte finns.', en: 'The PBX says the number does not exist.' },
  unavailable: { sv: 'PBX:n eller trunken är inte tillgänglig.', en: 'The PBX or trunk is unavailable.' },
  cancelled: { sv: 'Samtalet avbröts.', en: 'The call was cancelled.' },
  timeout: { sv: 'Samtalet tog för lång tid och avslutades.', en: 'The call took too long and was ended.' },
  failed: { sv: 'Samtalet misslyckades av tekniska skäl.', en: 'The call failed for a technical reason.' },
  'policy-denied': {
    sv: 'Numret får inte ringas enligt reglerna för samtal.',
    en: 'The number may not be called under the calling rules.',
  },
  'rate-limited': {
    sv: 'För många samtal på kort tid; försök igen om en stund.',
    en: 'Too many calls in a short time; try again in a while.',
  },
  blocked: {
    sv: 'Användaren är spärrad för verifieringssamtal (till exempel efter en bedrägerirapport).',
    en: 'The user is blocked from verification calls (for example after a fraud report).',
  },
  interrupted: { sv: 'Tjänsten startades om under samtalet.', en: 'The service restarted during the call.' },
};

/** Outcomes a far end's final status explains (the call was never answered). */
const DIAL_OUTCOMES: ReadonlySet<CallOutcome> = new Set([
  'busy',
  'no-answer',
  'rejected',
  'not-found',
  'unavailable',
  'failed',
]);

/**
 * Plain words for an ended attempt: the SIP status's words when the status explains the outcome,
 * else the outcome's. A 487 is the answer to our own CANCEL when we gave up ringing: "no one answered"
 * says more than "cancelled".
 */
export function plainReason(outcome: CallOutcome, sipStatus: number | undefined | null, lang: Language): string {
  if (sipStatus && sipStatus >= 300 && DIAL_OUTCOMES.has(outcome) && !(sipStatus === 487 && outcome === 'no-answer'))
    return sipStatusText(sipStatus)[lang];
  if (sipStatus === 487 && outcome === 'cancelled') return sipStatusText(487)[lang];
  return OUTCOME_REASONS[outcome][lang];
}
