/** The EAM door's pages: waiting for the call, a refused request, and the form back to Entra. */
import type { CallStatus } from '../../../web/call-status';
import { type Html, html } from '../../../web/html';
import type { Messages } from '../../../web/i18n';
import { page } from '../../../web/layout';
import { liveStatusSection } from '../../../web/pages/live-status';
import type { RefusalCode } from '../authorize-request';
import type { EamResponse } from '../eam-service';
import type { EamTextKey, EamTexts } from './texts';

export interface WaitingPageOptions {
  readonly m: Messages;
  readonly t: EamTexts;
  readonly path: string;
  readonly number: string | undefined;
  readonly status: CallStatus;
  readonly eventsUrl: string;
  readonly againAction: string;
  readonly backupAction: string | undefined;
  readonly doneHref: string;
  readonly notice?: string;
}

const CALLING_PHASES = 'queued dialling ringing answered in-script';

export function waitingPage(o: WaitingPageOptions): Html {
  const { m, t, status } = o;
  const callingOnly = html` data-show-on="${CALLING_PHASES}"${status.final ? html` hidden` : ''}`;
  return page({
    m,
    path: o.path,
    narrow: true,
    title: t('title'),
    refreshWithoutScript: status.final ? undefined : 3,
    body: html`<div class="card">
<h1>${t('title')}</h1>
${o.notice ? html`<div class="notice warn" role="alert">${o.notice}</div>` : ''}
<p>${o.number ? t('intro', { number: o.number }) : t('introNoNumber')}</p>
<p class="hint">${t('notYou')}</p>
${liveStatusSection(m, status, o.eventsUrl)}
<p class="hint" data-part="poll-note">${m.t('call.noScript')}</p>
<div class="actions">
<form method="post" action="${o.againAction}"${callingOnly}><button type="submit" class="secondary">${t('callAgain')}</button></form>
${o.backupAction ? html`<form method="post" action="${o.backupAction}"${callingOnly}><button type="submit" class="secondary">${t('backup')}</button></form>` : ''}
<a class="button" href="${o.doneHref}" data-show-on="verified failed"${status.final ? '' : html` hidden`}>${t('continue')}</a>
</div>
</div>`,
  });
}

/** Which title/text pair a refusal shows. */
function refusalTexts(code: RefusalCode, temporary: boolean): { title: EamTextKey; text: EamTextKey } {
  if (temporary) return { title: 'err.temporary.title', text: 'err.temporary' };
  switch (code) {
    case 'unknown-client':
    case 'redirect-not-allowed':
      return { title: 'err.bad-request.title', text: 'err.bad-request' };
    case 'replayed':
      return { title: 'err.replayed.title', text: 'err.replayed' };
    case 'unknown-user':
      return { title: 'err.unknown-user.title', text: 'err.unknown-user' };
    case 'no-phone':
      return { title: 'err.no-phone.title', text: 'err.no-phone' };
    case 'call-refused':
      return { title: 'err.call-refused.title', text: 'err.call-refused' };
    default:
      return { title: 'err.check.title', text: 'err.check' };
  }
}

/** A form that posts `fields` to Entra's redirect URI (auto-submitted by app.js when `auto`). */
function responseForm(r: EamResponse, label: string, auto: boolean): Html {
  return html`<form method="post" action="${r.uri}" id="eam-response"${auto ? html` data-autosubmit` : ''}>
${Object.entries(r.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<button type="submit">${label}</button>
</form>`;
}

export function refusalPage(o: {
  m: Messages;
  t: EamTexts;
  path: string;
  code: RefusalCode;
  detail: string;
  account?: string;
  reason?: string;
  response?: EamResponse;
  temporary?: boolean;
}): Html {
  const { m, t } = o;
  const k = refusalTexts(o.code, o.temporary ?? false);
  return page({
    m,
    path: o.path,
    narrow: true,
    title: t(k.title),
    body: html`<div class="card" data-refusal="${o.code}">
<h1>${t(k.title)}</h1>
<p>${t(k.text, { account: o.account ?? '', reason: o.reason ?? o.detail })}</p>
<details><summary>${t('details')}</summary><p class="mono">${t('err.detail', { detail: o.detail })}</p></details>
${o.response ? responseForm(o.response, t('back'), false) : ''}
</div>`,
  });
}

export function responsePage(o: {
  m: Messages;
  t: EamTexts;
  path: string;
  response: EamResponse;
  reason?: string;
}): Html {
  const { m, t, response } = o;
  const title = response.approved ? t('approvedTitle') : t('deniedTitle');
  return page({
    m,
    path: o.path,
    narrow: true,
    title,
    body: html`<div class="card">
<h1>${title}</h1>
${o.reason ? html`<p data-part="reason">${o.reason}</p>` : ''}
<p role="status">${t('returning')}</p>
<noscript><p>${t('returnNoScript')}</p></noscript>
${responseForm(response, t('continue'), true)}
</div>`,
  });
}

export function answeredPage(o: { m: Messages; t: EamTexts; path: string }): Html {
  return page({
    m: o.m,
    path: o.path,
    narrow: true,
    title: o.t('answeredTitle'),
    body: html`<div class="card"><h1>${o.t('answeredTitle')}</h1><p>${o.t('answered')}</p></div>`,
  });
}
