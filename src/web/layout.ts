/** The page frame shared by self-service and admin pages: skip link, header, language switch, main. */
import { type Html, html } from './html';
import type { MessageKey, Messages, UiLanguage } from './i18n';

export interface NavItem {
  readonly href: string;
  readonly label: MessageKey;
  readonly current?: boolean;
}

export interface PageOptions {
  readonly m: Messages;
  readonly title: string;
  readonly body: Html;
  /** Path + query of this page, for the language switch links. */
  readonly path: string;
  readonly nav?: readonly NavItem[];
  /** A sign-out form (needs the session's CSRF token). */
  readonly signOut?: { readonly action: string; readonly csrf: string };
  readonly narrow?: boolean;
  /** Admin tables: a wider main column so no column is clipped at 1280 px. */
  readonly wide?: boolean;
  /** Reload the page every N seconds when scripts are off (live status fallback). */
  readonly refreshWithoutScript?: number;
  /** Extra scripts from our assets (file names), loaded deferred after app.js. */
  readonly scripts?: readonly string[];
  /** Reload the page every N seconds (progress pages, e.g. a bulk e-mail send). */
  readonly refreshSeconds?: number;
}

export const ASSET_BASE = '/ui/assets';

/** Where the company name and logo go; filled in per server by src/web/branding.ts (issue 18a). */
export const BRAND_MARK = html`<!--fyrkant:company-->`;

function withLang(path: string, lang: UiLanguage): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set('lang', lang);
  return url.pathname + url.search;
}

export function page(o: PageOptions): Html {
  const { m } = o;
  const langs: UiLanguage[] = ['sv', 'en'];
  return html`<!doctype html>
<html lang="${m.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${o.title} · ${m.t('app.name')}</title>
<link rel="stylesheet" href="${ASSET_BASE}/app.css">
${o.refreshSeconds ? html`<meta http-equiv="refresh" content="${o.refreshSeconds}">` : ''}
${o.refreshWithoutScript ? html`<noscript><meta http-equiv="refresh" content="${o.refreshWithoutScript}"></noscript>` : ''}
<script src="${ASSET_BASE}/app.js" defer></script>
${(o.scripts ?? []).map((f) => html`<script src="${ASSET_BASE}/${f}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">${m.t('app.skip')}</a>
<header class="top">
  <span class="brand">fyr<span>#</span>kant</span>${BRAND_MARK}
  ${
    o.nav
      ? html`<nav class="main" aria-label="${m.t('admin.nav')}"><ul>${o.nav.map(
          (n) => html`<li><a href="${n.href}"${n.current ? html` aria-current="page"` : ''}>${m.t(n.label)}</a></li>`,
        )}</ul></nav>`
      : ''
  }
  <nav class="lang" aria-label="${m.t('lang.label')}"><ul>${langs.map(
    (l) =>
      html`<li><a href="${withLang(o.path, l)}" lang="${l}" hreflang="${l}"${l === m.lang ? html` aria-current="true"` : ''}>${m.t(`lang.${l}`)}</a></li>`,
  )}</ul></nav>
  ${
    o.signOut
      ? html`<form method="post" action="${o.signOut.action}"><input type="hidden" name="_csrf" value="${o.signOut.csrf}"><button type="submit" class="secondary small">${m.t('admin.signOut')}</button></form>`
      : ''
  }
</header>
<main id="main" tabindex="-1"${o.narrow ? html` class="narrow"` : o.wide ? html` class="wide"` : ''}>
${o.body}
</main>
</body>
</html>
`;
}

/** Error summary at the top of a form (GOV.UK pattern): links jump to the fields. */
export function errorSummary(m: Messages, errors: Readonly<Record<string, string>>, idPrefix = ''): Html {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="${idPrefix}errors">
<h2>${m.t('common.errorsTitle')}</h2>
<ul>${entries.map(([f, msg]) => html`<li><a href="#${idPrefix}${f}">${msg}</a></li>`)}</ul>
</div>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}
