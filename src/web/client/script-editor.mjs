/**
 * The admin's script editor in the browser (issue 15): CodeMirror 6 with YAML highlighting, key
 * completion from `ivr-scripts/schema.json`, and live validation — the draft is sent to the server's
 * validator (debounced) and every problem is marked at its line (lint gutter) and listed in the page's
 * language. Also: diff against the running version, dry run with typed keys, recording uploads.
 *
 * Bundled by esbuild (`scripts/build-web.js`) into `src/web/assets/script-editor.js`, served from our
 * own origin (CSP script-src 'self'); no CDN, no inline script. Without JavaScript the page still works
 * as plain forms (textarea, save, rollback).
 */
import { autocompletion } from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { forceLinting, linter, lintGutter } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import schema from '../../../ivr-scripts/schema.json';

const root = document.querySelector('[data-script-editor]');
if (root) start(root);

function start(root) {
  const form = root.querySelector('form.script-form');
  const textarea = form.querySelector('textarea[name="source"]');
  const csrf = form.querySelector('input[name="_csrf"]').value;
  const base = root.getAttribute('data-script-editor');
  const lang = document.documentElement.lang === 'en' ? 'en' : 'sv';
  const t = JSON.parse(root.getAttribute('data-texts'));
  const problemsBox = root.querySelector('[data-part="problems"]');
  const statusBox = root.querySelector('[data-part="validity"]');

  const post = (path, body) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });

  let lastProblems = [];
  const validate = async (view) => {
    const source = view.state.doc.toString();
    textarea.value = source;
    let report;
    try {
      const res = await post('/validate', { source });
      if (!res.ok) throw new Error(String(res.status));
      report = await res.json();
    } catch {
      statusBox.textContent = t.unreachable;
      return [];
    }
    lastProblems = report.problems;
    showProblems(report);
    return report.problems.map((p) => {
      const line = view.state.doc.line(Math.min(Math.max(p.line, 1), view.state.doc.lines));
      const from = Math.min(line.from + Math.max(p.column - 1, 0), line.to);
      const to = Math.max(from, line.to);
      const text = p.message[lang] + (p.suggestion ? ` ${p.suggestion[lang]}` : '');
      return { from, to, severity: p.severity, message: text };
    });
  };

  const showProblems = (report) => {
    const errors = report.problems.filter((p) => p.severity === 'error').length;
    statusBox.textContent = errors ? t.invalid.replace('{count}', String(errors)) : t.valid;
    statusBox.className = errors ? 'badge bad' : 'badge ok';
    problemsBox.replaceChildren(
      ...report.problems.map((p) => {
        const li = document.createElement('li');
        li.className = p.severity;
        const where = document.createElement('strong');
        where.textContent = p.line > 0 ? t.line.replace('{line}', p.line).replace('{column}', p.column) : '';
        li.append(where, ` ${p.message[lang]}`);
        if (p.suggestion) li.append(` — ${p.suggestion[lang]}`);
        return li;
      }),
    );
  };

  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      linter(validate, { delay: 400 }),
      autocompletion({ override: [schemaCompletion] }),
      EditorView.contentAttributes.of({ 'aria-label': textarea.getAttribute('aria-label') || t.editorLabel }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) textarea.value = u.state.doc.toString();
      }),
    ],
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement('afterend', view.dom);
  forceLinting(view);
  root.editorView = view;

  // Save: the form posts as it does without JavaScript; refuse early when the draft has errors.
  form.addEventListener('submit', (e) => {
    textarea.value = view.state.doc.toString();
    if (lastProblems.some((p) => p.severity === 'error')) {
      e.preventDefault();
      statusBox.focus();
    }
  });

  const diffBox = root.querySelector('[data-part="diff"]');
  root.querySelector('[data-action="diff"]')?.addEventListener('click', async () => {
    const res = await post('/diff', { source: view.state.doc.toString() });
    const body = await res.json();
    diffBox.hidden = false;
    diffBox.replaceChildren(...diffLines(body.diff));
  });

  const sim = root.querySelector('form.simulate-form');
  sim?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = root.querySelector('[data-part="simulation"]');
    const res = await post('/simulate', {
      keys: sim.elements.keys.value,
      language: sim.elements.language.value,
      source: view.state.doc.toString(),
    });
    const body = await res.json();
    out.replaceChildren();
    if (!res.ok) {
      out.append(para(body.message ?? t.simFailed));
      return;
    }
    const ol = document.createElement('ol');
    for (const p of body.prompts) {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'mono';
      name.textContent = p.key ? `${p.key} (${p.language})` : p.name;
      li.append(name, p.text ? `: ${p.text}` : '');
      ol.append(li);
    }
    const result = para(`${t.simResult} `);
    const strong = document.createElement('strong');
    strong.setAttribute('data-part', 'sim-result');
    strong.textContent = body.result;
    result.append(strong, ` — ${body.reason}`);
    out.append(para(t.simPrompts), ol, result);
    out.focus();
  });

  // Issue 15: "Test call" runs the text in the editor (not saved); the status follows the attempt.
  const tc = root.querySelector('form.test-call-form');
  tc?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = root.querySelector('[data-part="test-call"]');
    const res = await post('/test-call', {
      destination: tc.elements.destination.value,
      language: tc.elements.language.value,
      source: view.state.doc.toString(),
    });
    const body = await res.json().catch(() => ({}));
    out.replaceChildren();
    if (!res.ok) {
      const p = para(body.message ?? t.tcFailed);
      p.setAttribute('role', 'alert');
      p.setAttribute('data-part', 'test-call-error');
      out.append(p);
      out.focus();
      return;
    }
    const state = document.createElement('strong');
    state.setAttribute('data-part', 'test-call-state');
    const link = document.createElement('a');
    link.href = `/admin/attempts/${encodeURIComponent(body.attemptId)}`;
    link.textContent = t.tcAttempt;
    const line = para(`${t.tcState} `);
    line.append(state);
    const linkLine = para('');
    linkLine.append(link);
    out.append(para(t.tcStarted), line, linkLine);
    out.focus();
    const poll = async () => {
      const r = await fetch(`/admin/scripts/test-calls/${encodeURIComponent(body.attemptId)}`, {
        headers: { 'x-csrf-token': csrf },
        credentials: 'same-origin',
      });
      if (!r.ok) return;
      const s = await r.json();
      state.textContent = t.tcStates[s.state] ?? s.state;
      if (s.state !== 'ended') {
        setTimeout(poll, 700);
        return;
      }
      const result = para(`${t.tcResult} `);
      const code = document.createElement('code');
      code.setAttribute('data-part', 'test-call-result');
      code.textContent = s.outcome ?? '';
      result.append(code);
      line.after(result);
    };
    void poll();
  });

  for (const up of root.querySelectorAll('form.upload-form')) {
    up.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = up.elements.file.files[0];
      const msg = up.querySelector('[data-part="upload-status"]');
      if (!file) {
        msg.textContent = t.chooseFile;
        return;
      }
      msg.textContent = t.uploading;
      const res = await fetch(`${up.action}?filename=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': csrf },
        body: file,
        credentials: 'same-origin',
      });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        const url = new URL(window.location.href);
        url.hash = up.getAttribute('data-anchor') || '';
        url.searchParams.set('uploaded', `${body.promptKey}~${body.language}`);
        window.location.assign(url.toString());
        return;
      }
      msg.textContent = body.fields?.[0]?.message ?? body.message ?? t.uploadFailed;
      msg.className = 'error';
    });
  }
}

function para(text) {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

function diffLines(diff) {
  return diff.split('\n').map((l) => {
    const span = document.createElement('span');
    span.className =
      l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : '';
    span.textContent = `${l}\n`;
    return span;
  });
}

// --- completion from the JSON Schema ---------------------------------------------------------------

function resolveRef(node) {
  let n = node;
  for (let i = 0; i < 20 && n && n.$ref; i++) {
    const name = n.$ref.replace('#/definitions/', '');
    n = schema.definitions[name];
  }
  return n;
}

/** Every property (name → schema) a node allows, over its anyOf/oneOf/allOf branches. */
function propertiesOf(node, out = new Map()) {
  const n = resolveRef(node);
  if (!n) return out;
  if (n.properties) for (const [k, v] of Object.entries(n.properties)) if (!out.has(k)) out.set(k, v);
  for (const b of [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])]) propertiesOf(b, out);
  return out;
}

/** The schema of list items / map values below `node`. */
function childOf(node, key) {
  const n = resolveRef(node);
  if (!n) return undefined;
  if (key === '-') {
    if (n.items) return n.items;
    for (const b of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) {
      const c = childOf(b, '-');
      if (c) return c;
    }
    return undefined;
  }
  const props = propertiesOf(n);
  if (props.has(key)) return props.get(key);
  if (n.additionalProperties && typeof n.additionalProperties === 'object') return n.additionalProperties;
  for (const b of [...(n.anyOf ?? []), ...(n.oneOf ?? [])]) {
    const c = childOf(b, key);
    if (c) return c;
  }
  return undefined;
}

/** The chain of keys (and `-` for list items) that leads to the line being typed, from indentation. */
function pathAt(doc, lineNo, indent) {
  const path = [];
  let want = indent;
  for (let n = lineNo - 1; n >= 1 && want > 0; n--) {
    const text = doc.line(n).text;
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const ind = text.length - text.trimStart().length;
    const m = /^(\s*)(- )?([A-Za-z0-9_-]+)?\s*:?/.exec(text);
    if (m?.[2] && ind + 2 <= want && ind < want) {
      // "- key: …" opens a list item whose keys sit at ind + 2.
      if (ind + 2 < want && m[3]) path.unshift(m[3]);
      path.unshift('-');
      want = ind;
    } else if (ind < want && m?.[3]) {
      path.unshift(m[3]);
      want = ind;
    }
  }
  return path;
}

function schemaCompletion(context) {
  const word = context.matchBefore(/[A-Za-z0-9_-]*/);
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  if (!/^\s*(- )?[A-Za-z0-9_-]*$/.test(before)) return null;
  const dash = /^\s*- /.test(before);
  const indent = before.length - (word?.text.length ?? 0);
  let node = schema;
  const path = pathAt(context.state.doc, line.number, dash ? indent - 2 : indent);
  if (dash) path.push('-');
  for (const k of path) {
    node = childOf(node, k);
    if (!node) return null;
  }
  const props = propertiesOf(node);
  if (props.size === 0) return null;
  return {
    from: word ? word.from : context.pos,
    options: [...props.entries()].map(([label, s]) => ({
      label,
      type: 'property',
      detail: resolveRef(s)?.description ?? '',
      apply: `${label}: `,
    })),
    validFor: /^[A-Za-z0-9_-]*$/,
  };
}
