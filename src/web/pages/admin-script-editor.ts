/**
 * One IVR script's working place (issue 15): the editor (CodeMirror from our own assets, a plain
 * textarea without JavaScript), its problems, save with a note, diff, dry run, the flow of the steps,
 * prompts with players and recordings, and the versions with their diffs and rollback.
 */
import type { ScriptProblem } from '../../ivr/diagnostics-i18n';
import { type Html, html } from '../html';
import { csrfField } from '../layout';
import type { ScriptDetailView, ScriptVersionView } from '../script-editor-port';
import { type AdminContext, adminPage } from './admin-frame';
import { usedForText } from './admin-scripts';

export interface EditorPageData {
  readonly detail: ScriptDetailView;
  readonly versions: readonly ScriptVersionView[];
  /** A refused save: the admin's text and its problems (nothing is lost). */
  readonly draft?: { readonly source: string; readonly note: string; readonly problems: readonly ScriptProblem[] };
  readonly notice?: string;
  readonly error?: string;
  readonly limits: { readonly maxBytes: number; readonly maxSeconds: number };
}

const enc = encodeURIComponent;

export function problemList(ctx: AdminContext, problems: readonly ScriptProblem[]): Html {
  const { m } = ctx;
  const lang = m.lang;
  return html`${problems.map(
    (p) =>
      html`<li class="${p.severity}"><strong>${p.line > 0 ? m.t('scripts.line', { line: p.line, column: p.column }) : ''}</strong> ${p.message[lang]}${p.suggestion ? ` — ${p.suggestion[lang]}` : ''}</li>`,
  )}`;
}

function editorTexts(ctx: AdminContext): string {
  const { m } = ctx;
  return JSON.stringify({
    valid: m.t('ed.valid'),
    invalid: m.t('ed.invalid', { count: '{count}' }),
    unreachable: m.t('ed.unreachable'),
    line: m.t('scripts.line', { line: '{line}', column: '{column}' }),
    editorLabel: m.t('ed.source'),
    simPrompts: m.t('ed.simPrompts'),
    simResult: m.t('ed.simResult'),
    simFailed: m.t('ed.simFailed'),
    chooseFile: m.t('ed.chooseFile'),
    uploading: m.t('ed.uploading'),
    uploadFailed: m.t('ed.uploadFailed'),
    tcStarted: m.t('ed.tc.started'),
    tcFailed: m.t('ed.tc.failed'),
    tcState: m.t('ed.tc.state'),
    tcResult: m.t('ed.tc.result'),
    tcAttempt: m.t('ed.tc.attempt'),
    tcStates: Object.fromEntries(TEST_CALL_STATES.map((s) => [s, m.t(`ed.tc.s.${s}`)])),
  });
}

function editorSection(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  const source = d.draft?.source ?? d.detail.source;
  const problems = d.draft?.problems ?? d.detail.problems;
  const errors = problems.filter((p) => p.severity === 'error').length;
  return html`<section class="card" aria-labelledby="edit-h">
<h2 id="edit-h">${m.t('ed.editor')}</h2>
<p class="hint">${m.t('ed.editorIntro')} <noscript>${m.t('ed.noJs')}</noscript></p>
<form class="script-form" method="post" action="/admin/scripts/${enc(d.detail.id)}/save">
${csrfField(ctx.csrf)}
<div class="field" translate="no"><label for="source" translate="yes">${m.t('ed.source')}</label>
<textarea id="source" name="source" rows="24" spellcheck="false" class="mono" aria-label="${m.t('ed.source')}">${source}</textarea></div>
<p><span data-part="validity" tabindex="-1" role="status" class="badge ${errors ? 'bad' : 'ok'}">${errors ? m.t('ed.invalid', { count: errors }) : m.t('ed.valid')}</span></p>
<h3>${m.t('ed.problems')}</h3>
<ul class="diag" data-part="problems" aria-live="polite">${problemList(ctx, problems)}</ul>
<div class="field"><label for="note">${m.t('ed.note')}</label>
<input type="text" id="note" name="note" maxlength="500" value="${d.draft?.note ?? ''}"></div>
<div class="actions"><button type="submit">${m.t('ed.save')}</button>
<button type="button" class="secondary" data-action="diff">${m.t('ed.diff')}</button></div>
</form>
<pre class="diff" data-part="diff" hidden aria-label="${m.t('ed.diffTitle')}"></pre>
</section>`;
}

const TEST_CALL_STATES = ['queued', 'dialling', 'ringing', 'answered', 'in-script', 'listening', 'ended'] as const;

/** "Test call" (issue 15): the draft in the editor runs on a real call to a number or sip: URI. */
function testCallSection(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  const languages = [...new Set(d.detail.prompts.flatMap((p) => Object.keys(p.texts)))].sort();
  const preferred = m.lang === 'sv' ? 'sv-SE' : 'en-US';
  return html`<section class="card" aria-labelledby="tc-h">
<h2 id="tc-h">${m.t('ed.tc.title')}</h2>
<p class="hint">${m.t('ed.tc.intro')}</p>
<form class="test-call-form">
<div class="field"><label for="tc-dest">${m.t('ed.tc.destination')}</label>
<input type="text" id="tc-dest" name="destination" class="mono" maxlength="256" autocomplete="off" spellcheck="false" required></div>
<div class="field"><label for="tc-lang">${m.t('ed.tc.language')}</label>
<select id="tc-lang" name="language">${(languages.length ? languages : [preferred]).map(
    (l) => html`<option value="${l}"${l === preferred ? html` selected` : ''}>${l}</option>`,
  )}</select></div>
<div class="actions"><button type="submit">${m.t('ed.tc.run')}</button></div>
</form>
<div data-part="test-call" tabindex="-1" aria-live="polite"></div>
</section>`;
}

function simulateSection(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  const languages = [...new Set(d.detail.prompts.flatMap((p) => Object.keys(p.texts)))].sort();
  const preferred = m.lang === 'sv' ? 'sv-SE' : 'en-US';
  return html`<section class="card" aria-labelledby="sim-h">
<h2 id="sim-h">${m.t('ed.simulate')}</h2>
<p class="hint">${m.t('ed.simIntro')}</p>
<form class="simulate-form">
<div class="field"><label for="sim-keys">${m.t('ed.keys')}</label>
<input type="text" id="sim-keys" name="keys" class="mono" maxlength="64" autocomplete="off" spellcheck="false"></div>
<div class="field"><label for="sim-lang">${m.t('ed.language')}</label>
<select id="sim-lang" name="language">${(languages.length ? languages : [preferred]).map(
    (l) => html`<option value="${l}"${l === preferred ? html` selected` : ''}>${l}</option>`,
  )}</select></div>
<div class="actions"><button type="submit">${m.t('ed.simRun')}</button></div>
</form>
<div data-part="simulation" tabindex="-1" aria-live="polite"></div>
</section>`;
}

/** How a flow exit reads: our words for the kinds, the script's own keys and patterns as code. */
function exitText(ctx: AdminContext, on: string): Html | string {
  const { m } = ctx;
  if (on.startsWith('digits:')) return html`<code>${on.slice(7) || '(#)'}</code>`;
  if (on.startsWith('regex:')) return html`<code>/${on.slice(6)}/</code>`;
  const words: Record<string, string> = {
    next: m.t('ed.exit.next'),
    always: m.t('ed.exit.always'),
    'no-input': m.t('ed.exit.noInput'),
    invalid: m.t('ed.exit.invalid'),
    'when-false': m.t('ed.exit.whenFalse'),
    any: m.t('ed.exit.any'),
    pin: 'PIN',
  };
  return words[on] ?? html`<code>${on}</code>`;
}

function flowSection(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  if (d.detail.flow.length === 0) return html``;
  return html`<section class="card" aria-labelledby="flow-h">
<h2 id="flow-h">${m.t('ed.flow')}</h2>
<div class="table-wrap"><table class="stack flow">
<thead><tr><th scope="col">${m.t('ed.col.step')}</th><th scope="col">${m.t('ed.col.does')}</th><th scope="col">${m.t('ed.col.then')}</th></tr></thead>
<tbody>${d.detail.flow.map(
    (f) => html`<tr id="step-${f.id ?? f.index}">
<th scope="row"><code>${f.index}${f.id ? ` ${f.id}` : ''}</code></th>
<td data-label="${m.t('ed.col.does')}"><code>${f.label}</code></td>
<td data-label="${m.t('ed.col.then')}"><ul class="exits">${f.exits.map(
      (e) =>
        html`<li>${exitText(ctx, e.on)}${e.result ? html` (<code>${e.result}</code>)` : ''} → ${e.to === 'end' ? m.t('ed.exit.end') : html`<a href="#step-${e.to.replace(/^#/, '')}"><code>${e.to}</code></a>`}</li>`,
    )}</ul></td></tr>`,
  )}</tbody></table></div>
</section>`;
}

function promptCell(ctx: AdminContext, d: EditorPageData, key: string, language: string, text: string): Html {
  const { m } = ctx;
  const id = d.detail.id;
  const rec = d.detail.recordings.find((r) => r.promptKey === key && r.language === language);
  const anchor = `p-${key}-${language}`;
  const base = `/admin/scripts/${enc(id)}/prompts/${enc(key)}/${enc(language)}`;
  return html`<td data-label="${language}" id="${anchor}">
<p class="hint" lang="${language}">${text}</p>
${rec ? html`<p class="recording"><span class="badge ok">${m.t('ed.recording', { seconds: (rec.durationMs / 1000).toFixed(1), name: rec.originalName || '—' })}</span></p>` : ''}
<audio controls preload="none" src="/admin/scripts/${enc(id)}/prompts/${enc(`${key}~${language}`)}.wav?v=${rec?.hash.slice(0, 12) ?? 'tts'}" aria-label="${m.t('ed.play', { prompt: key, language })}">${m.t('scripts.noAudio')}</audio>
<form class="upload-form" method="post" action="${base}/recording" data-anchor="${anchor}">
<label for="up-${key}-${language}">${m.t('ed.uploadLabel', { prompt: key, language })}</label>
<input type="file" id="up-${key}-${language}" name="file" accept="audio/*,.wav,.mp3,.ogg,.flac">
<button type="submit" class="small">${m.t('ed.upload')}</button>
<span data-part="upload-status" role="status"></span>
</form>
${
  rec
    ? html`<form method="post" action="${base}/remove-recording">${csrfField(ctx.csrf)}<button type="submit" class="secondary small">${m.t('ed.remove')}</button></form>`
    : ''
}</td>`;
}

function promptsSection(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  const prompts = d.detail.prompts;
  if (prompts.length === 0) return html``;
  const languages = [...new Set(prompts.flatMap((p) => [...Object.keys(p.texts), ...p.missing]))].sort();
  const mb = (d.limits.maxBytes / 1_048_576).toFixed(d.limits.maxBytes % 1_048_576 ? 1 : 0);
  return html`<section class="card" aria-labelledby="prompts-h">
<h2 id="prompts-h">${m.t('ed.prompts')}</h2>
<p class="hint">${m.t('ed.uploadHint', { mb, seconds: d.limits.maxSeconds })}</p>
<div class="table-wrap"><table class="stack prompts">
<thead><tr><th scope="col">${m.t('sec.col.name')}</th>${languages.map((l) => html`<th scope="col">${l}</th>`)}</tr></thead>
<tbody>${prompts.map(
    (p) =>
      html`<tr><th scope="row"><code>${p.key}</code></th>${languages.map((l) => {
        const text = p.texts[l];
        if (text === undefined) {
          return html`<td data-label="${l}"><p class="notice warn" role="note">${m.t('ed.missingLang', { language: l })}</p></td>`;
        }
        return promptCell(ctx, d, p.key, l, text);
      })}</tr>`,
  )}</tbody></table></div>
</section>`;
}

function versionsSection(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  const id = d.detail.id;
  if (d.versions.length === 0) return html``;
  return html`<section class="card" id="versions" aria-labelledby="versions-h">
<h2 id="versions-h">${m.t('ed.versions')}</h2>
<div class="table-wrap"><table class="stack versions">
<thead><tr><th scope="col">${m.t('scripts.col.version')}</th><th scope="col">${m.t('ed.col.when')}</th><th scope="col">${m.t('ed.col.author')}</th><th scope="col">${m.t('ed.col.note')}</th><th scope="col">${m.t('ed.changes')}</th></tr></thead>
<tbody>${d.versions.map(
    (v) => html`<tr data-version="${v.version}">
<th scope="row"><a href="/admin/scripts/${enc(id)}/versions/${v.version}">v${v.version}</a>${v.running ? html` <span class="badge ok">${m.t('ed.runningBadge')}</span>` : ''}</th>
<td data-label="${m.t('ed.col.when')}">${m.dateTime(v.createdAt)}</td>
<td data-label="${m.t('ed.col.author')}"><code>${v.author}</code></td>
<td data-label="${m.t('ed.col.note')}" translate="no">${v.note}</td>
<td data-label="${m.t('ed.changes')}">${v.diff ? html`<details><summary>${m.t('ed.changes')}</summary>${diffBlock(v.diff)}</details>` : '—'}
${v.running ? '' : rollbackForm(ctx, id, v.version)}</td></tr>`,
  )}</tbody></table></div>
</section>`;
}

export function rollbackForm(ctx: AdminContext, id: string, version: number): Html {
  return html`<form method="post" action="/admin/scripts/${enc(id)}/rollback">${csrfField(ctx.csrf)}<input type="hidden" name="version" value="${version}"><button type="submit" class="secondary small">${ctx.m.t('ed.rollback', { version })}</button></form>`;
}

export function diffBlock(diff: string): Html {
  return html`<pre class="diff">${diff.split('\n').map((l) => {
    const cls =
      l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : '';
    return html`<span class="${cls}">${l}\n</span>`;
  })}</pre>`;
}

export function scriptEditorPage(ctx: AdminContext, d: EditorPageData): Html {
  const { m } = ctx;
  const s = d.detail;
  const running = d.versions.find((v) => v.running);
  return adminPage(
    ctx,
    'scripts',
    m.t('ed.title', { id: s.id }),
    html`<div data-script-editor="/admin/scripts/${enc(s.id)}" data-texts="${editorTexts(ctx)}">
<p><a href="/admin/scripts">← ${m.t('scripts.title')}</a></p>
<h1>${m.t('ed.title', { id: s.id })}</h1>
${d.notice ? html`<div class="notice ok" role="status">${d.notice}</div>` : ''}
${d.error ? html`<div class="notice bad" role="alert" tabindex="-1">${d.error}</div>` : ''}
<dl class="facts">
<dt>${m.t('ed.col.description')}</dt><dd translate="no">${s.description}</dd>
<dt>${m.t('ed.running')}</dt><dd>${running ? m.t('ed.versionBy', { version: running.version, at: m.dateTime(running.createdAt), author: running.author }) : m.t('ed.noVersions')}</dd>
<dt>${m.t('ed.col.usedFor')}</dt><dd>${usedForText(ctx, s.usedFor)}</dd>
</dl>
${s.hash ? html`<p><a href="/admin/attempts?script=${enc(s.hash)}">${m.t('scripts.attempts')}</a></p>` : ''}
${editorSection(ctx, d)}
${simulateSection(ctx, d)}
${testCallSection(ctx, d)}
${flowSection(ctx, d)}
${promptsSection(ctx, d)}
${versionsSection(ctx, d)}
</div>`,
    { scripts: ['script-editor.js'] },
  );
}

export function scriptVersionPage(
  ctx: AdminContext,
  id: string,
  v: ScriptVersionView & { readonly source: string },
): Html {
  const { m } = ctx;
  const title = m.t('ed.versionTitle', { id, version: v.version });
  return adminPage(
    ctx,
    'scripts',
    title,
    html`<p><a href="/admin/scripts/${enc(id)}">← ${m.t('ed.back')}</a></p>
<h1>${title}</h1>
<dl class="facts">
<dt>${m.t('ed.col.when')}</dt><dd>${m.dateTime(v.createdAt)}</dd>
<dt>${m.t('ed.col.author')}</dt><dd><code>${v.author}</code></dd>
<dt>${m.t('ed.col.note')}</dt><dd translate="no">${v.note}</dd>
<dt>${m.t('scripts.col.status')}</dt><dd>${v.running ? html`<span class="badge ok">${m.t('ed.runningBadge')}</span>` : rollbackForm(ctx, id, v.version)}</dd>
</dl>
<p><a href="/admin/attempts?script=${enc(v.hash)}">${m.t('scripts.attempts')}</a></p>
<section class="card" aria-labelledby="text-h"><h2 id="text-h">${m.t('ed.versionText')}</h2>
<pre class="source" data-part="version-source">${v.source}</pre></section>
${v.diff ? html`<section class="card" aria-labelledby="diff-h"><h2 id="diff-h">${m.t('ed.changes')}</h2>${diffBlock(v.diff)}</section>` : ''}`,
  );
}
