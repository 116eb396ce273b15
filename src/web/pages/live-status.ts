/**
 * The live call status block (the one the enrollment call page shows): a status line, reason, tip
 * and the dialling → ringing → answered → verified steps, updated by `app.js` from the Server-Sent
 * Events at `eventsUrl` (each event a `CallStatus`, optionally with `next`: where to go when final).
 */
import { CALL_STEPS, type CallStatus } from '../call-status';
import { type Html, html } from '../html';
import type { Messages } from '../i18n';

export function liveStatusSection(m: Messages, status: CallStatus, eventsUrl: string): Html {
  const stepWords: Record<(typeof CALL_STEPS)[number], string> = {
    dialling: m.t('state.dialling'),
    ringing: m.t('state.ringing'),
    answered: m.t('state.answered'),
    verified: m.t('sec.verified'),
  };
  let reached = true;
  const items = CALL_STEPS.map((s) => {
    let cls = '';
    if (s === status.step) {
      cls = status.final && status.phase === 'verified' ? 'done' : 'current';
      reached = false;
    } else if (reached) cls = 'done';
    return html`<li data-phase-step="${s}"${cls ? html` class="${cls}"` : ''}>${stepWords[s]}</li>`;
  });
  return html`<section class="live" aria-labelledby="live-title" data-live="${eventsUrl}" data-phase="${status.phase}">
<h2 id="live-title" class="visually-hidden">${m.t('call.live')}</h2>
<p class="status" role="status" aria-live="polite" data-part="status">${status.status}</p>
<p data-part="reason"${status.reason ? '' : html` hidden`}>${status.reason ?? ''}</p>
<p data-part="tip"${status.tip ? '' : html` hidden`}>${status.tip ?? ''}</p>
<ol class="phases" aria-hidden="true">${items}</ol>
</section>`;
}
