/** The admin "Entra ID" page: the exact values to paste into Entra, the signing keys, recent sign-ins. */
import { type Html, html } from '../html';
import { type AdminContext, adminPage } from './admin-frame';

export interface EntraAdminView {
  readonly enabled: boolean;
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly replyUrl: string;
  readonly jwksUrl: string;
  readonly clients: readonly {
    readonly clientId: string;
    readonly appId: string;
    readonly tenants: readonly string[];
    readonly graphJson: string;
  }[];
  readonly keys: readonly {
    readonly kid: string;
    readonly signing: boolean;
    readonly signingFrom: number;
    readonly publishedUntil?: number;
  }[];
  readonly recent: readonly {
    readonly at: number;
    readonly username: string | null;
    readonly status: 'approved' | 'denied' | 'calling';
    readonly detail: string | null;
    readonly attemptId: string | null;
    readonly clientRequestId: string | null;
  }[];
}

function copyable(ctx: AdminContext, id: string, label: string, value: string): Html {
  const { m } = ctx;
  return html`<dt id="${id}-label">${label}</dt>
<dd><code class="mono" id="${id}">${value}</code>
<button type="button" class="secondary small" hidden data-copy="#${id}" data-status="#${id}-status" data-copied="${m.t('common.copied')}" data-copy-failed="${m.t('common.copyFailed')}" aria-describedby="${id}-label">${m.t('common.copy')}</button>
<span role="status" id="${id}-status"></span></dd>`;
}

export function entraAdminPage(ctx: AdminContext, v: EntraAdminView): Html {
  const { m } = ctx;
  const clients = v.clients.length
    ? v.clients.map(
        (c, i) => html`<section class="card" aria-labelledby="client-${i}">
<h3 id="client-${i}">${c.clientId}</h3>
<dl class="facts">
${copyable(ctx, `client-id-${i}`, m.t('entra.client'), c.clientId)}
${copyable(ctx, `app-id-${i}`, m.t('entra.appId'), c.appId)}
<dt>${m.t('entra.tenants')}</dt><dd class="mono">${c.tenants.join(', ')}</dd>
</dl>
<h4>${m.t('entra.graph')}</h4>
<pre class="mono" id="graph-${i}">${c.graphJson}</pre>
</section>`,
      )
    : html`<p>${m.t('entra.noClients')}</p>`;
  const keys = v.keys.length
    ? html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${m.t('entra.col.kid')}</th><th scope="col">${m.t('entra.col.signing')}</th><th scope="col">${m.t('entra.col.signingFrom')}</th><th scope="col">${m.t('entra.col.publishedUntil')}</th></tr></thead>
<tbody>${v.keys.map(
        (k) => html`<tr><th scope="row" class="mono">${k.kid}</th>
<td data-label="${m.t('entra.col.signing')}">${k.signing ? html`<span class="badge ok">${m.t('common.yes')}</span>` : m.t('common.no')}</td>
<td data-label="${m.t('entra.col.signingFrom')}">${m.dateTime(k.signingFrom)}</td>
<td data-label="${m.t('entra.col.publishedUntil')}">${k.publishedUntil ? m.dateTime(k.publishedUntil) : m.t('common.none')}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>${m.t('entra.noKeys')}</p>`;
  const recent = v.recent.length
    ? html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${m.t('entra.col.at')}</th><th scope="col">${m.t('entra.col.user')}</th><th scope="col">${m.t('entra.col.result')}</th><th scope="col">${m.t('entra.col.attempt')}</th><th scope="col">${m.t('entra.col.requestId')}</th></tr></thead>
<tbody>${v.recent.map(
        (r) => html`<tr><th scope="row">${m.dateTime(r.at)}</th>
<td data-label="${m.t('entra.col.user')}">${r.username ?? m.t('common.none')}</td>
<td data-label="${m.t('entra.col.result')}"><span class="badge ${r.status === 'approved' ? 'ok' : r.status === 'denied' ? 'bad' : 'info'}">${m.t(`entra.result.${r.status}`)}</span>${r.detail ? html` <span class="hint">${r.detail}</span>` : ''}</td>
<td data-label="${m.t('entra.col.attempt')}">${r.attemptId ? html`<a href="/admin/attempts/${encodeURIComponent(r.attemptId)}" class="mono">${r.attemptId.slice(0, 8)}</a>` : m.t('common.none')}</td>
<td data-label="${m.t('entra.col.requestId')}" class="mono">${r.clientRequestId ?? m.t('common.none')}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>${m.t('entra.noRecent')}</p>`;
  return adminPage(
    ctx,
    'entra',
    m.t('entra.title'),
    html`<h1>${m.t('entra.title')}</h1>
<p>${m.t('entra.intro')}</p>
${v.enabled ? '' : html`<div class="notice warn" role="status">${m.t('entra.disabled')}</div>`}
<section class="card" aria-labelledby="values-title">
<h2 id="values-title">${m.t('entra.values')}</h2>
<dl class="facts">
${copyable(ctx, 'discovery-url', m.t('entra.discovery'), v.discoveryUrl)}
${copyable(ctx, 'reply-url', m.t('entra.reply'), v.replyUrl)}
<dt>${m.t('entra.issuer')}</dt><dd class="mono">${v.issuer}</dd>
<dt>${m.t('entra.jwks')}</dt><dd class="mono">${v.jwksUrl}</dd>
</dl>
${clients}
</section>
<section class="card" aria-labelledby="keys-title">
<h2 id="keys-title">${m.t('entra.keys')}</h2>
<p>${m.t('entra.keysIntro')}</p>
${keys}
</section>
<section class="card" aria-labelledby="recent-title">
<h2 id="recent-title">${m.t('entra.recent')}</h2>
${recent}
</section>`,
  );
}
