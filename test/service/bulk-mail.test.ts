/**
 * Enrollment links by e-mail through a real SMTP server process (aiosmtpd): the delivered message
 * is read back and checked (language, subject, the link works once), failures are kept per user
 * with the error and the unsent link ended, and a retry sends exactly the failed ones.
 */
import pino from 'pino';
import { DestinationPolicy } from '../../src/domain/policy';
import { phonePort } from '../../src/services/adapters/phone-policy';
import { BulkMailService } from '../../src/services/mail/bulk-mail';
import { smtpSender } from '../../src/services/mail/sender';
import { UserService } from '../../src/services/users/service';
import { createUser, findUsableEnrollmentLink, listAudit, updateUser } from '../../src/store';
import { createMailBatch } from '../../src/store/repo/mail-batches';
import { testPolicyOptions } from '../support/api-harness';
import { freePort } from '../support/ports';
import { createHarness, type Harness } from '../support/service-harness';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink';

jest.setTimeout(30_000);

let h: Harness;
let sink: SmtpSink | undefined;
let users: UserService;

beforeEach(() => {
  h = createHarness();
  users = new UserService(h.store, phonePort(new DestinationPolicy(testPolicyOptions())), {
    enrollmentLinkTtlMs: 7 * 86_400_000,
    bypassTtlMs: 300_000,
    publicBaseUrl: 'https://mfa.exempel.se',
  });
});
afterEach(async () => {
  await sink?.stop();
  sink = undefined;
  await h.close();
});

function mailer(port: number) {
  return new BulkMailService(
    h.store,
    users,
    smtpSender({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTls: false, // aiosmtpd here offers no STARTTLS; production default is true
      username: null,
      password: null,
      from: 'IT-avdelningen <it@exempel.se>',
      rejectUnauthorized: true,
      timeoutSeconds: 5,
    }),
    { company: 'Exempel AB', log: (m, d) => pino({ level: 'silent' }).warn(d, m) },
  );
}

const tokenOf = (text: string) => /\/enroll\/([\w-]+)/.exec(text)?.[1] ?? '';

describe('bulk enrollment e-mail over real SMTP', () => {
  it('delivers one mail per user in their language with a working single-use link', async () => {
    sink = await startSmtpSink();
    const anna = createUser(h.store.db, { username: 'anna', displayName: 'Anna Åberg', language: 'sv-SE' });
    const bob = createUser(h.store.db, { username: 'bob', displayName: 'Bob Smith', language: 'en-GB' });
    updateUser(h.store.db, anna.id, { email: 'anna@exempel.se' });
    updateUser(h.store.db, bob.id, { email: 'bob@example.com' });
    const svc = mailer(sink.port);
    const started = svc.start([anna.id, bob.id], 'apikey:k1');
    if (!started.ok) throw new Error('not started');
    expect(started.value.counts).toMatchObject({ total: 2 });
    await svc.idle(started.value.batch.id);

    const view = svc.view(started.value.batch.id)!;
    expect(view.counts).toEqual({ pending: 0, sent: 2, failed: 0, total: 2 });
    expect(view.batch.finishedAt).toEqual(expect.any(Number));
    const mails = sink.messages();
    expect(mails).toHaveLength(2);
    const sv = mails.find((m) => m.to === 'anna@exempel.se')!;
    expect(sv.from).toBe('IT-avdelningen <it@exempel.se>');
    expect(sv.subject).toBe('Registrera din telefon för tvåstegsverifiering hos Exempel AB');
    expect(sv.contentLanguage).toBe('sv-SE');
    expect(sv.text).toContain('Hej Anna Åberg!');
    expect(sv.text).toContain('du trycker # (fyrkant)');
    expect(sv.text).toMatch(/https:\/\/mfa\.exempel\.se\/enroll\/[\w-]{20,}/);
    const en = mails.find((m) => m.to === 'bob@example.com')!;
    expect(en.subject).toBe('Register your phone for two-step verification at Exempel AB');
    expect(en.text).toContain('Hello Bob Smith,');
    // The link in the mail is a real, usable enrollment link for that user.
    expect(findUsableEnrollmentLink(h.store.db, tokenOf(sv.text))?.userId).toBe(anna.id);
    expect(findUsableEnrollmentLink(h.store.db, tokenOf(en.text))?.userId).toBe(bob.id);
    expect(listAudit(h.store.db, { action: 'enrollment-mail.sent' })).toHaveLength(2);
  });

  it('keeps failures with their error, ends unsent links, and a retry sends only the failed ones', async () => {
    const port = await freePort(); // nothing listens yet: the SMTP server is "down"
    const anna = createUser(h.store.db, { username: 'anna', displayName: 'Anna', language: 'sv-SE' });
    const noMail = createUser(h.store.db, { username: 'nomail', displayName: 'No Mail', language: 'sv-SE' });
    updateUser(h.store.db, anna.id, { email: 'anna@exempel.se' });
    const svc = mailer(port);
    const started = svc.start([anna.id, noMail.id], 'apikey:k1');
    if (!started.ok) throw new Error('not started');
    const id = started.value.batch.id;
    await svc.idle(id);
    let view = svc.view(id)!;
    expect(view.counts).toEqual({ pending: 0, sent: 0, failed: 2, total: 2 });
    const byUser = Object.fromEntries(view.items.map((i) => [i.username, i]));
    expect(byUser.anna?.error).toMatch(/ECONNREFUSED|connect/i);
    expect(byUser.nomail?.error).toBe('no-email');
    // The link made for the failed send is not left usable.
    const openLinks = h.store.sqlite
      .prepare('SELECT count(*) AS n FROM enrollment_links WHERE used_at IS NULL AND expires_at > ?')
      .get(Date.now()) as { n: number };
    expect(openLinks.n).toBe(0);

    // The server comes up and the admin fixes the missing address; retry sends both, once each.
    sink = await startSmtpSink(port);
    updateUser(h.store.db, noMail.id, { email: 'no.mail@exempel.se' });
    const retried = svc.retry(id, 'apikey:k1');
    expect(retried.ok).toBe(true);
    await svc.idle(id);
    view = svc.view(id)!;
    expect(view.counts).toEqual({ pending: 0, sent: 2, failed: 0, total: 2 });
    expect(view.items.every((i) => i.tries === 2)).toBe(true);
    expect(
      sink
        .messages()
        .map((m) => m.to)
        .sort(),
    ).toEqual(['anna@exempel.se', 'no.mail@exempel.se']);
    // A second retry has nothing to do and sends nothing.
    svc.retry(id, 'apikey:k1');
    await svc.idle(id);
    expect(sink.messages()).toHaveLength(2);
  });

  it('resumes items a stopped process left pending', async () => {
    sink = await startSmtpSink();
    const anna = createUser(h.store.db, { username: 'anna', displayName: 'Anna', language: 'sv-SE' });
    updateUser(h.store.db, anna.id, { email: 'anna@exempel.se' });
    // A batch stored by a process without a sender (as if it stopped before sending).
    const batch = createMailBatch(h.store.db, {
      createdBy: 'apikey:k1',
      items: [{ userId: anna.id, username: 'anna', email: 'anna@exempel.se' }],
    });
    const svc = mailer(sink.port);
    svc.resume();
    await svc.idle(batch.id);
    expect(svc.view(batch.id)!.counts.sent).toBe(1);
    expect(sink.messages()).toHaveLength(1);
  });
});
