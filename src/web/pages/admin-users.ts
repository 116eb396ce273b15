/** Users: search + create, and the detail page with methods, attempts, app passwords and actions. */
import type { Attempt } from '../../store/repo/attempts';
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { csrfField, errorSummary } from '../layout';
import type { AppPasswordView, PhoneMethodView, UserView } from '../ports';
import { attemptRows } from './admin-attempts';
import { type AdminContext, adminPage } from './admin-frame';

function postButton(csrf: string, action: string, label: string, cls = 'secondary', confirm?: string): Html {
  return html`<form method="post" action="${action}"${confirm ? html` data-confirm="${confirm}"` : ''}>${csrfField(csrf)}<button type="submit" class="small ${cls}">${label}</button></form>`;
}

function blockedText(m: Messages, u: UserView, now: number): Html {
  return u.blockedUntil && u.blockedUntil > now
    ? html`<span class="badge bad">${m.t('user.blockedUntil', { time: m.dateTime(u.blockedUntil) })}</span>`
    : html`<span class="badge ok">${m.t('user.notBlocked')}</span>`;
}

export interface UsersPageOptions {
  readonly search: string;
  readonly users: readonly UserView[];
  readonly errors?: Readonly<Record<string, string>>;
  readonly values?: { readonly username: string; readonly displayName: string; readonly language: string };
  readonly now: number;
}

export function usersPage(ctx: AdminContext, o: UsersPageOptions): Html {
  const { m } = ctx;
  const v = o.values ?? { username: '', displayName: '', language: m.lang === 'sv' ? 'sv-SE' : 'en-GB' };
  return adminPage(
    ctx,
    'users',
    m.t('users.title'),
    html`<h1>${m.t('users.title')}</h1>
<form method="get" action="/admin/users" class="card inline" role="search">
<div class="field"><label for="q">${m.t('users.search')}</label><input type="search" id="q" name="q" value="${o.search}"></div>
<button type="submit">${m.t('users.searchButton')}</button>
</form>
<section class="card">
${
  o.users.length === 0
    ? html`<p>${m.t('users.none')}</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">${m.t('users.username')}</th><th scope="col">${m.t('users.displayName')}</th><th scope="col">${m.t('users.language')}</th><th scope="col">${m.t('users.col.blocked')}</th></tr></thead>
<tbody>${o.users.map((u) => html`<tr><th scope="row"><a href="/admin/users/${u.id}">${u.username}</a></th><td>${u.displayName}</td><td>${u.language}</td><td>${blockedText(m, u, o.now)}</td></tr>`)}</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="create-title">
<h2 id="create-title">${m.t('users.create')}</h2>
${errorSummary(m, o.errors ?? {}, 'new-')}
<form method="post" action="/admin/users" class="inline">
${csrfField(ctx.csrf)}
<div class="field"><label for="new-username">${m.t('users.username')}</label><input type="text" id="new-username" name="username" value="${v.username}" required autocomplete="off"></div>
<div class="field"><label for="new-displayName">${m.t('users.displayName')}</label><input type="text" id="new-displayName" name="displayName" value="${v.displayName}"></div>
<div class="field"><label for="new-language">${m.t('users.language')}</label><select id="new-language" name="language">
${['sv-SE', 'en-GB', 'en-US'].map((l) => html`<option value="${l}"${l === v.language ? html` selected` : ''}>${l}</option>`)}</select></div>
<button type="submit">${m.t('users.create')}</button>
</form>
</section>`,
  );
}

export interface UserPageOptions {
  readonly user: UserView;
  readonly methods: readonly PhoneMethodView[];
  readonly attempts: readonly Attempt[];
  readonly appPasswords: readonly AppPasswordView[];
  readonly link?: { readonly url: string; readonly expiresAt: number };
  readonly notice?: string;
  readonly error?: string;
  readonly now: number;
}

export function userPage(ctx: AdminContext, o: UserPageOptions): Html {
  const { m, csrf } = ctx;
  const u = o.user;
  const base = `/admin/users/${u.id}`;
  const names = new Map([[u.id, u.username]]);
  return adminPage(
    ctx,
    'users',
    m.t('user.title', { name: u.username }),
    html`<h1>${m.t('user.title', { name: u.username })}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${o.error ? html`<div class="notice bad" role="alert">${o.error}</div>` : ''}
<section class="card">
<dl class="facts">
<dt>${m.t('users.displayName')}</dt><dd>${u.displayName || m.t('common.none')}</dd>
<dt>${m.t('users.language')}</dt><dd>${u.language}</dd>
<dt>${m.t('users.col.blocked')}</dt><dd>${blockedText(m, u, o.now)}</dd>
</dl>
<div class="actions">
<form method="post" action="${base}/block" class="inline">${csrfField(csrf)}
<div class="field"><label for="block-days">${m.t('user.blockDays')}</label><input type="number" id="block-days" name="days" value="90" min="1" max="3650"></div>
<button type="submit" class="danger">${m.t('user.block')}</button></form>
${u.blockedUntil && u.blockedUntil > o.now ? postButton(csrf, `${base}/unblock`, m.t('user.unblock')) : ''}
<form method="post" action="${base}/bypass" class="inline">${csrfField(csrf)}
<div class="field"><label for="bypass-min">${m.t('user.bypassMinutes')}</label><input type="number" id="bypass-min" name="minutes" value="5" min="1" max="1440"></div>
<button type="submit" class="secondary">${m.t('user.bypass')}</button></form>
</div>
</section>
<section class="card" aria-labelledby="link-title">
<h2 id="link-title">${m.t('user.enrollmentLink')}</h2>
${
  o.link
    ? html`<p>${m.t('user.linkCreated', { time: m.dateTime(o.link.expiresAt) })}</p>
<p><output class="mono" id="enroll-link">${o.link.url}</output></p>
<div class="actions"><button type="button" class="secondary" hidden data-copy="#enroll-link" data-status="#link-status" data-copied="${m.t('common.copied')}" data-copy-failed="${m.t('common.copyFailed')}">${m.t('common.copy')}</button><span role="status" id="link-status"></span></div>`
    : ''
}
${postButton(csrf, `${base}/enrollment-link`, m.t('user.createLink'), '')}
</section>
<section class="card" aria-labelledby="methods-title">
<h2 id="methods-title">${m.t('sec.methods')}</h2>
${
  o.methods.length === 0
    ? html`<p>${m.t('sec.noMethods')}</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">${m.t('sec.col.method')}</th><th scope="col">${m.t('sec.col.number')}</th><th scope="col">${m.t('sec.col.extension')}</th><th scope="col">${m.t('sec.col.status')}</th></tr></thead>
<tbody>${o.methods.map(
        (
          pm,
        ) => html`<tr><th scope="row">${m.t(`method.${pm.kind}`)}${pm.isDefault ? html` <span class="badge info">${m.t('sec.default')}</span>` : ''}</th><td class="mono">${pm.display}</td><td class="mono">${pm.extension ?? m.t('common.none')}</td>
<td>${pm.verifiedAt ? html`<span class="badge ok">${m.t('sec.verified')}</span>` : html`<span class="badge warn">${m.t('sec.unverified')}</span>`}</td></tr>`,
      )}</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="apps-title">
<h2 id="apps-title">${m.t('user.appPasswords')}</h2>
${
  o.appPasswords.length === 0
    ? html`<p>${m.t('sec.noAppPasswords')}</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">${m.t('sec.col.name')}</th><th scope="col">${m.t('sec.col.created')}</th><th scope="col">${m.t('sec.col.lastUsed')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${o.appPasswords.map(
        (
          a,
        ) => html`<tr><th scope="row">${a.name}</th><td>${m.dateTime(a.createdAt)}</td><td>${a.lastUsedAt ? m.dateTime(a.lastUsedAt) : m.t('common.none')}</td>
<td>${postButton(csrf, `${base}/app-passwords/${a.id}/revoke`, m.t('sec.revoke'), 'danger', m.t('sec.revokeConfirm', { name: a.name }))}</td></tr>`,
      )}</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="att-title">
<h2 id="att-title">${m.t('user.attempts')}</h2>
${attemptRows(m, o.attempts, names)}
</section>`,
  );
}
