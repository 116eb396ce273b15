/** RADIUS: the configured clients (never their secrets) and the latest answered requests. */
import { type Html, html } from '../html';
import type { RadiusOverview } from '../ports';
import { type AdminContext, adminPage } from './admin-frame';

function answerBadge(answer: string): Html {
  const cls = answer === 'Access-Accept' ? 'ok' : answer === 'Access-Challenge' ? 'info' : 'bad';
  return html`<span class="badge ${cls}">${answer}</span>`;
}

function clientsTable(ctx: AdminContext, r: RadiusOverview): Html {
  const { m } = ctx;
  if (r.clients.length === 0) return html`<p>${m.t('radius.noClients')}</p>`;
  return html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${m.t('radius.col.name')}</th><th scope="col">${m.t('radius.col.address')}</th><th scope="col">${m.t('radius.col.mode')}</th><th scope="col">${m.t('radius.col.users')}</th><th scope="col">${m.t('radius.col.mac')}</th><th scope="col">${m.t('radius.col.secret')}</th></tr></thead>
<tbody>${r.clients.map(
    (c) => html`<tr><th scope="row" class="mono">${c.name}</th>
<td data-label="${m.t('radius.col.address')}" class="mono">${c.address}</td>
<td data-label="${m.t('radius.col.mode')}">${m.t(`radius.mode.${c.mode}` as Parameters<typeof m.t>[0])}</td>
<td data-label="${m.t('radius.col.users')}">${c.allowedUsers.includes('*') ? m.t('radius.users.all') : c.allowedUsers.join(', ')}</td>
<td data-label="${m.t('radius.col.mac')}">${
      c.requireMessageAuthenticator
        ? html`<span class="badge ok">${m.t('radius.mac.required')}</span>`
        : html`<span class="badge warn">${m.t('radius.mac.optional')}</span>`
    }</td>
<td data-label="${m.t('radius.col.secret')}" class="mono">${c.secretSource}</td></tr>`,
  )}</tbody></table></div>`;
}

function recentTable(ctx: AdminContext, r: RadiusOverview): Html {
  const { m } = ctx;
  if (r.recent.length === 0) return html`<p>${m.t('radius.noRecent')}</p>`;
  return html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${m.t('radius.col.time')}</th><th scope="col">${m.t('radius.col.client')}</th><th scope="col">${m.t('radius.col.user')}</th><th scope="col">${m.t('radius.col.answer')}</th><th scope="col">${m.t('radius.col.reason')}</th><th scope="col">${m.t('radius.col.attempt')}</th><th scope="col">${m.t('radius.col.source')}</th></tr></thead>
<tbody>${r.recent.map(
    (q) => html`<tr><td data-label="${m.t('radius.col.time')}">${m.dateTime(q.at)}</td>
<td data-label="${m.t('radius.col.client')}" class="mono">${q.client}</td>
<td data-label="${m.t('radius.col.user')}">${q.userId ? html`<a href="/admin/users/${encodeURIComponent(q.userId)}">${q.username ?? q.userId}</a>` : (q.username ?? '—')}</td>
<td data-label="${m.t('radius.col.answer')}">${answerBadge(q.answer)}</td>
<td data-label="${m.t('radius.col.reason')}">${q.reason}${q.outcome && q.outcome !== q.reason ? html` <span class="hint">(${q.outcome})</span>` : ''}</td>
<td data-label="${m.t('radius.col.attempt')}">${q.attemptId ? html`<a class="mono" href="/admin/attempts/${encodeURIComponent(q.attemptId)}">${q.attemptId.slice(0, 8)}</a>` : '—'}</td>
<td data-label="${m.t('radius.col.source')}" class="mono">${q.source}${q.nas ? html` (${q.nas})` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

export function radiusPage(ctx: AdminContext, r: RadiusOverview): Html {
  const { m } = ctx;
  const status = !r.enabled
    ? m.t('radius.off')
    : r.listening
      ? m.t('radius.listening', { address: r.listening })
      : m.t('radius.notListening');
  return adminPage(
    ctx,
    'radius',
    m.t('radius.title'),
    html`<h1>${m.t('radius.title')}</h1>
<section class="card"><p>${status}</p>${r.enabled ? html`<p class="hint">${m.t('radius.timeoutHint')}</p>` : ''}</section>
<section class="card" aria-labelledby="radius-clients"><h2 id="radius-clients">${m.t('radius.clients')}</h2>${clientsTable(ctx, r)}</section>
<section class="card" aria-labelledby="radius-recent"><h2 id="radius-recent">${m.t('radius.recent')}</h2>${recentTable(ctx, r)}</section>`,
  );
}
