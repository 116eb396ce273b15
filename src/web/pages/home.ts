/**
 * The start page at `/`: where an employee and an admin go from here. Someone already signed in is
 * sent on to their own start page by the route instead.
 */
import { type Html, html } from '../html';
import type { Messages } from '../i18n';
import { page } from '../layout';

export function homePage(m: Messages, path: string): Html {
  return page({
    m,
    path,
    narrow: true,
    title: m.t('home.title'),
    body: html`<div class="card">
<h1>${m.t('home.title')}</h1>
<p>${m.t('home.intro')}</p>
<h2>${m.t('home.employee')}</h2>
<p>${m.t('home.employeeText')}</p>
<p><a href="/me/security">${m.t('home.employeeLink')}</a></p>
<h2>${m.t('home.admin')}</h2>
<p>${m.t('home.adminText')}</p>
<p><a href="/admin">${m.t('home.adminLink')}</a></p>
</div>`,
  });
}
