/** Attempts: filterable list, and the detail page with the SIP ladder and raw messages. */
import { ATTEMPT_PURPOSES } from '../../domain/attempt-state';
import { CALL_OUTCOMES, isCallOutcome, plainReason } from '../../domain/call-outcomes';
import { outcomeLabel } from '../../domain/outcome-labels';
import type { Attempt } from '../../store/repo/attempts';
import type { TraceEvent } from '../../telephony/port';
import { type Html, html, unsafeRaw } from '../html';
import type { Messages } from '../i18n';
import { interpolate } from '../i18n';
import { formatOffset } from '../ladder/model';
import { renderLadderSvg } from '../ladder/svg';
import { errorSummary } from '../layout';
import { type AdminContext, adminPage } from './admin-frame';

export function shortHash(hash: string | null | undefined): string {
  return hash ? hash.slice(0, 12) : '—';
}

export function outcomeBadge(m: Messages, a: Pick<Attempt, 'outcome' | 'state'>): Html {
  if (!a.outcome) return html`<span class="badge info">${m.t(`state.${a.state}`)}</span>`;
  const cls = a.outcome === 'approved' ? 'ok' : a.outcome === 'cancelled' ? 'warn' : 'bad';
  return html`<span class="badge ${cls}" data-outcome="${a.outcome}">${outcomeLabel(a.outcome, m.lang)}</span>`;
}

export function reasonText(m: Messages, a: Pick<Attempt, 'outcome' | 'sipStatus'>): string {
  if (!a.outcome || !isCallOutcome(a.outcome)) return '';
  return plainReason(a.outcome, a.sipStatus, m.lang);
}

export function attemptRows(
  m: Messages,
  attempts: readonly Attempt[],
  usernames: ReadonlyMap<string, string>,
  opts: { compact?: boolean; requester?: (a: Attempt) => Html | string } = {},
): Html {
  if (attempts.length === 0) return html`<p>${m.t('att.none')}</p>`;
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${m.t('att.col.time')}</th><th scope="col">${m.t('att.col.user')}</th><th scope="col">${m.t('att.col.purpose')}</th>
${opts.compact ? '' : html`<th scope="col">${m.t('att.col.destination')}</th>`}<th scope="col">${m.t('att.col.outcome')}</th>
${opts.compact ? '' : html`<th scope="col">${m.t('att.col.reason')}</th><th scope="col">${m.t('att.col.script')}</th>`}${opts.requester ? html`<th scope="col">${m.t('adm.signins.requestedBy')}</th>` : ''}</tr></thead>
<tbody>${attempts.map(
    (a) => html`<tr>
<td class="nowrap"><a href="/admin/attempts/${a.id}">${m.dateTime(a.queuedAt)}</a></td>
<td>${a.userId ? html`<a href="/admin/users/${a.userId}">${usernames.get(a.userId) ?? a.userId}</a>` : m.t('common.none')}</td>
<td>${m.t(`purpose.${a.purpose}`)}</td>
${opts.compact ? '' : html`<td class="mono">${a.destination ?? m.t('common.none')}</td>`}
<td>${outcomeBadge(m, a)}</td>
${opts.compact ? '' : html`<td class="reason">${reasonText(m, a)}</td><td class="mono">${a.scriptHash ? html`<a href="${scriptVersionHref(a.scriptId, a.scriptHash)}">${a.scriptId ?? ''}@${shortHash(a.scriptHash)}</a>` : m.t('common.none')}</td>`}
${opts.requester ? html`<td>${opts.requester(a)}</td>` : ''}
</tr>`,
  )}</tbody></table></div>`;
}

export interface AttemptFilterValues {
  readonly outcome: string;
  readonly purpose: string;
  readonly user: string;
  readonly since: string;
}

export interface AttemptsPageOptions {
  /** Per-field problems with the filter (the list is not shown until they are fixed). */
  readonly errors?: Readonly<Record<string, string>>;
  /** The sign-in verifications view: fixed purpose, its own title and URL, who asked for each. */
  readonly signIns?: { readonly requester: (a: Attempt) => Html | string };
}

export function attemptsPage(
  ctx: AdminContext,
  filter: AttemptFilterValues,
  attempts: readonly Attempt[],
  usernames: ReadonlyMap<string, string>,
  o: AttemptsPageOptions = {},
): Html {
  const { m } = ctx;
  const errors = o.errors ?? {};
  const invalid = (f: string) => (errors[f] ? html` aria-invalid="true" aria-describedby="f-${f}-error"` : '');
  const err = (f: string) => (errors[f] ? html`<p class="error" id="f-${f}-error">${errors[f]}</p>` : '');
  const select = (
    name: keyof AttemptFilterValues,
    label: string,
    values: readonly string[],
    word: (v: string) => string,
  ) =>
    html`<div class="field"><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"${invalid(name)}>
<option value="">${m.t('att.any')}</option>${values.map((v) => html`<option value="${v}"${filter[name] === v ? html` selected` : ''}>${word(v)}</option>`)}
${filter[name] && !values.includes(filter[name]) ? html`<option value="${filter[name]}" selected>${filter[name]}</option>` : ''}</select>${err(name)}</div>`;
  const title = m.t(o.signIns ? 'adm.signins.title' : 'att.title');
  const hasErrors = Object.keys(errors).length > 0;
  return adminPage(
    ctx,
    o.signIns ? 'signins' : 'attempts',
    title,
    html`<h1>${title}</h1>
${o.signIns ? html`<p>${m.t('adm.signins.intro')}</p>` : ''}
<form method="get" action="${o.signIns ? '/admin/sign-ins' : '/admin/attempts'}" class="card inline" aria-label="${m.t('att.filter')}">
${errorSummary(m, Object.fromEntries(Object.entries(errors).map(([k, v]) => [`f-${k}`, v])))}
${select('outcome', m.t('att.col.outcome'), CALL_OUTCOMES, (v) => outcomeLabel(v, m.lang))}
${o.signIns ? '' : select('purpose', m.t('att.col.purpose'), ATTEMPT_PURPOSES, (v) => m.t(`purpose.${v as (typeof ATTEMPT_PURPOSES)[number]}`))}
<div class="field"><label for="f-user">${m.t('att.col.user')}</label><input type="search" id="f-user" name="user" value="${filter.user}"${invalid('user')}>${err('user')}</div>
<div class="field"><label for="f-since">${m.t('att.since')}</label><input type="text" id="f-since" name="since" value="${filter.since}" placeholder="2026-01-31" inputmode="numeric"${invalid('since')}>${err('since')}</div>
<button type="submit">${m.t('att.filterButton')}</button>
</form>
<section class="card">${hasErrors ? html`<p>${m.t('adm.filter.fixFirst')}</p>` : attemptRows(m, attempts, usernames, o.signIns ? { requester: o.signIns.requester } : {})}</section>`,
  );
}

function fact(label: string, value: Html | string | number | null | undefined): Html {
  return html`<dt>${label}</dt><dd>${value === null || value === undefined || value === '' ? '—' : value}</dd>`;
}

/** IVR interpreter notes (`ivr: step 3 gather …`): useful when debugging a script, noise otherwise. */
export function isScriptStep(e: TraceEvent): boolean {
  return e.kind === 'note' && e.message.startsWith('ivr: ');
}

export function attemptDetailPage(
  ctx: AdminContext,
  a: Attempt,
  username: string | undefined,
  fullTrace: readonly TraceEvent[],
  showSteps = false,
): Html {
  const { m } = ctx;
  const stepCount = fullTrace.filter(isScriptStep).length;
  const trace = showSteps ? fullTrace : fullTrace.filter((e) => !isScriptStep(e));
  const t = (ms: number | null) => (ms ? m.dateTime(ms) : null);
  const svg = renderLadderSvg(trace, {
    idPrefix: 'l-',
    title: m.t('att.ladder'),
    columns: { fyrkant: m.t('att.col.fyrkant'), pbx: m.t('att.col.pbx'), phone: m.t('att.col.phone') },
    emptyText: m.t('att.noTrace'),
    words: {
      prompt: (p) => `▶ ${p}`,
      promptEnd: (p) => `■ ${interpolate(m.t('att.promptEnd'), { prompt: p })}`,
      promptInterrupted: (p) => `■ ${interpolate(m.t('att.promptInterrupted'), { prompt: p })}`,
      dtmfIn: (digit, source) => m.t('att.dtmfIn', { digit, source }),
      dtmfOut: (digit, source) => m.t('att.dtmfOut', { digit, source }),
      state: (s, d) => (d ? `${s}: ${d}` : s),
    },
  });
  const start = trace.reduce((min, e) => Math.min(min, e.at), Number.POSITIVE_INFINITY);
  const raws = trace
    .map((e, i) => ({ e, i }))
    .filter((x): x is { e: Extract<TraceEvent, { kind: 'sip' }>; i: number } => x.e.kind === 'sip');
  return adminPage(
    ctx,
    'attempts',
    m.t('att.detail', { id: a.id.slice(0, 8) }),
    html`<h1>${m.t('att.detail', { id: a.id.slice(0, 8) })}</h1>
<section class="card" aria-labelledby="sum-title">
<h2 id="sum-title">${m.t('att.summary')}</h2>
<dl class="facts">
${fact('ID', html`<span class="mono">${a.id}</span>`)}
${fact(m.t('att.col.user'), a.userId ? html`<a href="/admin/users/${a.userId}">${username ?? a.userId}</a>` : null)}
${fact(m.t('att.col.purpose'), m.t(`purpose.${a.purpose}`))}
${fact(m.t('att.col.state'), m.t(`state.${a.state}`))}
${fact(m.t('att.col.outcome'), a.outcome ? outcomeBadge(m, a) : null)}
${fact(m.t('att.col.reason'), html`<strong data-testid="plain-reason">${reasonText(m, a)}</strong>`)}
${fact(
  m.t('att.sipStatus'),
  // The final status of the INVITE (200 once answered; rows from before it was stored kept the 180).
  a.sipStatus && (a.sipStatus >= 200 || a.state !== 'ended')
    ? `${a.sipStatus} ${a.sipReason ?? (a.sipStatus < 300 ? 'OK' : '')}`.trim()
    : null,
)}
${fact(m.t('att.col.destination'), a.destination)}
${fact(m.t('att.dialled'), a.dialledTarget ? html`<span class="mono">${a.dialledTarget}</span>` : null)}
${fact(m.t('att.digitsSent'), a.digitsSent ? html`<span class="mono">${a.digitsSent}</span>` : null)}
${fact(m.t('att.digitsReceived'), a.digitsReceived ? html`<span class="mono">${a.digitsReceived}</span>` : null)}
${fact(m.t('att.dtmfSource'), a.dtmfSource)}
${fact(m.t('att.col.script'), a.scriptId ? html`<a class="mono" href="${scriptVersionHref(a.scriptId, a.scriptHash)}">${a.scriptId}@${shortHash(a.scriptHash)}</a>` : null)}
${fact(m.t('att.backend'), a.backend)}
${fact(m.t('att.callId'), a.callId ? html`<span class="mono">${a.callId}</span>` : null)}
</dl>
<h3>${m.t('att.timings')}</h3>
<dl class="facts">
${fact(m.t('att.queuedAt'), t(a.queuedAt))}
${fact(m.t('att.dialledAt'), t(a.dialledAt))}
${fact(m.t('att.ringingAt'), t(a.ringingAt))}
${fact(m.t('att.answeredAt'), t(a.answeredAt))}
${fact(m.t('att.endedAt'), t(a.endedAt))}
</dl>
</section>
<section class="card" aria-labelledby="ladder-title">
<h2 id="ladder-title">${m.t('att.ladder')}</h2>
<p class="hint">${m.t('att.ladderHelp')}</p>
${
  stepCount > 0
    ? html`<p><a href="/admin/attempts/${a.id}${showSteps ? '' : '?steps=1'}">${m.t(showSteps ? 'att.hideSteps' : 'att.showSteps', { count: stepCount })}</a></p>`
    : ''
}
<div class="ladder-wrap">${unsafeRaw(svg)}</div>
<h3>${m.t('att.rawMessages')}</h3>
${raws.map(
  ({ e, i }) =>
    html`<details class="raw" id="l-raw-${i}"><summary><span class="mono">${formatOffset(e.at - start)}</span> ${e.direction === 'out' ? '→' : '←'} ${e.summary}</summary><pre>${e.raw}</pre></details>`,
)}
</section>`,
  );
}

/** The exact text an attempt ran: its script version, found by the hash the attempt recorded (issue 15). */
function scriptVersionHref(scriptId: string | null, hash: string | null): string {
  if (!scriptId || !hash) return '/admin/scripts';
  return `/admin/scripts/${encodeURIComponent(scriptId)}/by-hash/${encodeURIComponent(hash)}`;
}
