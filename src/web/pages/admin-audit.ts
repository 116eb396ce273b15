/** The audit log: who did what to whom, newest first, filterable by action, target and date. */
import type { AuditRow } from '../../store/schema';
import { type Html, html } from '../html';
import { errorSummary } from '../layout';
import { type AdminContext, adminPage } from './admin-frame';

export interface AuditFilterValues {
  readonly action: string;
  readonly target: string;
  readonly since: string;
}

/** `apikey:<id>` → the key's name where known; `user:<id>` → a link to the user. */
export interface ActorNames {
  key(id: string): string | undefined;
  user(id: string): string | undefined;
}

export function whoLink(ref: string | null, names: ActorNames): Html | string {
  if (!ref) return '—';
  const [kind, id = ''] = ref.split(/:(.*)/s);
  if (kind === 'user') return html`<a href="/admin/users/${id}">${names.user(id) ?? ref}</a>`;
  if (kind === 'apikey') return html`<span title="${ref}">${names.key(id) ?? ref}</span>`;
  return ref;
}

export function auditPage(
  ctx: AdminContext,
  o: {
    filter: AuditFilterValues;
    errors: Readonly<Record<string, string>>;
    entries: readonly AuditRow[];
    names: ActorNames;
  },
): Html {
  const { m } = ctx;
  const invalid = (f: string) => (o.errors[f] ? html` aria-invalid="true" aria-describedby="f-${f}-error"` : '');
  const err = (f: string) => (o.errors[f] ? html`<p class="error" id="f-${f}-error">${o.errors[f]}</p>` : '');
  return adminPage(
    ctx,
    'audit',
    m.t('adm.audit.title'),
    html`<h1>${m.t('adm.audit.title')}</h1>
<form method="get" action="/admin/audit" class="card inline" aria-label="${m.t('att.filter')}">
${errorSummary(m, Object.fromEntries(Object.entries(o.errors).map(([k, v]) => [`f-${k}`, v])))}
<div class="field"><label for="f-action">${m.t('adm.audit.action')}</label><input type="search" id="f-action" name="action" value="${o.filter.action}" placeholder="user.block"${invalid('action')}>${err('action')}</div>
<div class="field"><label for="f-target">${m.t('adm.audit.target')}</label><input type="search" id="f-target" name="target" value="${o.filter.target}"${invalid('target')}>${err('target')}</div>
<div class="field"><label for="f-since">${m.t('att.since')}</label><input type="date" id="f-since" name="since" value="${o.filter.since}"${invalid('since')}>${err('since')}</div>
<button type="submit">${m.t('att.filterButton')}</button>
</form>
<section class="card">
${
  o.entries.length === 0
    ? html`<p>${m.t('adm.audit.none')}</p>`
    : html`<div class="table-wrap"><table class="audit">
<thead><tr><th scope="col">${m.t('att.col.time')}</th><th scope="col">${m.t('adm.audit.actor')}</th><th scope="col">${m.t('adm.audit.action')}</th><th scope="col">${m.t('adm.audit.target')}</th><th scope="col">${m.t('adm.audit.detail')}</th></tr></thead>
<tbody>${o.entries.map(
        (
          e,
        ) => html`<tr><td class="nowrap">${m.dateTime(e.at)}</td><td>${whoLink(e.actor, o.names)}</td><td class="mono">${e.action}</td><td>${whoLink(e.target, o.names)}</td>
<td class="mono detail">${e.detail ? JSON.stringify(e.detail) : ''}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`,
  );
}
