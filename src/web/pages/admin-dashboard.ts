/** Dashboard: outcomes chart (per hour or per day), active calls, trunk health. */

import type { Coverage } from '../../services/users/registration';
import type { Attempt } from '../../store/repo/attempts';
import type { BackendHealth } from '../../telephony/port';
import { type Bucket, renderOutcomesChart, SERIES } from '../chart/outcomes';
import { type Html, html, unsafeRaw } from '../html';
import type { NodeView } from '../ports';
import { attemptRows } from './admin-attempts';
import { type AdminContext, adminPage } from './admin-frame';
import { coverageCard } from './admin-users';

export type ChartRange = 'day' | 'week';

export interface DashboardOptions {
  readonly range: ChartRange;
  readonly buckets: readonly Bucket[];
  readonly active: readonly Attempt[];
  readonly usernames: ReadonlyMap<string, string>;
  readonly health: BackendHealth | undefined;
  /** Enrollment coverage (issue 18b). */
  readonly coverage?: Coverage;
  /** The node registry (issue 19). */
  readonly nodes?: readonly NodeView[];
}

export function dashboardPage(ctx: AdminContext, o: DashboardOptions): Html {
  const { m } = ctx;
  const hourFmt = new Intl.DateTimeFormat(m.locale, { hour: '2-digit', minute: '2-digit' });
  const dayFmt = new Intl.DateTimeFormat(m.locale, { day: 'numeric', month: 'short' });
  const tick = (t: number) => (o.range === 'day' ? hourFmt : dayFmt).format(new Date(t));
  const rangeTitle = m.t(o.range === 'day' ? 'dash.range.day' : 'dash.range.week');
  const seriesName = (s: (typeof SERIES)[number]) => m.t(`series.${s}`);
  const chart = renderOutcomesChart(o.buckets, {
    title: `${m.t('dash.outcomes')}: ${rangeTitle}`,
    tick,
    seriesName,
    emptyText: m.t('dash.chartEmpty'),
  });
  const h = o.health;
  const trunkBadge = h
    ? html`<span class="badge ${h.trunk === 'reachable' ? 'ok' : h.trunk === 'unreachable' ? 'bad' : 'warn'}">${m.t(`dash.trunk.${h.trunk}`)}</span>`
    : html`<span class="badge warn">${m.t('dash.trunk.unknown')}</span>`;
  return adminPage(
    ctx,
    'dashboard',
    m.t('dash.title'),
    html`<h1>${m.t('dash.title')}</h1>
${o.coverage ? coverageCard(m, o.coverage) : ''}
<section class="card" aria-labelledby="outcomes-title">
<h2 id="outcomes-title">${m.t('dash.outcomes')}</h2>
<nav aria-label="${m.t('dash.outcomes')}" class="actions tight">
<a href="/admin?range=day"${o.range === 'day' ? html` aria-current="page"` : ''}>${m.t('dash.range.day')}</a>
<a href="/admin?range=week"${o.range === 'week' ? html` aria-current="page"` : ''}>${m.t('dash.range.week')}</a>
</nav>
<div class="chart-wrap">${unsafeRaw(chart)}</div>
<ul class="legend">${SERIES.map((s) => html`<li><i class="swatch-${s}"></i>${seriesName(s)}</li>`)}</ul>
<details><summary>${rangeTitle}</summary>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${m.t('att.col.time')}</th>${SERIES.map((s) => html`<th scope="col">${seriesName(s)}</th>`)}<th scope="col">${m.t('dash.total')}</th></tr></thead>
<tbody>${o.buckets.map((b) => {
      const total = SERIES.reduce((n, s) => n + b.counts[s], 0);
      return total === 0
        ? ''
        : html`<tr><th scope="row">${tick(b.start)}</th>${SERIES.map((s) => html`<td>${b.counts[s]}</td>`)}<td>${total}</td></tr>`;
    })}</tbody></table></div></details>
</section>
<div class="grid">
<section class="card" aria-labelledby="active-title">
<h2 id="active-title">${m.t('dash.active')} (${o.active.length})</h2>
${o.active.length === 0 ? html`<p>${m.t('dash.noActive')}</p>` : attemptRows(m, o.active, o.usernames, { compact: true })}
</section>
<section class="card" aria-labelledby="trunk-title">
<h2 id="trunk-title">${m.t('dash.trunk')}</h2>
<dl class="facts">
<dt>${m.t('dash.trunk')}</dt><dd>${trunkBadge}${h?.detail ? html` <span class="muted">${h.detail}</span>` : ''}</dd>
<dt>${m.t('dash.backend')}</dt><dd>${h?.backend ?? m.t('common.none')}</dd>
<dt>${m.t('dash.connected')}</dt><dd>${h ? m.t(h.connected ? 'common.yes' : 'common.no') : m.t('common.none')}</dd>
<dt>${m.t('dash.active')}</dt><dd>${h?.activeCalls ?? o.active.length}</dd>
<dt>${m.t('dash.checkedAt')}</dt><dd>${h ? m.dateTime(h.checkedAt) : m.t('common.none')}</dd>
</dl>
</section>
</div>
${o.nodes ? nodesCard(ctx, o.nodes) : ''}`,
  );
}

const NODE_BADGE: Readonly<Record<NodeView['status'], string>> = {
  running: 'ok',
  draining: 'warn',
  stopped: 'info',
  lost: 'bad',
};

/** issue 19: every node sharing the database, its state, calls and last heartbeat. */
function nodesCard(ctx: AdminContext, nodes: readonly NodeView[]): Html {
  const { m } = ctx;
  return html`<section class="card" aria-labelledby="nodes-title" id="nodes">
<h2 id="nodes-title">${m.t('dash.nodes')} (${nodes.length})</h2>
${
  nodes.length === 0
    ? html`<p>${m.t('dash.nodes.none')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${m.t('dash.nodes.col.node')}</th><th scope="col">${m.t('dash.nodes.col.status')}</th><th scope="col">${m.t('dash.nodes.col.calls')}</th><th scope="col">${m.t('dash.nodes.col.http')}</th><th scope="col">${m.t('dash.nodes.col.sip')}</th><th scope="col">${m.t('dash.nodes.col.started')}</th><th scope="col">${m.t('dash.nodes.col.heartbeat')}</th></tr></thead>
<tbody>${nodes.map(
        (n) =>
          html`<tr data-node="${n.id}"><th scope="row">${n.id}</th><td><span class="badge ${NODE_BADGE[n.status]}">${m.t(`dash.nodes.s.${n.status}`)}</span></td><td>${n.activeCalls}</td><td>${n.httpUrl ?? m.t('common.none')}</td><td>${n.sipAddress ?? m.t('common.none')}</td><td>${m.dateTime(n.startedAt)}</td><td>${m.dateTime(n.heartbeatAt)}</td></tr>`,
      )}</tbody></table></div>`
}
<p class="muted">${m.t('dash.nodes.hint')}</p>
</section>`;
}
