/**
 * Enrollment links by e-mail for many users: the batch and one item per user are stored first,
 * then the items are sent one by one (a fresh single-use link each, in the user's language). A
 * failed send is kept with its error and its link is ended at once (no live link that reached no
 * one); "retry" puts failed items back in the queue. Pending items left by a stop are picked up
 * by `resume()` at start, so nothing is lost.
 */
import { audit, getUser, type Store } from '../../store';
import {
  batchesWithPendingItems,
  createMailBatch,
  finishMailItem,
  getMailBatch,
  listMailBatches,
  listMailBatchItems,
  requeueFailedMailItems,
  setMailBatchFinished,
} from '../../store/repo/mail-batches';
import { expireEnrollmentLink } from '../../store/repo/user-admin';
import type { MailBatchItemRow, MailBatchRow } from '../../store/schema';
import type { Outcome, UserService } from '../users/service';
import type { MailSender } from './sender';
import { enrollmentMail, mailLanguage } from './templates';

/** Item errors fyrkant itself sets (pages translate them); anything else is the SMTP server's own text. */
export const MAIL_ITEM_ERRORS = ['no-email', 'user-deleted', 'link-failed'] as const;

export interface MailBatchView {
  readonly batch: MailBatchRow;
  readonly items: readonly MailBatchItemRow[];
  readonly counts: { readonly pending: number; readonly sent: number; readonly failed: number; readonly total: number };
  /** Still sending in this process. */
  readonly running: boolean;
}

export interface BulkMailOptions {
  readonly company: string;
  readonly log?: (msg: string, detail: Record<string, unknown>) => void;
}

export class BulkMailService {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly users: UserService,
    /** Undefined when `mail.enabled` is false: starting a send is refused with a clear message. */
    private readonly sender: MailSender | undefined,
    private readonly options: BulkMailOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.sender !== undefined;
  }

  private disabled(): Outcome<never> {
    return {
      ok: false,
      error: 'conflict',
      message: {
        sv: 'E-post är inte påslaget: ställ in mail.enabled och mail.smtp i konfigurationen.',
        en: 'E-mail is not enabled: set mail.enabled and mail.smtp in the configuration.',
      },
    };
  }

  /** Stores the batch (one item per known user) and starts sending in the background. */
  start(userIds: readonly string[], actor: string): Outcome<MailBatchView> {
    if (!this.sender) return this.disabled();
    const items = [...new Set(userIds)]
      .map((id) => getUser(this.store.db, id))
      .filter((u) => u !== undefined)
      .map((u) => ({ userId: u.id, username: u.username, email: u.email }));
    if (items.length === 0)
      return {
        ok: false,
        error: 'invalid',
        problems: [
          {
            field: 'userIds',
            code: 'required',
            message: { sv: 'Välj minst en användare.', en: 'Choose at least one user.' },
          },
        ],
      };
    const batch = this.store.db.transaction(() => {
      const b = createMailBatch(this.store.db, { createdBy: actor, items }, this.clock());
      audit(this.store.db, {
        actor,
        action: 'enrollment-mail.batch',
        target: `mail-batch:${b.id}`,
        detail: { users: items.length },
      });
      return b;
    });
    this.kick(batch.id, actor);
    return { ok: true, value: this.view(batch.id)! };
  }

  /** Failed items back in the queue, then sending again. */
  retry(batchId: string, actor: string): Outcome<MailBatchView> {
    if (!getMailBatch(this.store.db, batchId)) return { ok: false, error: 'not-found', what: 'mail batch' };
    if (!this.sender) return this.disabled();
    const n = requeueFailedMailItems(this.store.db, batchId, undefined, this.clock());
    if (n > 0) {
      setMailBatchFinished(this.store.db, batchId, null);
      audit(this.store.db, {
        actor,
        action: 'enrollment-mail.retry',
        target: `mail-batch:${batchId}`,
        detail: { items: n },
      });
      this.kick(batchId, actor);
    }
    return { ok: true, value: this.view(batchId)! };
  }

  /** Sends what a stopped process left pending. */
  resume(): void {
    if (!this.sender) return;
    for (const id of batchesWithPendingItems(this.store.db)) this.kick(id, 'system');
  }

  view(batchId: string): MailBatchView | undefined {
    const batch = getMailBatch(this.store.db, batchId);
    if (!batch) return undefined;
    const items = listMailBatchItems(this.store.db, batchId);
    const counts = { pending: 0, sent: 0, failed: 0, total: items.length };
    for (const it of items) counts[it.status]++;
    return { batch, items, counts, running: this.running.has(batchId) };
  }

  recent(limit = 10): MailBatchView[] {
    return listMailBatches(this.store.db, limit)
      .map((b) => this.view(b.id))
      .filter((v) => v !== undefined);
  }

  /** Resolves when the batch's current run has finished (tests, shutdown). */
  async idle(batchId?: string): Promise<void> {
    const runs = batchId ? [this.running.get(batchId)] : [...this.running.values()];
    await Promise.all(runs.filter(Boolean));
  }

  private kick(batchId: string, actor: string): void {
    if (this.running.has(batchId)) return;
    const run = this.run(batchId, actor)
      .catch((err) => this.options.log?.('enrollment mail batch failed', { batchId, error: String(err) }))
      .finally(() => this.running.delete(batchId));
    this.running.set(batchId, run);
  }

  private async run(batchId: string, actor: string): Promise<void> {
    // Items requeued while this run was going are picked up by the loop re-reading the pending list.
    for (;;) {
      const pending = listMailBatchItems(this.store.db, batchId, 'pending');
      if (pending.length === 0) break;
      for (const item of pending) {
        try {
          await this.sendOne(item, actor);
        } catch (err) {
          // Never leave an item pending forever (the loop would spin): record what went wrong.
          const message = err instanceof Error ? err.message : String(err);
          finishMailItem(this.store.db, item.id, { ok: false, error: message }, this.clock());
        }
      }
    }
    setMailBatchFinished(this.store.db, batchId, this.clock());
  }

  private async sendOne(item: MailBatchItemRow, actor: string): Promise<void> {
    const fail = (error: string) => finishMailItem(this.store.db, item.id, { ok: false, error }, this.clock());
    const user = item.userId ? getUser(this.store.db, item.userId) : undefined;
    if (!user) return fail('user-deleted');
    // The current address (an admin may have fixed it before a retry).
    if (!user.email) return fail('no-email');
    const link = this.users.createEnrollmentLink(user.id, actor);
    if (!link.ok) return fail('link-failed');
    const lang = mailLanguage(user.language);
    const content = enrollmentMail(lang, {
      name: user.displayName || user.username,
      company: this.options.company,
      url: link.value.url,
      expiresAt: link.value.expiresAt,
    });
    try {
      await this.sender!.send({
        to: user.email,
        subject: content.subject,
        text: content.text,
        language: user.language,
      });
      this.store.db.transaction(() => {
        finishMailItem(this.store.db, item.id, { ok: true, linkId: link.value.id }, this.clock());
        audit(this.store.db, {
          actor,
          action: 'enrollment-mail.sent',
          target: `user:${user.id}`,
          detail: { batchId: item.batchId, linkId: link.value.id, to: user.email },
        });
      });
    } catch (err) {
      // The link went nowhere: end it so no unsent link stays usable.
      expireEnrollmentLink(this.store.db, link.value.id, this.clock());
      const message = err instanceof Error ? err.message : String(err);
      this.options.log?.('enrollment mail failed', { user: user.username, error: message });
      fail(message);
    }
  }
}
