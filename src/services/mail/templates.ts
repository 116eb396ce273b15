/** The enrollment e-mail in Swedish and English (plain text; the link is the only thing to click). */
export type MailLanguage = 'sv' | 'en';

export function mailLanguage(userLanguage: string): MailLanguage {
  return userLanguage.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

export interface EnrollmentMailVars {
  readonly name: string;
  readonly company: string;
  readonly url: string;
  readonly expiresAt: number;
}

export interface MailContent {
  readonly subject: string;
  readonly text: string;
}

function expiry(ms: number, lang: MailLanguage): string {
  return new Intl.DateTimeFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'long',
  }).format(new Date(ms));
}

export function enrollmentMail(lang: MailLanguage, v: EnrollmentMailVars): MailContent {
  const when = expiry(v.expiresAt, lang);
  if (lang === 'sv')
    return {
      subject: `Registrera din telefon för tvåstegsverifiering hos ${v.company}`,
      text: [
        `Hej ${v.name}!`,
        '',
        `${v.company} verifierar inloggningar med ett samtal till din arbetstelefon. Registrera telefonen via länken nedan: vi ringer upp och du trycker # (fyrkant).`,
        '',
        v.url,
        '',
        `Länken kan användas en gång och gäller till ${when}.`,
        '',
        'Har du inte väntat dig det här meddelandet? Klicka inte på länken utan kontakta IT-avdelningen.',
      ].join('\n'),
    };
  return {
    subject: `Register your phone for two-step verification at ${v.company}`,
    text: [
      `Hello ${v.name},`,
      '',
      `${v.company} verifies sign-ins with a call to your office phone. Register your phone with the link below: we call you and you press # (the pound key).`,
      '',
      v.url,
      '',
      `The link works once and is valid until ${when}.`,
      '',
      'Not expecting this message? Do not click the link; contact your IT department.',
    ].join('\n'),
  };
}
