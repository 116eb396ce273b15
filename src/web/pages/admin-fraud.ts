/** Fraud reports (0# on a call): review each — confirm (the block stays) or dismiss and unblock. */
import type { FraudReportRow } from '../../store/schema';
import { type Html, html } from '../html';
import { csrfField } from '../layout';
import { type AdminContext, adminPage } from './admin-frame';

export function fraudPage(
  ctx: AdminContext,
  o: {
    open: boolean;
    reports: readonly FraudReportRow[];
    usernames: ReadonlyMap<string, string>;
    notice?: string;
    error?: string;
  },
): Html {
  const { m, csrf } = ctx;
  return adminPage(
    ctx,
    'fraud',
    m.t('adm.fraud.title'),
    html`<h1>${m.t('adm.fraud.title')}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${o.error ? html`<div class="notice bad" role="alert">${o.error}</div>` : ''}
<p>${m.t('adm.fraud.intro')}</p>
<nav class="actions tight" aria-label="${m.t('att.filter')}">
<a href="/admin/fraud"${o.open ? html` aria-current="page"` : ''}>${m.t('adm.fraud.open')}</a>
<a href="/admin/fraud?all=1"${o.open ? '' : html` aria-current="page"`}>${m.t('adm.fraud.all')}</a>
</nav>
${
  o.reports.length === 0
    ? html`<section class="card"><p>${m.t(o.open ? 'adm.fraud.noneOpen' : 'adm.fraud.none')}</p></section>`
    : o.reports.map((r) => {
        const who = r.userId ? (o.usernames.get(r.userId) ?? r.userId) : m.t('common.none');
        return html`<section class="card" aria-labelledby="fr-${r.id}">
<h2 id="fr-${r.id}">${m.t('adm.fraud.report', { user: who, time: m.dateTime(r.reportedAt) })}</h2>
<dl class="facts">
<dt>${m.t('att.col.user')}</dt><dd>${r.userId ? html`<a href="/admin/users/${r.userId}">${who}</a>` : who}</dd>
<dt>${m.t('adm.fraud.call')}</dt><dd>${r.attemptId ? html`<a href="/admin/attempts/${r.attemptId}">${r.attemptId.slice(0, 8)}</a>` : m.t('common.none')}</dd>
<dt>${m.t('adm.fraud.digits')}</dt><dd class="mono">${r.digits ?? m.t('common.none')}</dd>
<dt>${m.t('adm.fraud.autoBlock')}</dt><dd>${r.blockedUntil ? m.dateTime(r.blockedUntil) : m.t('common.no')}</dd>
${r.reviewedAt ? html`<dt>${m.t('adm.fraud.reviewed')}</dt><dd><span class="badge ${r.verdict === 'confirmed' ? 'bad' : 'ok'}">${m.t(r.verdict === 'confirmed' ? 'adm.fraud.confirmed' : 'adm.fraud.dismissed')}</span> ${m.dateTime(r.reviewedAt)}${r.note ? html` — ${r.note}` : ''}</dd>` : ''}
</dl>
${
  r.reviewedAt
    ? ''
    : html`<form method="post" action="/admin/fraud/${r.id}/review">${csrfField(csrf)}
<div class="field"><label for="note-${r.id}">${m.t('adm.fraud.note')}</label><input type="text" id="note-${r.id}" name="note" maxlength="500"></div>
<div class="field"><label for="days-${r.id}">${m.t('adm.fraud.blockDays')}</label><input type="number" id="days-${r.id}" name="blockDays" min="1" max="3650" value="30"></div>
<div class="actions"><button type="submit" name="verdict" value="confirmed" class="danger">${m.t('adm.fraud.confirm')}</button>
<button type="submit" name="verdict" value="dismissed" class="secondary">${m.t('adm.fraud.dismiss')}</button></div>
</form>`
}
</section>`;
      })
}`,
  );
}
