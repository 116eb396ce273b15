/** IVR scripts: validation errors/warnings with line numbers, prompt previews, attempts per version. */
import { diagnosticText } from '../../ivr/diagnostic-text';
import { type Html, html } from '../html';
import type { ScriptView } from '../ports';
import { shortHash } from './admin-attempts';
import { type AdminContext, adminPage } from './admin-frame';

/** One row per prompt, one column per language, each cell with its text and a player. */
function promptTable(ctx: AdminContext, s: ScriptView): Html {
  const { m } = ctx;
  const languages = [...new Set(s.prompts.map((p) => p.language))].sort();
  const names = [...new Set(s.prompts.map((p) => p.name))];
  return html`<h3>${m.t('scripts.prompts')}</h3>
<div class="table-wrap"><table class="stack prompts">
<thead><tr><th scope="col">${m.t('sec.col.name')}</th>${languages.map((l) => html`<th scope="col">${l}</th>`)}</tr></thead>
<tbody>${names.map(
    (name) =>
      html`<tr><th scope="row" class="mono" translate="no">${name}</th>${languages.map((language) => {
        const p = s.prompts.find((x) => x.name === name && x.language === language);
        if (!p) return html`<td data-label="${language}">—</td>`;
        return html`<td data-label="${language}">${p.text ? html`<p class="hint" lang="${language}">${p.text}</p>` : ''}
<audio controls preload="none" src="/admin/scripts/${encodeURIComponent(s.id)}/prompts/${encodeURIComponent(p.id)}.wav" aria-label="${m.t('scripts.preview', { prompt: p.name, language: p.language })}">${m.t('scripts.noAudio')}</audio></td>`;
      })}</tr>`,
  )}</tbody></table></div>`;
}

export function scriptsPage(ctx: AdminContext, scripts: readonly ScriptView[]): Html {
  const { m } = ctx;
  return adminPage(
    ctx,
    'scripts',
    m.t('scripts.title'),
    html`<h1>${m.t('scripts.title')}</h1>
${scripts.length === 0 ? html`<p class="card">${m.t('scripts.none')}</p>` : ''}
${scripts.map((s) => {
  const errors = s.diagnostics.filter((d) => d.severity === 'error');
  const warnings = s.diagnostics.filter((d) => d.severity === 'warning');
  return html`<section class="card" id="v-${shortHash(s.version)}" aria-labelledby="s-${s.id}">
<h2 id="s-${s.id}">${s.id}</h2>
<dl class="facts">
<dt>${m.t('scripts.col.file')}</dt><dd class="mono">${s.file}</dd>
<dt>${m.t('scripts.col.version')}</dt><dd class="mono">${shortHash(s.version)}</dd>
<dt>${m.t('scripts.col.status')}</dt><dd>
${errors.length === 0 && warnings.length === 0 ? html`<span class="badge ok">${m.t('scripts.ok')}</span>` : ''}
${errors.length ? html`<span class="badge bad">${m.t('scripts.errors', { count: errors.length })}</span>` : ''}
${warnings.length ? html`<span class="badge warn">${m.t('scripts.warnings', { count: warnings.length })}</span>` : ''}
</dd></dl>
${
  s.diagnostics.length
    ? html`<ul class="diag">${s.diagnostics.map(
        (d) =>
          html`<li class="${d.severity}"><strong>${d.line !== undefined ? m.t('scripts.line', { line: d.line, column: d.column ?? 1 }) : ''}</strong> ${diagnosticText(d.message, m.lang)}</li>`,
      )}</ul>`
    : ''
}
${s.prompts.length ? promptTable(ctx, s) : ''}
<p><a href="/admin/attempts?script=${encodeURIComponent(s.version)}">${m.t('scripts.attempts')}</a></p>
</section>`;
})}`,
  );
}
