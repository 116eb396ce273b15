/**
 * Security info like Microsoft's (issue 18a): the default sign-in method with "Change", recent
 * verification activity (time, method, outcome, from where), and where the employee is signed in.
 */
import { plainReason } from '../../domain/call-outcomes';
import { type Html, html } from '../html';
import type { SessionInfo, SignInMethod } from '../http/sessions';
import type { MessageKey, Messages } from '../i18n';
import { csrfField } from '../layout';
import type { PhoneMethodView } from '../ports';

export interface ActivityRow {
  readonly at: number;
  readonly purpose: 'enrollment' | 'sign-in' | 'test';
  readonly method: PhoneMethodView | undefined;
  readonly outcome: string | null;
  readonly sipStatus: number | null;
  readonly requestedBy: string | null;
}

/** "From where" in plain words: who asked for the call. */
export function fromWhere(m: Messages, requestedBy: string | null, userId: string): string {
  if (!requestedBy) return m.t('sec.from.unknown');
  const [kind, rest = ''] = requestedBy.split(/:(.*)/s);
  switch (kind) {
    case 'user':
      return rest === userId ? m.t('sec.from.web') : m.t('sec.from.unknown');
    case 'apikey':
      return m.t('sec.from.api');
    case 'radius':
      return m.t('sec.from.radius', { name: rest });
    case 'entra':
      return m.t('sec.from.entra');
    case 'cli':
      return m.t('sec.from.cli');
    case 'system':
      return m.t('sec.from.system');
    case 'admin':
      return m.t('sec.from.admin');
    default:
      return m.t('sec.from.unknown');
  }
}

export function defaultMethodSection(
  m: Messages,
  csrf: string,
  methods: readonly PhoneMethodView[],
  changing: boolean,
): Html {
  const current = methods.find((pm) => pm.isDefault && pm.verifiedAt);
  const verified = methods.filter((pm) => pm.verifiedAt);
  const label = (pm: PhoneMethodView) =>
    `${m.t(`method.${pm.kind}`)}: ${pm.display}${pm.extension ? ` (${m.t('form.extension')} ${pm.extension})` : ''}`;
  const change =
    changing && verified.length > 0
      ? html`<form method="post" action="/me/security/default" class="inline spaced" id="default-form">${csrfField(csrf)}
<div class="field"><label for="default-method">${m.t('sec.chooseDefault')}</label>
<select id="default-method" name="methodId">${verified.map(
          (pm) => html`<option value="${pm.id}"${pm.isDefault ? html` selected` : ''}>${label(pm)}</option>`,
        )}</select></div>
<button type="submit">${m.t('common.save')}</button> <a class="button secondary" href="/me/security">${m.t('common.cancel')}</a></form>`
      : verified.length > 1 || (verified.length === 1 && !current)
        ? html`<a class="button secondary small" id="change-default" href="/me/security?changeDefault=1#default-title">${m.t('sec.changeDefault')}</a>`
        : '';
  return html`<section class="card" aria-labelledby="default-title">
<h2 id="default-title">${m.t('sec.defaultTitle')}</h2>
<p id="default-method-text">${current ? label(current) : m.t('sec.defaultNone')}</p>
${change}
</section>`;
}

export function activitySection(m: Messages, rows: readonly ActivityRow[], userId: string): Html {
  const body =
    rows.length === 0
      ? html`<p>${m.t('sec.noActivity')}</p>`
      : html`<div class="table-wrap"><table class="stack" id="activity">
<thead><tr><th scope="col">${m.t('sec.col.when')}</th><th scope="col">${m.t('sec.col.what')}</th><th scope="col">${m.t('sec.col.method')}</th><th scope="col">${m.t('sec.col.outcome')}</th><th scope="col">${m.t('sec.col.from')}</th></tr></thead>
<tbody>${rows.map((r) => {
          const outcome = r.outcome
            ? html`<span class="badge ${r.outcome === 'approved' ? 'ok' : 'bad'}">${plainReason(r.outcome as never, r.sipStatus, m.lang)}</span>`
            : html`<span class="badge info">${m.t('sec.inProgress')}</span>`;
          const method = r.method ? `${m.t(`method.${r.method.kind}`)} ${r.method.display}` : m.t('common.none');
          return html`<tr><th scope="row" class="nowrap">${m.dateTime(r.at)}</th>
<td data-label="${m.t('sec.col.what')}">${m.t(`sec.purpose.${r.purpose}` as MessageKey)}</td>
<td data-label="${m.t('sec.col.method')}">${method}</td>
<td data-label="${m.t('sec.col.outcome')}">${outcome}</td>
<td data-label="${m.t('sec.col.from')}">${fromWhere(m, r.requestedBy, userId)}</td></tr>`;
        })}</tbody></table></div>`;
  return html`<section class="card" aria-labelledby="activity-title"><h2 id="activity-title">${m.t('sec.activity')}</h2>${body}</section>`;
}

const VIA: Record<SignInMethod, MessageKey> = {
  link: 'sec.via.link',
  oidc: 'sec.via.oidc',
  ldap: 'sec.via.ldap',
  apikey: 'sec.via.apikey',
};

/** A short browser description from the User-Agent (no parsing library: the main families). */
export function browserName(ua: string | null): string {
  if (!ua) return '—';
  const family = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : ua.slice(0, 40);
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${family}, ${os}` : family;
}

export function sessionsSection(
  m: Messages,
  csrf: string,
  sessions: readonly SessionInfo[],
  currentHandle: string,
  idleMinutes: number,
): Html {
  return html`<section class="card" aria-labelledby="sessions-title">
<h2 id="sessions-title">${m.t('sec.sessions')}</h2>
<p>${m.t('sec.sessionsIntro', { idle: idleMinutes })}</p>
<div class="table-wrap"><table class="stack" id="sessions">
<thead><tr><th scope="col">${m.t('sec.col.device')}</th><th scope="col">${m.t('sec.col.how')}</th><th scope="col">${m.t('sec.col.signedIn')}</th><th scope="col">${m.t('sec.col.lastActive')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${sessions.map(
    (
      s,
    ) => html`<tr${s.handle === currentHandle ? html` class="current"` : ''}><th scope="row">${browserName(s.userAgent)}${s.ip ? html` <span class="muted mono">${s.ip}</span>` : ''}${s.handle === currentHandle ? html` <span class="badge info">${m.t('sec.thisDevice')}</span>` : ''}</th>
<td data-label="${m.t('sec.col.how')}">${m.t(VIA[s.method])}</td>
<td data-label="${m.t('sec.col.signedIn')}">${m.dateTime(s.createdAt)}</td>
<td data-label="${m.t('sec.col.lastActive')}">${m.dateTime(s.lastSeenAt)}</td>
<td data-label="${m.t('sec.col.actions')}">${
      s.handle === currentHandle
        ? ''
        : html`<form method="post" action="/me/security/sessions/${s.handle}/signout">${csrfField(csrf)}<button type="submit" class="small secondary">${m.t('sec.signOutSession')}</button></form>`
    }</td></tr>`,
  )}</tbody></table></div>
<form method="post" action="/me/security/sessions/signout-all" data-confirm="${m.t('sec.signOutEverywhereConfirm')}" class="spaced">${csrfField(csrf)}<button type="submit" class="danger" id="signout-everywhere">${m.t('sec.signOutEverywhere')}</button></form>
</section>`;
}
