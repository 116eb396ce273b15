/** API keys (create — the key shown once —, revoke) and the webhooks they post to, with deliveries. */
import type { ApiKeyInfo } from '../../services/api-keys/service';
import type { WebhookDeliveryRow } from '../../store/schema';
import { type Html, html } from '../html';
import { csrfField, errorSummary } from '../layout';
import { type AdminContext, adminPage } from './admin-frame';

export interface NewKeySecret {
  readonly name: string;
  readonly key: string;
  readonly webhookSecret: string | null;
}

export function keysPage(
  ctx: AdminContext,
  o: {
    keys: readonly ApiKeyInfo[];
    deliveries: readonly WebhookDeliveryRow[];
    created?: NewKeySecret;
    errors?: Readonly<Record<string, string>>;
    values?: { name: string; scope: string; webhookUrl: string };
    notice?: string;
    error?: string;
  },
): Html {
  const { m, csrf } = ctx;
  const v = o.values ?? { name: '', scope: 'integration', webhookUrl: '' };
  const keyName = new Map(o.keys.map((k) => [k.id, k.name]));
  return adminPage(
    ctx,
    'keys',
    m.t('adm.keys.title'),
    html`<h1>${m.t('adm.keys.title')}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${o.error ? html`<div class="notice bad" role="alert">${o.error}</div>` : ''}
${
  o.created
    ? html`<section class="card" aria-labelledby="new-key-title"><h2 id="new-key-title">${m.t('adm.keys.created', { name: o.created.name })}</h2>
<p>${m.t('adm.keys.once')}</p>
<p><output class="mono" id="new-key">${o.created.key}</output></p>
<div class="actions"><button type="button" class="secondary" hidden data-copy="#new-key" data-status="#key-status" data-copied="${m.t('common.copied')}" data-copy-failed="${m.t('common.copyFailed')}">${m.t('common.copy')}</button><span role="status" id="key-status"></span></div>
${o.created.webhookSecret ? html`<p>${m.t('adm.keys.webhookSecret')}</p><p><output class="mono" id="new-webhook-secret">${o.created.webhookSecret}</output></p>` : ''}
</section>`
    : ''
}
<section class="card" aria-labelledby="keys-title">
<h2 id="keys-title">${m.t('adm.keys.list')}</h2>
${
  o.keys.length === 0
    ? html`<p>${m.t('adm.keys.none')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${m.t('sec.col.name')}</th><th scope="col">${m.t('adm.keys.prefix')}</th><th scope="col">${m.t('adm.keys.scope')}</th><th scope="col">${m.t('adm.keys.webhook')}</th><th scope="col">${m.t('sec.col.created')}</th><th scope="col">${m.t('sec.col.lastUsed')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${o.keys.map(
        (
          k,
        ) => html`<tr><th scope="row">${k.name}</th><td class="mono">${k.prefix}</td><td>${k.scopes.join(', ')}</td><td class="mono">${k.webhookUrl ?? m.t('common.none')}</td>
<td>${m.dateTime(k.createdAt)}</td><td>${k.lastUsedAt ? m.dateTime(k.lastUsedAt) : m.t('common.none')}</td>
<td>${
          k.revokedAt
            ? html`<span class="badge bad">${m.t('adm.keys.revoked', { time: m.dateTime(k.revokedAt) })}</span>`
            : html`<form method="post" action="/admin/keys/${k.id}/revoke" data-confirm="${m.t('adm.keys.revokeConfirm', { name: k.name })}">${csrfField(csrf)}<button type="submit" class="small danger">${m.t('sec.revoke')}</button></form>`
        }</td></tr>`,
      )}</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="create-key-title">
<h2 id="create-key-title">${m.t('adm.keys.create')}</h2>
${errorSummary(m, o.errors ?? {}, 'k-')}
<form method="post" action="/admin/keys" class="inline">${csrfField(csrf)}
<div class="field"><label for="k-name">${m.t('sec.col.name')}</label><input type="text" id="k-name" name="name" value="${v.name}" required maxlength="100"></div>
<div class="field"><label for="k-scope">${m.t('adm.keys.scope')}</label><select id="k-scope" name="scope">
<option value="integration"${v.scope === 'integration' ? html` selected` : ''}>${m.t('adm.keys.scope.integration')}</option>
<option value="admin"${v.scope === 'admin' ? html` selected` : ''}>${m.t('adm.keys.scope.admin')}</option></select></div>
<div class="field"><label for="k-webhookUrl">${m.t('adm.keys.webhookOptional')}</label><input type="url" id="k-webhookUrl" name="webhookUrl" value="${v.webhookUrl}" placeholder="https://"></div>
<button type="submit">${m.t('adm.keys.create')}</button>
</form>
</section>
<section class="card" aria-labelledby="deliveries-title">
<h2 id="deliveries-title">${m.t('adm.keys.deliveries')}</h2>
${
  o.deliveries.length === 0
    ? html`<p>${m.t('adm.keys.noDeliveries')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${m.t('att.col.time')}</th><th scope="col">${m.t('adm.keys.key')}</th><th scope="col">${m.t('adm.fraud.call')}</th><th scope="col">${m.t('sec.col.status')}</th><th scope="col">${m.t('adm.mail.tries')}</th><th scope="col">${m.t('adm.keys.lastAnswer')}</th></tr></thead>
<tbody>${o.deliveries.map(
        (
          d,
        ) => html`<tr><td class="nowrap">${m.dateTime(d.createdAt)}</td><td>${keyName.get(d.apiKeyId) ?? d.apiKeyId}</td>
<td>${d.attemptId ? html`<a href="/admin/attempts/${d.attemptId}">${d.attemptId.slice(0, 8)}</a>` : m.t('common.none')}</td>
<td><span class="badge ${d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'bad' : 'info'}">${m.t(`adm.keys.delivery.${d.status}`)}</span></td><td>${d.tries}</td>
<td>${d.lastHttpStatus ?? ''} ${d.lastError ?? ''}${d.status === 'pending' && d.nextTryAt ? html` <span class="muted">${m.t('adm.keys.nextTry', { time: m.dateTime(d.nextTryAt) })}</span>` : ''}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`,
  );
}
