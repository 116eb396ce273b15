/** Progress of a bulk enrollment e-mail send: every user's status, errors in words, retry of failures. */
import { MAIL_ITEM_ERRORS, type MailBatchView } from '../../services/mail/bulk-mail';
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { csrfField } from '../layout';
import { type AdminContext, adminPage } from './admin-frame';

const ITEM_CLASS = { pending: 'info', sent: 'ok', failed: 'bad' } as const;

function itemError(m: Messages, error: string | null): string {
  if (!error) return '';
  if ((MAIL_ITEM_ERRORS as readonly string[]).includes(error))
    return m.t(`adm.mail.error.${error as (typeof MAIL_ITEM_ERRORS)[number]}`);
  return m.t('adm.mail.error.smtp', { detail: error });
}

export function mailBatchPage(
  ctx: AdminContext,
  o: { view: MailBatchView; mailEnabled: boolean; notice?: string; error?: string },
): Html {
  const { m } = ctx;
  const v = o.view;
  const busy = v.running || v.counts.pending > 0;
  return adminPage(
    ctx,
    'users',
    m.t('adm.mail.title'),
    html`<h1>${m.t('adm.mail.title')}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${o.error ? html`<div class="notice bad" role="alert">${o.error}</div>` : ''}
<section class="card" aria-labelledby="progress-title">
<h2 id="progress-title">${m.t(busy ? 'adm.mail.sending' : 'adm.mail.done')}</h2>
<p>${m.t('adm.mail.started', { time: m.dateTime(v.batch.createdAt) })}</p>
<progress max="${Math.max(v.counts.total, 1)}" value="${v.counts.sent + v.counts.failed}" aria-label="${m.t('adm.mail.title')}"></progress>
<p role="status" id="mail-counts">${m.t('adm.mail.counts', v.counts)}</p>
${busy ? html`<p class="hint">${m.t('adm.mail.refreshHint')} <a href="/admin/mail/${v.batch.id}">${m.t('adm.mail.refresh')}</a></p>` : ''}
${
  v.counts.failed > 0 && o.mailEnabled
    ? html`<form method="post" action="/admin/mail/${v.batch.id}/retry">${csrfField(ctx.csrf)}<button type="submit">${m.t('adm.mail.retry', { count: v.counts.failed })}</button></form>`
    : ''
}
</section>
<section class="card" aria-labelledby="items-title">
<h2 id="items-title">${m.t('adm.mail.items')}</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${m.t('users.username')}</th><th scope="col">${m.t('adm.user.email')}</th><th scope="col">${m.t('sec.col.status')}</th><th scope="col">${m.t('adm.mail.tries')}</th><th scope="col">${m.t('adm.mail.detail')}</th></tr></thead>
<tbody>${v.items.map(
      (
        i,
      ) => html`<tr data-item="${i.username}"><th scope="row">${i.userId ? html`<a href="/admin/users/${i.userId}">${i.username}</a>` : i.username}</th><td>${i.email ?? m.t('common.none')}</td>
<td><span class="badge ${ITEM_CLASS[i.status]}">${m.t(`adm.mail.item.${i.status}`)}</span></td><td>${i.tries}</td>
<td>${i.status === 'sent' && i.sentAt ? m.dateTime(i.sentAt) : itemError(m, i.error)}</td></tr>`,
    )}</tbody></table></div>
</section>`,
    busy ? { refreshSeconds: 2 } : {},
  );
}
