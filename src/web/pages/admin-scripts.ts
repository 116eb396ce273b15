/** IVR scripts: the list (search, running version, validity, where used); each row opens the editor. */
import { type Html, html } from '../html';
import type { ScriptListItem } from '../script-editor-port';
import { type AdminContext, adminPage } from './admin-frame';

export function usedForText(ctx: AdminContext, used: readonly string[]): string {
  const { m } = ctx;
  if (used.length === 0) return m.t('ed.notUsed');
  return used.map((u) => m.t(`ed.use.${u}` as Parameters<typeof m.t>[0])).join(', ');
}

function statusBadges(ctx: AdminContext, s: ScriptListItem): Html {
  const { m } = ctx;
  if (!s.valid) return html`<span class="badge bad">${m.t('scripts.errors', { count: s.errors })}</span>`;
  return html`<span class="badge ok">${m.t('scripts.ok')}</span>${
    s.warnings ? html` <span class="badge warn">${m.t('scripts.warnings', { count: s.warnings })}</span>` : ''
  }`;
}

export function scriptsPage(ctx: AdminContext, scripts: readonly ScriptListItem[], q: string): Html {
  const { m } = ctx;
  const needle = q.toLowerCase();
  const shown = needle
    ? scripts.filter((s) => s.id.includes(needle) || s.description.toLowerCase().includes(needle))
    : scripts;
  return adminPage(
    ctx,
    'scripts',
    m.t('scripts.title'),
    html`<h1>${m.t('scripts.title')}</h1>
<form method="get" action="/admin/scripts" class="search" role="search">
<div class="field"><label for="q">${m.t('ed.search')}</label>
<input type="search" id="q" name="q" value="${q}"></div>
<div class="actions"><button type="submit">${m.t('ed.searchButton')}</button></div>
</form>
${scripts.length === 0 ? html`<p class="card">${m.t('scripts.none')}</p>` : ''}
${scripts.length > 0 && shown.length === 0 ? html`<p class="card" role="status">${m.t('ed.noMatch', { q })}</p>` : ''}
${
  shown.length
    ? html`<div class="table-wrap"><table class="stack scripts">
<thead><tr><th scope="col">${m.t('ed.col.id')}</th><th scope="col">${m.t('ed.col.description')}</th><th scope="col">${m.t('scripts.col.version')}</th><th scope="col">${m.t('scripts.col.status')}</th><th scope="col">${m.t('ed.col.usedFor')}</th><th scope="col">${m.t('ed.col.saved')}</th></tr></thead>
<tbody>${shown.map(
        (s) => html`<tr>
<th scope="row"><a class="mono" href="/admin/scripts/${encodeURIComponent(s.id)}">${s.id}</a></th>
<td data-label="${m.t('ed.col.description')}" translate="no">${s.description}</td>
<td data-label="${m.t('scripts.col.version')}">${s.version ?? '—'}</td>
<td data-label="${m.t('scripts.col.status')}">${statusBadges(ctx, s)}</td>
<td data-label="${m.t('ed.col.usedFor')}">${usedForText(ctx, s.usedFor)}</td>
<td data-label="${m.t('ed.col.saved')}">${s.updatedAt ? m.dateTime(s.updatedAt) : '—'}</td>
</tr>`,
      )}</tbody></table></div>`
    : ''
}`,
  );
}
