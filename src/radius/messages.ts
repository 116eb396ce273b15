/**
 * The Reply-Message a VPN or Wi-Fi client shows the person signing in, in their language. One place
 * for every reason a RADIUS request ends; short, because clients show them in small dialogs.
 */
import { type Language, type Localized, textLanguage } from '../domain/language';

/** Why the door answered as it did, beyond the call outcomes. */
export type DoorReason =
  | 'approved'
  | 'fraud'
  | 'not-approved'
  | 'pin-failed'
  | 'busy'
  | 'no-answer'
  | 'call-failed'
  | 'blocked'
  | 'policy'
  | 'rate-limited'
  | 'no-phone'
  | 'unknown-user'
  | 'wrong-password'
  | 'password-required'
  | 'directory-error'
  | 'answer-timeout'
  | 'challenge-expired'
  | 'challenge-pin'
  | 'challenge-press';

const TEXTS: Readonly<Record<DoorReason, Localized>> = {
  approved: { sv: 'Godkänd via din telefon.', en: 'Approved on your phone.' },
  fraud: {
    sv: 'Inloggningen stoppades: du rapporterade den i telefonen. Din administratör har fått veta det.',
    en: 'Sign-in stopped: you reported it on the phone. Your administrator has been told.',
  },
  'not-approved': {
    sv: 'Inloggningen godkändes inte i telefonen.',
    en: 'The sign-in was not approved on the phone.',
  },
  'pin-failed': { sv: 'Fel PIN-kod i telefonen.', en: 'Wrong PIN entered on the phone.' },
  busy: { sv: 'Din telefon var upptagen. Försök igen.', en: 'Your phone was busy. Please try again.' },
  'no-answer': { sv: 'Din telefon svarade inte. Försök igen.', en: 'Your phone did not answer. Please try again.' },
  'call-failed': {
    sv: 'Samtalet till din telefon gick inte fram. Försök igen eller kontakta din administratör.',
    en: 'The call to your phone did not get through. Try again or contact your administrator.',
  },
  blocked: {
    sv: 'Kontot är spärrat för verifieringssamtal. Kontakta din administratör.',
    en: 'This account is blocked from verification calls. Contact your administrator.',
  },
  policy: {
    sv: 'Ditt telefonnummer får inte ringas. Kontakta din administratör.',
    en: 'Your phone number may not be called. Contact your administrator.',
  },
  'rate-limited': {
    sv: 'För många inloggningssamtal just nu. Vänta några minuter och försök igen.',
    en: 'Too many sign-in calls right now. Wait a few minutes and try again.',
  },
  'no-phone': {
    sv: 'Kontot har ingen verifierad telefon. Kontakta din administratör.',
    en: 'This account has no verified phone. Contact your administrator.',
  },
  // The same words as a wrong password: an unknown name must not be told apart from the outside.
  'unknown-user': {
    sv: 'Kontot kan inte verifieras via telefon. Kontakta din administratör.',
    en: 'This account cannot be verified by phone. Contact your administrator.',
  },
  'wrong-password': { sv: 'Fel användarnamn eller lösenord.', en: 'Wrong user name or password.' },
  'password-required': { sv: 'Ange ditt lösenord.', en: 'Please enter your password.' },
  'directory-error': {
    sv: 'Lösenordet kunde inte kontrolleras just nu. Försök igen senare.',
    en: 'Your password could not be checked right now. Please try again later.',
  },
  'answer-timeout': {
    sv: 'Inget svar från telefonen i tid. Försök igen.',
    en: 'No answer from the phone in time. Please try again.',
  },
  'challenge-expired': {
    sv: 'Inloggningen tog för lång tid. Börja om.',
    en: 'The sign-in took too long. Please start again.',
  },
  'challenge-press': {
    sv: 'Svara i din kontorstelefon och tryck fyrkant (#). Fortsätt sedan här.',
    en: 'Answer your office phone and press # (pound). Then continue here.',
  },
  'challenge-pin': {
    sv: 'Svara i din kontorstelefon och ange din PIN-kod följd av fyrkant (#). Fortsätt sedan här.',
    en: 'Answer your office phone and enter your PIN followed by # (pound). Then continue here.',
  },
};

export function replyMessage(reason: DoorReason, language: string | Language | undefined): string {
  return TEXTS[reason][textLanguage(language)];
}

/** The door's reason for a call chain's outcome (one table for every mode). */
export function reasonOfOutcome(outcome: string): DoorReason {
  switch (outcome) {
    case 'approved':
      return 'approved';
    case 'fraud':
      return 'fraud';
    case 'denied':
    case 'no-input':
    case 'hangup':
      return 'not-approved';
    case 'pin-failed':
      return 'pin-failed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'policy-denied':
      return 'policy';
    case 'rate-limited':
      return 'rate-limited';
    case 'timeout':
    case 'cancelled':
      return 'answer-timeout';
    default:
      return 'call-failed';
  }
}
