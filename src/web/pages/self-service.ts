/** Self-service pages: the seed's three enrollment steps and Security info. */
import type { CallStatus } from '../call-status';
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { csrfField, page } from '../layout';
import type { AppPasswordView, CountryOption, PhoneMethodView, UserView } from '../ports';
import { appPasswordName } from './app-password-name';
import { type ContactErrors, type ContactValues, contactForm } from './contact-form';
import { liveStatusSection } from './live-status';

function steps(m: Messages, current: 1 | 2 | 3): Html {
  const keys = ['enroll.step1', 'enroll.step2', 'enroll.step3'] as const;
  return html`<p class="visually-hidden">${m.t('enroll.progress', { step: current })}</p>
<ol class="steps" aria-hidden="true">${keys.map(
    (_k, i) => html`<li${i + 1 === current ? html` aria-current="step"` : ''}>${i + 1}</li>`,
  )}</ol>`;
}

export function linkInvalidPage(m: Messages, path: string, signIn = false): Html {
  return page({
    m,
    path,
    narrow: true,
    title: m.t('enroll.linkInvalidTitle'),
    body: html`<div class="card"><h1>${m.t('enroll.linkInvalidTitle')}</h1><p>${m.t('enroll.linkInvalid')}</p>${
      signIn
        ? html`<p>${m.t('signin.alreadyEnrolled')}</p><div class="actions"><a class="button" href="/me/signin">${m.t('signin.submit')}</a></div>`
        : ''
    }</div>`,
  });
}

export interface ContactPageOptions {
  readonly m: Messages;
  readonly path: string;
  readonly csrf: string;
  readonly countries: readonly CountryOption[];
  readonly values: ContactValues;
  readonly errors: ContactErrors;
  /** `enroll` = step 1 of the seed; `add`/`change` come from Security info. */
  readonly mode: 'enroll' | 'add' | 'change';
  readonly action: string;
  readonly notice?: string;
}

export function contactPage(o: ContactPageOptions): Html {
  const { m } = o;
  const heading =
    o.mode === 'enroll'
      ? m.t('enroll.step1')
      : o.mode === 'add'
        ? m.t('sec.add')
        : m.t('sec.changeTitle', { method: m.t(`method.${o.values.kind}`) });
  return page({
    m,
    path: o.path,
    narrow: true,
    title: heading,
    body: html`<div class="card">
${o.mode === 'enroll' ? html`<p class="muted">${m.t('enroll.title')}</p>${steps(m, 1)}` : ''}
<h1>${heading}</h1>
${o.mode === 'enroll' ? html`<p>${m.t('enroll.intro')}</p>` : ''}
${o.mode === 'change' ? html`<p>${m.t('sec.changeNote')}</p>` : ''}
${o.notice ? html`<div class="notice bad" role="alert">${o.notice}</div>` : ''}
${contactForm({ m, action: o.action, csrf: o.csrf, countries: o.countries, values: o.values, errors: o.errors, submitLabel: 'form.callMe', fixedKind: o.mode === 'change' })}
${o.mode !== 'enroll' ? html`<p><a href="/me/security">${m.t('common.back')}</a></p>` : ''}
</div>`,
  });
}

export interface CallPageOptions {
  readonly m: Messages;
  readonly path: string;
  readonly csrf: string;
  readonly attemptId: string;
  readonly number: string;
  readonly status: CallStatus;
  /** Step 2 of enrollment, or a test call / re-verification from Security info. */
  readonly enrolling: boolean;
  readonly againAction: string;
  readonly continueHref: string;
  readonly changeHref: string;
  readonly notice?: string;
}

export function callPage(o: CallPageOptions): Html {
  const { m, status } = o;
  const showOn = (phases: string) => html` data-show-on="${phases}"`;
  const hiddenUnless = (phases: string) => (phases.split(' ').includes(status.phase) ? '' : html` hidden`);
  return page({
    m,
    path: o.path,
    narrow: true,
    title: o.enrolling ? m.t('enroll.step2') : m.t('call.live'),
    refreshWithoutScript: status.final ? undefined : 3,
    body: html`<div class="card">
${o.enrolling ? html`<p class="muted">${m.t('enroll.title')}</p>${steps(m, 2)}` : ''}
<h1>${o.enrolling ? m.t('enroll.step2') : m.t('sec.testCall')}</h1>
${o.notice ? html`<div class="notice warn" role="alert">${o.notice}</div>` : ''}
<p>${m.t('call.instructions', { number: o.number })}</p>
${liveStatusSection(m, status, `/me/attempts/${o.attemptId}/events`)}
<p class="hint" data-part="poll-note">${m.t('call.noScript')}</p>
<div class="actions">
<form method="post" action="${o.againAction}"${showOn('failed retrying')}${hiddenUnless('failed retrying')}>${csrfField(o.csrf)}<button type="submit">${m.t('call.again')}</button></form>
<a class="button secondary" href="${o.changeHref}"${showOn('failed')}${hiddenUnless('failed')}>${m.t('call.change')}</a>
<a class="button" href="${o.continueHref}"${showOn('verified')}${hiddenUnless('verified')}>${m.t('call.continue')}</a>
</div>
</div>`,
  });
}

export interface AppPasswordPageOptions {
  readonly m: Messages;
  readonly path: string;
  readonly password?: string;
  readonly doneHref: string;
}

export function appPasswordPage(o: AppPasswordPageOptions): Html {
  const { m } = o;
  return page({
    m,
    path: o.path,
    narrow: true,
    title: m.t('enroll.step3'),
    body: html`<div class="card">
<p class="muted">${m.t('enroll.title')}</p>${steps(m, 3)}
<h1>${m.t('enroll.step3')}</h1>
<p>${m.t('app.intro')}</p>
${
  o.password
    ? html`<h2 id="app-password-label">${m.t('app.label')}</h2>
<p><output class="secret" id="app-password" aria-labelledby="app-password-label">${o.password}</output></p>
<div class="actions">
<button type="button" class="secondary" hidden data-copy="#app-password" data-status="#copy-status"
 data-copied="${m.t('common.copied')}" data-copy-failed="${m.t('common.copyFailed')}">${m.t('common.copy')}</button>
<span role="status" id="copy-status"></span>
</div>
<div class="notice warn">${m.t('app.once')}</div>`
    : html`<p class="notice">${m.t('app.none')}</p>`
}
<div class="actions"><a class="button" href="${o.doneHref}">${m.t('app.done')}</a></div>
</div>`,
  });
}

export interface SecurityPageOptions {
  readonly m: Messages;
  readonly path: string;
  readonly csrf: string;
  readonly user: UserView;
  readonly methods: readonly PhoneMethodView[];
  readonly appPasswords: readonly AppPasswordView[];
  readonly newAppPassword?: { readonly name: string; readonly password: string };
  readonly notice?: { readonly kind: 'ok' | 'bad'; readonly text: string };
  readonly appPasswordError?: string;
  /** issue 18a: default-method section above the methods, activity and sessions below. */
  readonly top?: Html;
  readonly bottom?: Html;
}

export function securityPage(o: SecurityPageOptions): Html {
  const { m, csrf } = o;
  const post = (action: string, label: string, opts: { cls?: string; confirm?: string } = {}) =>
    html`<form method="post" action="${action}"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>${csrfField(csrf)}<button type="submit" class="small ${opts.cls ?? 'secondary'}">${label}</button></form>`;
  const methods =
    o.methods.length === 0
      ? html`<p>${m.t('sec.noMethods')}</p>`
      : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${m.t('sec.col.method')}</th><th scope="col">${m.t('sec.col.number')}</th><th scope="col">${m.t('sec.col.extension')}</th><th scope="col">${m.t('sec.col.status')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${o.methods.map((pm) => {
          const name = m.t(`method.${pm.kind}`);
          const base = `/me/security/methods/${pm.id}`;
          return html`<tr>
<th scope="row">${name}${pm.isDefault ? html` <span class="badge info">${m.t('sec.default')}</span>` : ''}</th>
<td class="mono nowrap" data-label="${m.t('sec.col.number')}">${pm.display}</td>
<td class="mono" data-label="${m.t('sec.col.extension')}">${pm.extension ?? m.t('common.none')}</td>
<td data-label="${m.t('sec.col.status')}">${pm.verifiedAt ? html`<span class="badge ok">${m.t('sec.verified')}</span>` : html`<span class="badge warn">${m.t('sec.unverified')}</span>`}</td>
<td data-label="${m.t('sec.col.actions')}"><div class="actions tight">
${!pm.isDefault && pm.verifiedAt ? post(`${base}/default`, m.t('sec.makeDefault')) : ''}
<a class="button secondary small" href="${base}/edit">${m.t('sec.change')}</a>
${post(`${base}/test`, m.t('sec.testCall'))}
${post(`${base}/remove`, m.t('sec.remove'), { cls: 'danger', confirm: m.t('sec.removeConfirm', { method: name, number: pm.display }) })}
</div></td></tr>`;
        })}</tbody></table></div>`;
  const apps =
    o.appPasswords.length === 0
      ? html`<p>${m.t('sec.noAppPasswords')}</p>`
      : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${m.t('sec.col.name')}</th><th scope="col">${m.t('sec.col.created')}</th><th scope="col">${m.t('sec.col.lastUsed')}</th><th scope="col">${m.t('sec.col.actions')}</th></tr></thead>
<tbody>${o.appPasswords.map(
          (
            a,
          ) => html`<tr><th scope="row">${appPasswordName(m, a.name)}</th><td data-label="${m.t('sec.col.created')}">${m.dateTime(a.createdAt)}</td><td data-label="${m.t('sec.col.lastUsed')}">${a.lastUsedAt ? m.dateTime(a.lastUsedAt) : m.t('common.none')}</td>
<td data-label="${m.t('sec.col.actions')}">${post(`/me/security/app-passwords/${a.id}/revoke`, m.t('sec.revoke'), { cls: 'danger', confirm: m.t('sec.revokeConfirm', { name: appPasswordName(m, a.name) }) })}</td></tr>`,
        )}</tbody></table></div>`;
  return page({
    m,
    path: o.path,
    title: m.t('sec.title'),
    signOut: { action: '/me/signout', csrf },
    body: html`<h1>${m.t('sec.title')}</h1>
<p>${m.t('sec.intro')} <span class="muted">${m.t('sec.signedInAs', { name: o.user.displayName || o.user.username })}</span></p>
${o.notice ? html`<div class="notice ${o.notice.kind}" role="status">${o.notice.text}</div>` : ''}
${o.top ?? ''}
<section class="card" aria-labelledby="methods-title">
<h2 id="methods-title">${m.t('sec.methods')}</h2>
${methods}
<div class="actions"><a class="button" href="/me/security/methods/new">${m.t('sec.add')}</a></div>
</section>
<section class="card" aria-labelledby="apps-title">
<h2 id="apps-title">${m.t('sec.appPasswords')}</h2>
<p>${m.t('sec.appPasswordsIntro')}</p>
${
  o.newAppPassword
    ? html`<div class="notice ok"><h3 id="new-app-label">${m.t('sec.newAppPassword', { name: o.newAppPassword.name })}</h3>
<p><output class="secret" id="new-app-password" aria-labelledby="new-app-label">${o.newAppPassword.password}</output></p>
<div class="actions"><button type="button" class="secondary" hidden data-copy="#new-app-password" data-status="#copy-status"
 data-copied="${m.t('common.copied')}" data-copy-failed="${m.t('common.copyFailed')}">${m.t('common.copy')}</button><span role="status" id="copy-status"></span></div>
<p>${m.t('app.once')}</p></div>`
    : ''
}
${apps}
<form method="post" action="/me/security/app-passwords" class="inline spaced">
${csrfField(csrf)}
<div class="field"><label for="app-name">${m.t('sec.appPasswordName')}</label>
${o.appPasswordError ? html`<p class="error-text" id="app-name-error">${o.appPasswordError}</p>` : ''}
<input type="text" id="app-name" name="name" maxlength="60" required${o.appPasswordError ? html` aria-invalid="true" aria-describedby="app-name-error"` : ''}></div>
<button type="submit">${m.t('sec.createAppPassword')}</button>
</form>
</section>
${o.bottom ?? ''}`,
  });
}
