/**
 * The EAM pages' own texts in Swedish and English (the frame — header, language switch — comes from
 * the web UI's catalogues). Kept here so the door's words live with the door.
 */
import { interpolate, type MessageParams, type UiLanguage } from '../../../web/i18n';

const en = {
  title: 'Approve your sign-in',
  intro:
    'We are calling your phone {number}. Answer it and press # (the pound key) to approve your sign-in to Microsoft.',
  introNoNumber:
    'We are calling your phone. Answer it and press # (the pound key) to approve your sign-in to Microsoft.',
  notYou: 'If you did not try to sign in, press 0 and then # — we stop the sign-in and tell your administrator.',
  callAgain: 'Call me again',
  backup: 'Use my backup phone',
  noCallsLeft: 'No more calls can be placed for this sign-in. Start the sign-in again.',
  noBackup: 'You have no other verified phone.',
  callRefused: 'We could not place the call: {reason}',
  'status.next': 'Calling your next phone…',
  'status.approved': 'Approved. Taking you back to Microsoft…',
  'status.denied': 'The sign-in was not approved.',
  'status.timeout': 'The sign-in was not approved in time.',
  continue: 'Continue to Microsoft sign-in',
  returning: 'Taking you back to Microsoft…',
  returnNoScript: 'Press the button to continue.',
  approvedTitle: 'Sign-in approved',
  deniedTitle: 'The sign-in was not approved',
  answeredTitle: 'This sign-in is finished',
  answered: 'The answer was already sent to Microsoft. To sign in again, start over in the app you were signing in to.',
  back: 'Back to Microsoft sign-in',
  details: 'Details',
  'err.bad-request.title': 'This sign-in request cannot be used',
  'err.bad-request':
    'The request did not come from a Microsoft Entra ID that is set up to use fyrkant, so we did not call anyone. Go back and start the sign-in again; if it happens again, tell your IT department.',
  'err.check.title': 'We could not check this sign-in request',
  'err.check':
    'The sign-in request from Microsoft did not pass our checks, so we did not call anyone. Start the sign-in again; if it happens again, tell your IT department.',
  'err.replayed.title': 'This sign-in request was already used',
  'err.replayed':
    'A sign-in request can be used once. We did not call anyone. Start the sign-in again from the beginning.',
  'err.unknown-user.title': 'You are not enrolled for phone sign-in',
  'err.unknown-user':
    'Your account {account} is not set up to approve sign-ins with your office phone, so we did not call anyone. Ask your IT department to enroll you, or open the enrollment link they sent you.',
  'err.no-phone.title': 'You have no verified phone',
  'err.no-phone':
    'You need a verified office phone to approve sign-ins. Open the enrollment link from your IT department to add one.',
  'err.call-refused.title': 'We cannot call your phone right now',
  'err.call-refused': 'The call was not placed: {reason}',
  'err.detail': 'Technical detail for IT: {detail}',
  'err.temporary.title': 'Sign-in by phone is unavailable right now',
  'err.temporary': 'We could not reach Microsoft to check the sign-in request. Try again in a few minutes.',
} as const;

export type EamTextKey = keyof typeof en;

const sv: Record<EamTextKey, string> = {
  title: 'Godkänn din inloggning',
  intro:
    'Vi ringer din telefon {number}. Svara och tryck på # (fyrkant) för att godkänna din inloggning hos Microsoft.',
  introNoNumber: 'Vi ringer din telefon. Svara och tryck på # (fyrkant) för att godkänna din inloggning hos Microsoft.',
  notYou:
    'Om det inte är du som försöker logga in: tryck 0 och sedan # — då stoppar vi inloggningen och meddelar din administratör.',
  callAgain: 'Ring mig igen',
  backup: 'Använd min reservtelefon',
  noCallsLeft: 'Inga fler samtal kan göras för den här inloggningen. Börja om inloggningen.',
  noBackup: 'Du har ingen annan verifierad telefon.',
  callRefused: 'Vi kunde inte ringa: {reason}',
  'status.next': 'Vi ringer din nästa telefon…',
  'status.approved': 'Godkänd. Vi skickar dig tillbaka till Microsoft…',
  'status.denied': 'Inloggningen godkändes inte.',
  'status.timeout': 'Inloggningen godkändes inte i tid.',
  continue: 'Fortsätt till Microsoft-inloggningen',
  returning: 'Vi skickar dig tillbaka till Microsoft…',
  returnNoScript: 'Tryck på knappen för att fortsätta.',
  approvedTitle: 'Inloggningen är godkänd',
  deniedTitle: 'Inloggningen godkändes inte',
  answeredTitle: 'Den här inloggningen är klar',
  answered: 'Svaret är redan skickat till Microsoft. Börja om i appen du loggade in i om du vill logga in igen.',
  back: 'Tillbaka till Microsoft-inloggningen',
  details: 'Detaljer',
  'err.bad-request.title': 'Den här inloggningsbegäran kan inte användas',
  'err.bad-request':
    'Begäran kom inte från ett Microsoft Entra ID som är inställt för fyrkant, så vi ringde ingen. Gå tillbaka och börja om inloggningen; händer det igen, kontakta din IT-avdelning.',
  'err.check.title': 'Vi kunde inte kontrollera inloggningsbegäran',
  'err.check':
    'Inloggningsbegäran från Microsoft klarade inte våra kontroller, så vi ringde ingen. Börja om inloggningen; händer det igen, kontakta din IT-avdelning.',
  'err.replayed.title': 'Den här inloggningsbegäran är redan använd',
  'err.replayed':
    'En inloggningsbegäran kan bara användas en gång. Vi ringde ingen. Börja om inloggningen från början.',
  'err.unknown-user.title': 'Du är inte registrerad för inloggning med telefon',
  'err.unknown-user':
    'Ditt konto {account} är inte inställt för att godkänna inloggningar med din arbetstelefon, så vi ringde ingen. Be din IT-avdelning att registrera dig, eller öppna registreringslänken du fått från dem.',
  'err.no-phone.title': 'Du har ingen verifierad telefon',
  'err.no-phone':
    'Du behöver en verifierad arbetstelefon för att godkänna inloggningar. Öppna registreringslänken från din IT-avdelning och lägg till en.',
  'err.call-refused.title': 'Vi kan inte ringa din telefon just nu',
  'err.call-refused': 'Samtalet gjordes inte: {reason}',
  'err.detail': 'Teknisk information till IT: {detail}',
  'err.temporary.title': 'Inloggning med telefon går inte just nu',
  'err.temporary': 'Vi kunde inte nå Microsoft för att kontrollera inloggningsbegäran. Försök igen om några minuter.',
};

export type EamTexts = (key: EamTextKey, params?: MessageParams) => string;

export function eamTexts(lang: UiLanguage): EamTexts {
  const catalogue: Record<EamTextKey, string> = lang === 'sv' ? sv : en;
  return (key, params) => interpolate(catalogue[key], params);
}
