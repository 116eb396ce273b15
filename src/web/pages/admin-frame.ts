/** The admin page frame: navigation, sign-out, and the login page. */
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { csrfField, errorSummary, type NavItem, page } from '../layout';

export type AdminSection =
  | 'dashboard'
  | 'users'
  | 'attempts'
  | 'scripts'
  | 'entra'
  | 'radius'
  // issue 18b
  | 'signins'
  | 'fraud'
  | 'audit'
  | 'keys';

export interface AdminContext {
  readonly m: Messages;
  readonly path: string;
  readonly csrf: string;
}

export function adminPage(
  ctx: AdminContext,
  section: AdminSection,
  title: string,
  body: Html,
  opts: { readonly refreshSeconds?: number; readonly scripts?: readonly string[] } = {},
): Html {
  const nav: NavItem[] = [
    { href: '/admin', label: 'admin.nav.dashboard', current: section === 'dashboard' },
    { href: '/admin/users', label: 'admin.nav.users', current: section === 'users' },
    { href: '/admin/attempts', label: 'admin.nav.attempts', current: section === 'attempts' },
    { href: '/admin/scripts', label: 'admin.nav.scripts', current: section === 'scripts' },
    { href: '/admin/radius', label: 'admin.nav.radius', current: section === 'radius' },
    { href: '/admin/entra', label: 'admin.nav.entra', current: section === 'entra' },
    // issue 18b
    { href: '/admin/sign-ins', label: 'adm.nav.signins', current: section === 'signins' },
    { href: '/admin/fraud', label: 'adm.nav.fraud', current: section === 'fraud' },
    { href: '/admin/audit', label: 'adm.nav.audit', current: section === 'audit' },
    { href: '/admin/keys', label: 'adm.nav.keys', current: section === 'keys' },
  ];
  return page({
    m: ctx.m,
    path: ctx.path,
    title,
    nav,
    signOut: { action: '/admin/logout', csrf: ctx.csrf },
    body,
    wide: true,
    ...(opts.refreshSeconds ? { refreshSeconds: opts.refreshSeconds } : {}),
    ...(opts.scripts ? { scripts: opts.scripts } : {}),
  });
}

export function loginPage(m: Messages, path: string, csrf: string, error?: string): Html {
  return page({
    m,
    path,
    narrow: true,
    title: m.t('admin.login.title'),
    body: html`<div class="card">
<h1>${m.t('admin.login.title')}</h1>
<p>${m.t('admin.login.intro')}</p>
${error ? errorSummary(m, { key: error }) : ''}
<form method="post" action="/admin/login">
${csrfField(csrf)}
<div class="field"><label for="key">${m.t('admin.login.key')}</label>
<input type="password" id="key" name="key" autocomplete="current-password" spellcheck="false" required${error ? html` aria-invalid="true"` : ''}></div>
<div class="actions"><button type="submit">${m.t('admin.login.submit')}</button></div>
</form>
</div>`,
  });
}

export function simplePage(m: Messages, path: string, title: string, text: string): Html {
  return page({ m, path, narrow: true, title, body: html`<div class="card"><h1>${title}</h1><p>${text}</p></div>` });
}
