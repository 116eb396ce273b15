/**
 * Users (admin): the list by registration status with search, filters and bulk enrollment links,
 * and one user's page with every admin action. Texts speak about the user ("the user has no phone"),
 * never to them.
 */
import type { MailBatchView } from '../../services/mail/bulk-mail';
import type { UserRegistration } from '../../services/users/admin';
import { type Coverage, REGISTRATION_STATUSES, type RegistrationStatus } from '../../services/users/registration';
import type { Attempt } from '../../store/repo/attempts';
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { csrfField, errorSummary } from '../layout';
import type { AppPasswordView, PhoneMethodView } from '../ports';
import { attemptRows } from './admin-attempts';
import { type AdminContext, adminPage } from './admin-frame';
import { appPasswordName } from './app-password-name';

function postButton(csrf: string, action: string, label: string, cls = 'secondary', confirm?: string): Html {
  return html`<form method="post" action="${action}"${confirm ? html` data-confirm="${confirm}"` : ''}>${csrfField(csrf)}<button type="submit" class="small ${cls}">${label}</button></form>`;
}

const STATUS_CLASS: Record<RegistrationStatus, string> = {
  none: 'warn',
  pending: 'info',
  verified: 'ok',
  blocked: 'bad',
};

export function statusBadge(m: Messages, s: RegistrationStatus): Html {
  return html`<span class="badge ${STATUS_CLASS[s]}" data-status="${s}">${m.t(`adm.status.${s}`)}</span>`;
}

export function coverageCard(m: Messages, c: Coverage): Html {
  const pct = (n: number) => (c.total === 0 ? 0 : Math.round((n / c.total) * 100));
  return html`<section class="card" aria-labelledby="coverage-title">
<h2 id="coverage-title">${m.t('adm.coverage')}</h2>
<p>${m.t('adm.coverage.summary', { verified: c.verified, total: c.total, pct: pct(c.verified) })}</p>
<progress max="${Math.max(c.total, 1)}" value="${c.verified}" aria-label="${m.t('adm.coverage')}"></progress>
<ul class="coverage">${REGISTRATION_STATUSES.map(
    (s) => html`<li><a href="/admin/users?status=${s}">${statusBadge(m, s)} <strong>${c[s]}</strong></a></li>`,
  )}</ul>
</section>`;
}

export interface UserListQuery {
  readonly search: string;
  readonly status: RegistrationStatus | '';
}

export interface UsersPageOptions {
  readonly query: UserListQuery;
  readonly rows: readonly UserRegistration[];
  readonly coverage: Coverage;
  readonly mailEnabled: boolean;
  readonly batches: readonly MailBatchView[];
  readonly filterError?: string;
  readonly notice?: string;
  readonly error?: string;
  readonly errors?: Readonly<Record<string, string>>;
  readonly values?: { readonly username: string; readonly displayName: string; readonly language: string };
}

const LANGUAGES = ['sv-SE', 'en-GB', 'en-US'];

function languageSelect(id: string, value: string): Html {
  const options = LANGUAGES.includes(value) ? LANGUAGES : [value, ...LANGUAGES];
  return html`<select id="${id}" name="language">${options.map((l) => html`<option value="${l}"${l === value ? html` selected` : ''}>${l}</option>`)}</select>`;
}

export function usersPage(ctx: AdminContext, o: UsersPageOptions): Html {
  const { m, csrf } = ctx;
  const q = o.query;
  const v = o.values ?? { username: '', displayName: '', language: m.lang === 'sv' ? 'sv-SE' : 'en-GB' };
  return adminPage(
    ctx,
    'users',
    m.t('users.title'),
    html`<h1>${m.t('users.title')}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${o.error ? html`<div class="notice bad" role="alert">${o.error}</div>` : ''}
${coverageCard(m, o.coverage)}
<form method="get" action="/admin/users" class="card inline" role="search" aria-label="${m.t('adm.users.filter')}">
${o.filterError ? errorSummary(m, { 'f-status': o.filterError }) : ''}
<div class="field"><label for="q">${m.t('adm.users.search')}</label><input type="search" id="q" name="q" value="${q.search}"></div>
<div class="field"><label for="f-status">${m.t('adm.users.status')}</label><select id="f-status" name="status"${o.filterError ? html` aria-invalid="true"` : ''}>
<option value="">${m.t('att.any')}</option>${REGISTRATION_STATUSES.map((s) => html`<option value="${s}"${q.status === s ? html` selected` : ''}>${m.t(`adm.status.${s}`)}</option>`)}</select></div>
<button type="submit">${m.t('users.searchButton')}</button>
</form>
<section class="card" aria-labelledby="list-title">
<h2 id="list-title">${m.t('adm.users.count', { count: o.rows.length })}</h2>
${
  o.rows.length === 0
    ? html`<p>${m.t('users.none')}</p>`
    : html`<form method="post" action="/admin/users/bulk" id="bulk-form">${csrfField(csrf)}
<input type="hidden" name="q" value="${q.search}"><input type="hidden" name="status" value="${q.status}">
<div class="table-wrap"><table class="users">
<thead><tr><th scope="col"><span class="visually-hidden">${m.t('adm.bulk.choose')}</span></th><th scope="col">${m.t('users.username')}</th><th scope="col">${m.t('users.displayName')}</th><th scope="col">${m.t('adm.user.email')}</th><th scope="col">${m.t('adm.users.status')}</th><th scope="col">${m.t('adm.users.phones')}</th></tr></thead>
<tbody>${o.rows.map(
        (
          r,
        ) => html`<tr><td><input type="checkbox" name="u:${r.user.id}" value="1" id="pick-${r.user.id}" aria-label="${m.t('adm.bulk.chooseUser', { name: r.user.username })}"></td>
<th scope="row"><a href="/admin/users/${r.user.id}">${r.user.username}</a></th><td>${r.user.displayName}</td><td>${r.user.email ?? m.t('common.none')}</td>
<td>${statusBadge(m, r.status)}</td><td>${m.t('adm.users.phonesValue', { verified: r.verifiedMethods, total: r.methods })}</td></tr>`,
      )}</tbody></table></div>
<fieldset class="bulk"><legend>${m.t('adm.bulk.title')}</legend>
<p class="hint">${m.t('adm.bulk.hint')}</p>
<div class="actions">
<button type="submit" name="do" value="csv">${m.t('adm.bulk.csvChosen')}</button>
<button type="submit" name="do" value="email" class="secondary"${o.mailEnabled ? '' : html` disabled aria-describedby="mail-off"`}>${m.t('adm.bulk.mailChosen')}</button>
</div>
<div class="actions">
<button type="submit" name="scope" value="listed" class="secondary">${m.t('adm.bulk.csvListed', { count: o.rows.length })}</button>
</div>
${o.mailEnabled ? '' : html`<p class="hint" id="mail-off">${m.t('adm.bulk.mailOff')}</p>`}
</fieldset>
</form>`
}
</section>
${
  o.batches.length
    ? html`<section class="card" aria-labelledby="batches-title"><h2 id="batches-title">${m.t('adm.mail.recent')}</h2>
<ul>${o.batches.map((b) => html`<li><a href="/admin/mail/${b.batch.id}">${m.dateTime(b.batch.createdAt)}</a>: ${m.t('adm.mail.counts', b.counts)}</li>`)}</ul></section>`
    : ''
}
<section class="card" aria-labelledby="create-title">
<h2 id="create-title">${m.t('users.create')}</h2>
${errorSummary(m, o.errors ?? {}, 'new-')}
<form method="post" action="/admin/users" class="inline">
${csrfField(csrf)}
<div class="field"><label for="new-username">${m.t('users.username')}</label><input type="text" id="new-username" name="username" value="${v.username}" required autocomplete="off"></div>
<div class="field"><label for="new-displayName">${m.t('users.displayName')}</label><input type="text" id="new-displayName" name="displayName" value="${v.displayName}"></div>
<div class="field"><label for="new-email">${m.t('adm.user.email')}</label><input type="email" id="new-email" name="email" autocomplete="off"></div>
<div class="field"><label for="new-language">${m.t('users.language')}</label>${languageSelect('new-language', v.language)}</div>
<button type="submit">${m.t('users.create')}</button>
</form>
</section>`,
  );
}

export interface UserPageOptions {
  readonly reg: UserRegistration;
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
  const u = o.reg.user;
  const base = `/admin/users/${u.id}`;
  const names = new Map([[u.id, u.username]]);
  const blocked = o.reg.status === 'blocked';
  return adminPage(
    ctx,
    'users',
    m.t('user.title', { name: u.username }),
    html`<h1>${m.t('user.title', { name: u.username })}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${o.error ? html`<div class="notice bad" role="alert">${o.error}</div>` : ''}
<section class="card" aria-labelledby="reg-title">
<h2 id="reg-title">${m.t('adm.user.registration')}</h2>
<dl class="facts">
<dt>${m.t('adm.users.status')}</dt><dd>${statusBadge(m, o.reg.status)} <span class="muted">${m.t(`adm.status.${o.reg.status}.help`)}</span></dd>
${blocked && u.blockedUntil ? html`<dt>${m.t('adm.user.blockedUntil')}</dt><dd>${m.dateTime(u.blockedUntil)}</dd><dt>${m.t('adm.user.blockReason')}</dt><dd>${u.blockReason ?? m.t('adm.user.noReason')}</dd>` : ''}
${u.reregisterRequestedAt && o.reg.status !== 'verified' ? html`<dt>${m.t('adm.user.reregRequested')}</dt><dd>${m.dateTime(u.reregisterRequestedAt)}</dd>` : ''}
<dt>${m.t('adm.users.phones')}</dt><dd>${m.t('adm.users.phonesValue', { verified: o.reg.verifiedMethods, total: o.reg.methods })}</dd>
<dt>${m.t('adm.user.openLinks')}</dt><dd>${o.reg.openLinks}</dd>
</dl>
</section>
<section class="card" aria-labelledby="edit-title">
<h2 id="edit-title">${m.t('adm.user.edit')}</h2>
<form method="post" action="${base}/edit" class="inline">${csrfField(csrf)}
<div class="field"><label for="e-displayName">${m.t('users.displayName')}</label><input type="text" id="e-displayName" name="displayName" value="${u.displayName}"></div>
<div class="field"><label for="e-email">${m.t('adm.user.email')}</label><input type="email" id="e-email" name="email" value="${u.email ?? ''}"></div>
<div class="field"><label for="e-language">${m.t('users.language')}</label>${languageSelect('e-language', u.language)}</div>
<button type="submit">${m.t('common.save')}</button>
</form>
</section>
<section class="card" aria-labelledby="methods-title">
<h2 id="methods-title">${m.t('sec.methods')}</h2>
${
  o.methods.length === 0
    ? html`<p>${m.t('adm.user.noMethods')}</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">${m.t('sec.col.method')}</th><th scope="col">${m.t('sec.col.number')}</th><th scope="col">${m.t('sec.col.extension')}</th><th scope="col">${m.t('sec.col.status')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${o.methods.map(
        (
          pm,
        ) => html`<tr><th scope="row">${m.t(`method.${pm.kind}`)}${pm.isDefault ? html` <span class="badge info">${m.t('sec.default')}</span>` : ''}</th><td class="mono">${pm.display}</td><td class="mono">${pm.extension ?? m.t('common.none')}</td>
<td>${pm.verifiedAt ? html`<span class="badge ok">${m.t('sec.verified')}</span>` : html`<span class="badge warn">${m.t('sec.unverified')}</span>`}</td>
<td>${postButton(csrf, `${base}/methods/${pm.id}/remove`, m.t('adm.user.removeMethod'), 'danger', m.t('adm.user.removeMethodConfirm', { number: pm.display, name: u.username }))}</td></tr>`,
      )}</tbody></table></div>`
}
<div class="actions">
${postButton(csrf, `${base}/reset-methods`, m.t('adm.user.reset'), 'danger', m.t('adm.user.resetConfirm', { name: u.username }))}
${o.methods.length ? postButton(csrf, `${base}/require-reregistration`, m.t('adm.user.rereg'), 'secondary', m.t('adm.user.reregConfirm', { name: u.username })) : ''}
</div>
<p class="hint">${m.t('adm.user.resetHelp')}</p>
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
<section class="card" aria-labelledby="access-title">
<h2 id="access-title">${m.t('adm.user.access')}</h2>
<div class="grid">
${
  blocked
    ? html`<form method="post" action="${base}/unblock">${csrfField(csrf)}
<div class="field"><label for="unblock-reason">${m.t('adm.user.unblockReason')}</label><input type="text" id="unblock-reason" name="reason" maxlength="500"></div>
<button type="submit" class="secondary">${m.t('user.unblock')}</button></form>`
    : html`<form method="post" action="${base}/block">${csrfField(csrf)}
<div class="field"><label for="block-reason">${m.t('adm.user.blockReasonLabel')}</label><input type="text" id="block-reason" name="reason" maxlength="500" required></div>
<div class="field"><label for="block-days">${m.t('user.blockDays')}</label><input type="number" id="block-days" name="days" value="90" min="1" max="3650"></div>
<button type="submit" class="danger">${m.t('user.block')}</button></form>`
}
<form method="post" action="${base}/bypass">${csrfField(csrf)}
<div class="field"><label for="bypass-reason">${m.t('adm.user.bypassReason')}</label><input type="text" id="bypass-reason" name="reason" maxlength="500" required></div>
<div class="field"><label for="bypass-min">${m.t('user.bypassMinutes')}</label><input type="number" id="bypass-min" name="minutes" value="5" min="1" max="1440"></div>
<button type="submit" class="secondary">${m.t('user.bypass')}</button></form>
</div>
</section>
<section class="card" aria-labelledby="apps-title">
<h2 id="apps-title">${m.t('user.appPasswords')}</h2>
${
  o.appPasswords.length === 0
    ? html`<p>${m.t('adm.user.noAppPasswords')}</p>`
    : html`<div class="table-wrap"><table><thead><tr><th scope="col">${m.t('sec.col.name')}</th><th scope="col">${m.t('sec.col.created')}</th><th scope="col">${m.t('sec.col.lastUsed')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${o.appPasswords.map(
        (
          a,
        ) => html`<tr><th scope="row">${appPasswordName(m, a.name)}</th><td>${m.dateTime(a.createdAt)}</td><td>${a.lastUsedAt ? m.dateTime(a.lastUsedAt) : m.t('common.none')}</td>
<td>${postButton(csrf, `${base}/app-passwords/${a.id}/revoke`, m.t('sec.revoke'), 'danger', m.t('adm.user.revokeAppConfirm', { name: appPasswordName(m, a.name), user: u.username }))}</td></tr>`,
      )}</tbody></table></div>`
}
</section>
<section class="card" aria-labelledby="att-title">
<h2 id="att-title">${m.t('user.attempts')}</h2>
${attemptRows(m, o.attempts, names)}
</section>
<section class="card danger-zone" aria-labelledby="delete-title">
<h2 id="delete-title">${m.t('adm.user.delete')}</h2>
<p>${m.t('adm.user.deleteHelp')}</p>
${postButton(csrf, `${base}/delete`, m.t('adm.user.delete'), 'danger', m.t('adm.user.deleteConfirm', { name: u.username }))}
</section>`,
  );
}
