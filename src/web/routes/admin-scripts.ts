/**
 * `/admin/scripts…` (issue 15): the list, the editor page, its form posts (save, rollback, remove a
 * recording) and the JSON calls the editor's script makes (validate, diff, dry run, upload). Every
 * route needs an admin session; every POST the session's CSRF token (`_csrf` in forms, the
 * `x-csrf-token` header from the editor's script) and a same-origin request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { seeOther, sendPage, type WebRequest, webRequest } from '../http/context';
import { sameOriginPost, tokensMatch } from '../http/csrf';
import { field } from '../http/form';
import type { Session } from '../http/sessions';
import { takeFlash } from '../http/sessions';
import type { AdminContext } from '../pages/admin-frame';
import { simplePage } from '../pages/admin-frame';
import { type EditorPageData, scriptEditorPage, scriptVersionPage } from '../pages/admin-script-editor';
import { scriptsPage } from '../pages/admin-scripts';
import type { ScriptEditorPort, ScriptTestCallPort } from '../script-editor-port';
import { actorOfSession, csrfFailed, csrfOk, notFoundPage, type WebDeps } from './shared';

const AUDIO_TYPES = [
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/mpeg',
  'audio/ogg',
  'audio/flac',
  'application/octet-stream',
];

type Handler = (
  req: FastifyRequest,
  reply: FastifyReply,
  w: WebRequest,
  s: Session,
  svc: ScriptEditorPort,
) => Promise<FastifyReply> | FastifyReply;

export function registerAdminScripts(
  app: FastifyInstance,
  deps: WebDeps,
  editor: (() => ScriptEditorPort | undefined) | undefined,
  testCalls?: () => ScriptTestCallPort | undefined,
): void {
  for (const type of AUDIO_TYPES) {
    if (!app.hasContentTypeParser(type))
      app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  const ctxOf = (w: WebRequest, s: Session): AdminContext => ({ m: w.m, path: w.path, csrf: s.csrfToken });

  /** Admin session + the service, or an answer (login redirect, 503 page). */
  const guard =
    (handler: Handler, kind: 'page' | 'form' | 'json') => async (req: FastifyRequest, reply: FastifyReply) => {
      const w = webRequest(req, reply, deps);
      const s = w.session('admin');
      if (!s)
        return kind === 'json' ? reply.code(401).send({ error: 'unauthorized' }) : seeOther(reply, '/admin/login');
      if (kind === 'form' && !csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
      if (kind === 'json' && !jsonCsrfOk(req, s.csrfToken)) return reply.code(403).send({ error: 'csrf' });
      const svc = editor?.();
      if (!svc) {
        if (kind === 'json') return reply.code(503).send({ error: 'unavailable', message: w.m.t('ed.unavailable') });
        return sendPage(reply, simplePage(w.m, w.path, w.m.t('scripts.title'), w.m.t('ed.unavailable')), 503);
      }
      return handler(req, reply, w, s, svc);
    };

  const editorData = (svc: ScriptEditorPort, id: string): Omit<EditorPageData, 'notice' | 'error'> | undefined => {
    const detail = svc.detail(id);
    if (!detail) return undefined;
    return { detail, versions: svc.versions(id) ?? [], limits: svc.uploadLimits };
  };
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

  app.get(
    '/admin/scripts',
    guard((req, reply, w, s, svc) => {
      const q = (req.query as Record<string, unknown> | undefined)?.q;
      return sendPage(reply, scriptsPage(ctxOf(w, s), svc.list(), typeof q === 'string' ? q.trim().slice(0, 100) : ''));
    }, 'page'),
  );

  app.get(
    '/admin/scripts/:id',
    guard((req, reply, w, s, svc) => {
      const data = editorData(svc, idOf(req));
      if (!data) return notFoundPage(reply, w);
      const notice = takeFlash<string>(s, 'notice');
      const error = takeFlash<string>(s, 'error');
      return sendPage(
        reply,
        scriptEditorPage(ctxOf(w, s), { ...data, ...(notice ? { notice } : {}), ...(error ? { error } : {}) }),
      );
    }, 'page'),
  );

  app.post(
    '/admin/scripts/:id/save',
    guard((req, reply, w, s, svc) => {
      const id = idOf(req);
      // The text exactly as typed (not trimmed: the saved bytes are what attempts record the hash of).
      const raw = (req.body ?? {}) as Record<string, unknown>;
      const source = typeof raw.source === 'string' ? raw.source : '';
      const note = field(req.body, 'note');
      const r = svc.save(id, source.replace(/\r\n/g, '\n'), note, actorOfSession(s));
      if (r.ok) {
        s.flash.set('notice', w.m.t('ed.saved', { version: r.value.version }));
        return seeOther(reply, `/admin/scripts/${encodeURIComponent(id)}#versions`);
      }
      if (r.error !== 'refused') return notFoundPage(reply, w);
      const data = editorData(svc, id);
      if (!data) return notFoundPage(reply, w);
      const errors = r.problems.filter((p) => p.severity === 'error').length;
      // The admin's text comes back with every problem: nothing typed is lost.
      return sendPage(
        reply,
        scriptEditorPage(ctxOf(w, s), {
          ...data,
          draft: { source, note, problems: r.problems },
          error: w.m.t('ed.refused', { count: errors }),
        }),
        422,
      );
    }, 'form'),
  );

  app.post(
    '/admin/scripts/:id/rollback',
    guard((req, reply, w, s, svc) => {
      const id = idOf(req);
      const version = Number(field(req.body, 'version'));
      const r = Number.isInteger(version) ? svc.rollback(id, version, actorOfSession(s)) : undefined;
      if (r?.ok) s.flash.set('notice', w.m.t('ed.rolledBack', { version: r.value.version, from: version }));
      else if (r && r.error === 'refused') {
        s.flash.set('error', w.m.t('ed.refused', { count: r.problems.filter((p) => p.severity === 'error').length }));
      } else return notFoundPage(reply, w);
      return seeOther(reply, `/admin/scripts/${encodeURIComponent(id)}#versions`);
    }, 'form'),
  );

  app.get(
    '/admin/scripts/:id/versions/:version',
    guard((req, reply, w, s, svc) => {
      const { id, version } = req.params as { id: string; version: string };
      const v = svc.version(id, Number(version));
      if (!v) return notFoundPage(reply, w);
      return sendPage(reply, scriptVersionPage(ctxOf(w, s), id, v));
    }, 'page'),
  );

  // Attempts record the hash of the text they ran; this finds its version.
  app.get(
    '/admin/scripts/:id/by-hash/:hash',
    guard((req, reply, w, _s, svc) => {
      const { id, hash } = req.params as { id: string; hash: string };
      const n = svc.versionByHash(id, hash);
      if (n === undefined) return notFoundPage(reply, w);
      return seeOther(reply, `/admin/scripts/${encodeURIComponent(id)}/versions/${n}`);
    }, 'page'),
  );

  app.post(
    '/admin/scripts/:id/prompts/:key/:language/remove-recording',
    guard((req, reply, w, s, svc) => {
      const { id, key, language } = req.params as { id: string; key: string; language: string };
      if (svc.removeRecording(id, key, language, actorOfSession(s))) s.flash.set('notice', w.m.t('ed.removed'));
      return seeOther(reply, `/admin/scripts/${encodeURIComponent(id)}#prompts-h`);
    }, 'form'),
  );

  app.get(
    '/admin/scripts/:id/prompts/:prompt',
    guard(async (req, reply, _w, _s, svc) => {
      const { id, prompt } = req.params as { id: string; prompt: string };
      const [key, language] = prompt.replace(/\.wav$/, '').split('~');
      if (!key || !language) return reply.code(404).send();
      const r = await svc.promptWav(id, key, language);
      if (!r.ok) return reply.code(404).send();
      return reply.type('audio/wav').header('cache-control', 'private, max-age=300').send(r.value.wav);
    }, 'page'),
  );

  // --- JSON for the editor's script -------------------------------------------------------------

  const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
  const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

  app.post(
    '/admin/scripts/:id/validate',
    guard((req, reply, _w, _s, svc) => reply.send(svc.validate(idOf(req), str(body(req).source, 262_144))), 'json'),
  );

  app.post(
    '/admin/scripts/:id/diff',
    guard(
      (req, reply, _w, _s, svc) =>
        reply.send({ diff: svc.diffAgainstRunning(idOf(req), str(body(req).source, 262_144)) }),
      'json',
    ),
  );

  app.post(
    '/admin/scripts/:id/simulate',
    guard(async (req, reply, w, _s, svc) => {
      const b = body(req);
      const source = typeof b.source === 'string' ? b.source.slice(0, 262_144) : undefined;
      const r = await svc.simulate(idOf(req), str(b.keys, 64), str(b.language, 35) || 'sv-SE', source);
      if (r.ok) return reply.send(r.value);
      if (r.error === 'refused') {
        const errors = r.problems.filter((p) => p.severity === 'error').length;
        return reply.code(422).send({ message: w.m.t('ed.invalid', { count: errors }), problems: r.problems });
      }
      if (r.error === 'invalid') return reply.code(422).send({ message: r.problems[0]?.message[w.m.lang] });
      return reply.code(404).send({ message: w.m.t('common.notFound') });
    }, 'json'),
  );

  // Issue 15: "Test call" runs the draft on a real call; the destination policy decides first.
  app.post(
    '/admin/scripts/:id/test-call',
    guard((req, reply, w, s) => {
      const calls = testCalls?.();
      if (!calls) return reply.code(503).send({ message: w.m.t('ed.unavailable') });
      const b = body(req);
      const r = calls.start({
        scriptId: idOf(req),
        source: str(b.source, 262_144),
        destination: str(b.destination, 256),
        language: str(b.language, 35) || 'sv-SE',
        requestedBy: actorOfSession(s),
      });
      if (r.ok) return reply.code(202).send({ attemptId: r.attemptId });
      if (r.error === 'refused') {
        const errors = r.problems.filter((p) => p.severity === 'error').length;
        return reply.code(422).send({ message: w.m.t('ed.invalid', { count: errors }), problems: r.problems });
      }
      if (r.error === 'denied') return reply.code(422).send({ reasonCode: r.reasonCode, message: r.message[w.m.lang] });
      if (r.error === 'unavailable')
        return reply
          .code(503)
          .header('retry-after', String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))))
          .send({ reasonCode: 'node-draining', message: r.message[w.m.lang] });
      return reply.code(404).send({ message: w.m.t('common.notFound') });
    }, 'json'),
  );

  app.get(
    '/admin/scripts/test-calls/:attemptId',
    guard((req, reply, w) => {
      const st = testCalls?.()?.status((req.params as { attemptId: string }).attemptId);
      return st ? reply.send(st) : reply.code(404).send({ message: w.m.t('common.notFound') });
    }, 'json'),
  );

  app.post(
    '/admin/scripts/:id/prompts/:key/:language/recording',
    { bodyLimit: 50 * 1_048_576 },
    guard(async (req, reply, w, s, svc) => {
      const { id, key, language } = req.params as { id: string; key: string; language: string };
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const filename = str((req.query as Record<string, unknown> | undefined)?.filename, 200);
      const r = await svc.uploadRecording(id, key, language, bytes, filename, actorOfSession(s));
      if (r.ok) {
        s.flash.set('notice', w.m.t('ed.uploaded', { prompt: `${key} (${language})` }));
        return reply.code(201).send(r.value);
      }
      if (r.error === 'invalid') {
        const p = r.problems[0];
        return reply.code(422).send({
          fields: r.problems.map((x) => ({ field: x.field, code: x.code, message: x.message[w.m.lang] })),
          message: p?.message[w.m.lang],
        });
      }
      return reply.code(404).send({ message: w.m.t('common.notFound') });
    }, 'json'),
  );
}

/** The editor's fetch calls: the session's token in a header, and a same-origin request. */
function jsonCsrfOk(req: FastifyRequest, expected: string): boolean {
  const token = req.headers['x-csrf-token'];
  return (
    tokensMatch(expected, typeof token === 'string' ? token : undefined) &&
    sameOriginPost({
      origin: req.headers.origin,
      host: req.headers.host,
      secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined,
    })
  );
}
