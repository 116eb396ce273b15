/** Employee sign-in pages (issue 18a): the sign-in choices and the "did not work" pages. */
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { page } from '../layout';

export interface SignInPageOptions {
  readonly m: Messages;
  readonly path: string;
  /** Present when OpenID Connect is configured: the button's own text, or null for ours. */
  readonly oidc?: { readonly label: string | null };
  /** Present when LDAP is configured: the login form's double-submit CSRF token. */
  readonly ldap?: { readonly csrf: string; readonly username?: string; readonly error?: string };
  readonly notice?: string;
}

export function signInPage(o: SignInPageOptions): Html {
  const { m } = o;
  const oidc = o.oidc
    ? html`<p><a class="button" id="signin-oidc" href="/me/signin/oidc">${o.oidc.label ?? m.t('signin.oidcButton')}</a></p>`
    : '';
  const ldap = o.ldap
    ? html`${o.oidc ? html`<p class="muted">${m.t('signin.or')}</p>` : ''}
<h2>${m.t('signin.ldapTitle')}</h2>
${o.ldap.error ? html`<div class="notice bad" role="alert" id="signin-error">${o.ldap.error}</div>` : ''}
<form method="post" action="/me/signin/ldap" class="stack">
<input type="hidden" name="_csrf" value="${o.ldap.csrf}">
<div class="field"><label for="username">${m.t('signin.username')}</label>
<input type="text" id="username" name="username" autocomplete="username" required maxlength="200" value="${o.ldap.username ?? ''}"></div>
<div class="field"><label for="password">${m.t('signin.password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1000"></div>
<button type="submit">${m.t('signin.submit')}</button>
</form>`
    : '';
  const none = !o.oidc && !o.ldap;
  return page({
    m,
    path: o.path,
    narrow: true,
    title: m.t('signin.title'),
    body: html`<div class="card">
<h1>${m.t('signin.title')}</h1>
${o.notice ? html`<div class="notice ok" role="status">${o.notice}</div>` : ''}
${none ? html`<p>${m.t('signin.noneConfigured')}</p>` : html`<p>${m.t('signin.intro')}</p>${oidc}${ldap}<p class="hint">${m.t('signin.firstTime')}</p>`}
</div>`,
  });
}

/** A refused or failed sign-in: what happened, in plain words, and a way to start again. */
export function signInProblemPage(m: Messages, path: string, title: string, text: string): Html {
  return page({
    m,
    path,
    narrow: true,
    title,
    body: html`<div class="card" id="signin-problem"><h1>${title}</h1><p>${text}</p>
<div class="actions"><a class="button" href="/me/signin">${m.t('signin.tryAgain')}</a></div></div>`,
  });
}
