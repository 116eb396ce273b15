/**
 * Sending mail over SMTP with nodemailer: one transport from the `mail` configuration (STARTTLS
 * required by default, or implicit TLS on 465). The port exists so the bulk sender can be driven
 * by anything that sends, but the tests use a real SMTP server process (aiosmtpd).
 */
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** BCP 47 language of the content (Content-Language header). */
  readonly language: string;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (port 465). */
  readonly secure: boolean;
  /** Refuse to send unless the server offers STARTTLS (when not `secure`). */
  readonly requireTls: boolean;
  readonly username: string | null;
  readonly password: string | null;
  readonly from: string;
  readonly rejectUnauthorized: boolean;
  readonly timeoutSeconds: number;
}

export function smtpSender(s: SmtpSettings): MailSender {
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: !s.secure && s.requireTls,
    ignoreTLS: !s.secure && !s.requireTls,
    ...(s.username ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    tls: { rejectUnauthorized: s.rejectUnauthorized },
    connectionTimeout: s.timeoutSeconds * 1000,
    greetingTimeout: s.timeoutSeconds * 1000,
    socketTimeout: s.timeoutSeconds * 1000,
  });
  return {
    async send(m) {
      await transport.sendMail({
        from: s.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        headers: { 'Content-Language': m.language },
      });
    },
    close: () => transport.close(),
  };
}
