/**
 * HTTP routes of the EAM door, mounted under the issuer's path: discovery, JWKS, the authorization
 * endpoint (Entra's form POST; GET too, as OIDC requires), and the pages the person sees while
 * fyrkant calls. A request's pages are bound to the browser that brought it by a path-scoped,
 * HttpOnly cookie holding a secret (only its hash is stored).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCallOutcome, plainReason } from '../../../domain/call-outcomes';
import { parsePhone } from '../../../domain/phone/parse';
import type { Store } from '../../../store';
import { getPhoneMethod } from '../../../store/repo/phone-methods';
import { type CallStatus, callStatus } from '../../../web/call-status';
import { appendCookie, LANG_COOKIE, seeOther, sendPage } from '../../../web/http/context';
import { parseCookies, serializeCookie } from '../../../web/http/cookies';
import { sameOriginPost } from '../../../web/http/csrf';
import { registerFormParser } from '../../../web/http/form';
import { chooseLanguage, type Messages, messages, type UiLanguage } from '../../../web/i18n';
import { CONTENT_SECURITY_POLICY } from '../../../web/register';
import { SATISFIABLE_ACR } from '../authorize-request';
import { EamService, type EamView } from '../eam-service';
import { TIMEOUT_DESCRIPTION } from '../outcome-description';
import { eamUrls } from '../settings';
import type { SigningKeys } from '../signing-keys';
import { answeredPage, refusalPage, responsePage, waitingPage } from './pages';
import { type EamTexts, eamTexts } from './texts';

export interface EamWebDeps {
  readonly eam: EamService;
  readonly keys: Pick<SigningKeys, 'jwks'>;
  readonly store: Store;
  readonly defaultLanguage: UiLanguage;
  readonly secureCookies: 'auto' | 'always' | 'never';
}

const HEARTBEAT_MS = 15_000;

function discovery(issuer: string) {
  const u = eamUrls(issuer);
  return {
    issuer,
    authorization_endpoint: u.authorize,
    jwks_uri: u.jwks,
    scopes_supported: ['openid'],
    response_types_supported: ['id_token'],
    response_modes_supported: ['form_post'],
    grant_types_supported: ['implicit'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claim_types_supported: ['normal'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'acr', 'amr'],
    claims_parameter_supported: true,
    acr_values_supported: [...SATISFIABLE_ACR],
    request_parameter_supported: false,
  };
}

/** The page CSP, with the reply URLs' origins allowed as form targets (the response is a form POST). */
function contentSecurityPolicy(redirectUris: readonly string[]): string {
  const origins = [...new Set(redirectUris.map((u) => new URL(u).origin))];
  return CONTENT_SECURITY_POLICY.replace("form-action 'self'", `form-action 'self' ${origins.join(' ')}`);
}

function cookieName(id: string): string {
  return `fyrkant_eam_${id.replace(/[^A-Za-z0-9]/g, '')}`;
}

function textParams(body: unknown, query: unknown): Record<string, string | undefined> {
  const src = (body && typeof body === 'object' ? body : query) as Record<string, unknown> | undefined;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(src ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

export function registerEamRoutes(app: FastifyInstance, deps: EamWebDeps, prefix: string): void {
  const { eam } = deps;
  const settings = eam.settings;
  const csp = contentSecurityPolicy(settings.redirectUris);
  registerFormParser(app);
  app.addHook('onSend', async (_req, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', csp);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', 'no-store');
    }
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  const ctx = (req: FastifyRequest) => {
    const cookies = parseCookies(req.headers.cookie);
    const query = (req.query ?? {}) as Record<string, unknown>;
    const lang = chooseLanguage({
      query: query.lang,
      cookie: cookies[LANG_COOKIE],
      acceptLanguage: req.headers['accept-language'],
      fallback: deps.defaultLanguage,
    });
    const secure = deps.secureCookies === 'always' || (deps.secureCookies === 'auto' && req.protocol === 'https');
    return { m: messages(lang), t: eamTexts(lang), cookies, secure, path: req.url };
  };
  const base = (id: string) => `${prefix}/eam/${encodeURIComponent(id)}`;

  app.get('/.well-known/openid-configuration', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=3600');
    return discovery(settings.issuer);
  });
  app.get('/jwks', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=3600');
    return deps.keys.jwks();
  });

  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    const c = ctx(req);
    const result = await eam.authorize(textParams(req.body, req.query), c.m.lang);
    if (result.kind === 'refused') {
      const r = result.refusal;
      const response = EamService.refusalResponse(r);
      const account = result.user?.username ?? '';
      return sendPage(
        reply,
        refusalPage({
          m: c.m,
          t: c.t,
          path: req.url,
          code: r.code,
          detail: r.detail,
          account,
          ...(response ? { response } : {}),
          temporary: r.redirect?.error === 'temporarily_unavailable',
        }),
        r.redirect ? 200 : 400,
      );
    }
    appendCookie(
      reply,
      serializeCookie(cookieName(result.requestId), result.browserSecret, {
        path: base(result.requestId),
        httpOnly: true,
        sameSite: 'Lax',
        secure: c.secure,
        maxAgeSeconds: Math.ceil(settings.timeoutMs / 1000) + 600,
      }),
    );
    return seeOther(reply, base(result.requestId));
  };
  app.post('/authorize', authorize);
  app.get('/authorize', authorize);

  const secretOf = (req: FastifyRequest<{ Params: { id: string } }>) =>
    parseCookies(req.headers.cookie)[cookieName(req.params.id)];

  app.get<{ Params: { id: string } }>('/eam/:id', async (req, reply) => {
    const c = ctx(req);
    const view = eam.view(req.params.id, secretOf(req));
    if (!view) return sendPage(reply, answeredPage({ m: c.m, t: c.t, path: req.url }), 404);
    if (view.request.status === 'answered') return sendPage(reply, answeredPage({ m: c.m, t: c.t, path: req.url }));
    // Without script the page reloads; once final it goes on to the answer.
    if (view.final) return seeOther(reply, `${base(req.params.id)}/done`);
    const notice = (req.query as Record<string, unknown>).notice;
    return sendPage(reply, waiting(c, view, req.url, typeof notice === 'string' ? notice : undefined));
  });

  function waiting(c: ReturnType<typeof ctx>, view: EamView, path: string, noticeKey?: string) {
    const id = view.request.id;
    const method = view.attempt?.phoneMethodId ? getPhoneMethod(deps.store.db, view.attempt.phoneMethodId) : undefined;
    const parsed = method ? parsePhone(method.e164) : undefined;
    const number = method ? (parsed?.ok ? parsed.international : method.e164) : undefined;
    const notices: Record<string, string> = {
      'no-calls-left': c.t('noCallsLeft'),
      'no-backup': c.t('noBackup'),
      refused: c.t('callRefused', { reason: '' }).replace(/:\s*$/, '.'),
    };
    return waitingPage({
      m: c.m,
      t: c.t,
      path,
      number,
      status: eamStatus(view, c.m, c.t, `${base(id)}/done`),
      eventsUrl: `${base(id)}/events`,
      againAction: `${base(id)}/again`,
      backupAction: view.hasBackupPhone ? `${base(id)}/backup` : undefined,
      doneHref: `${base(id)}/done`,
      ...(noticeKey && notices[noticeKey] ? { notice: notices[noticeKey] } : {}),
    });
  }

  for (const [suffix, which] of [
    ['again', 'same'],
    ['backup', 'backup'],
  ] as const) {
    app.post<{ Params: { id: string } }>(`/eam/:id/${suffix}`, async (req, reply) => {
      const sameOrigin = sameOriginPost({
        origin: req.headers.origin,
        host: req.headers.host,
        secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined,
      });
      if (!sameOrigin) return reply.code(403).send({ error: 'cross-site post refused' });
      const r = eam.callAgain(req.params.id, secretOf(req), which);
      return seeOther(reply, r.ok ? base(req.params.id) : `${base(req.params.id)}?notice=${r.reason}`);
    });
  }

  app.get<{ Params: { id: string } }>('/eam/:id/done', async (req, reply) => {
    const c = ctx(req);
    const view = eam.view(req.params.id, secretOf(req));
    const r = await eam.respond(req.params.id, secretOf(req));
    if (r === undefined || r === 'already-answered' || !view)
      return sendPage(reply, answeredPage({ m: c.m, t: c.t, path: req.url }), r === undefined ? 404 : 200);
    if (r === 'not-final') return seeOther(reply, base(req.params.id));
    const outcome = view.attempt?.outcome;
    const reason =
      r.approved || !view.attempt
        ? undefined
        : view.request.errorDescription === TIMEOUT_DESCRIPTION
          ? c.t('status.timeout')
          : outcome && isCallOutcome(outcome)
            ? c.m.t('call.reason', { reason: plainReason(outcome, view.attempt.sipStatus, c.m.lang) })
            : undefined;
    return sendPage(reply, responsePage({ m: c.m, t: c.t, path: req.url, response: r, ...(reason ? { reason } : {}) }));
  });

  app.get<{ Params: { id: string } }>('/eam/:id/events', async (req, reply) => {
    const c = ctx(req);
    const secret = secretOf(req);
    const first = eam.view(req.params.id, secret);
    if (!first) return reply.code(404).send({ error: 'not found' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      res.end();
    };
    const send = () => {
      if (closed) return;
      // The server may end the response (shutdown) before the request's 'close' reaches us.
      if (res.writableEnded || res.destroyed) return close();
      const view = eam.view(req.params.id, secret);
      if (!view) return close();
      const status = eamStatus(view, c.m, c.t, `${base(req.params.id)}/done`);
      res.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
      if (status.final) close();
    };
    // Every attempt update is a doorbell; the request (in the database) says which attempt matters.
    const unsubscribe = eam.watch(req.params.id, send);
    const heartbeat = setInterval(() => {
      if (!closed && !res.writableEnded && !res.destroyed) res.write(': keep-alive\n\n');
      send();
    }, HEARTBEAT_MS);
    req.raw.on('close', close);
    res.on('error', close);
    send();
    return reply;
  });
}

/** The live status of an EAM sign-in, in the shape the enrollment page's script reads. */
export function eamStatus(view: EamView, m: Messages, t: EamTexts, next: string): CallStatus & { next?: string } {
  const a = view.attempt;
  if (view.final) {
    const approved = view.request.status === 'approved' || (view.request.status === 'answered' && !view.request.error);
    if (approved) return { phase: 'verified', step: 'verified', status: t('status.approved'), final: true, next };
    const timedOut = view.request.errorDescription === TIMEOUT_DESCRIPTION;
    const base = a ? callStatus({ ...a, state: 'ended' }, m) : undefined;
    return {
      phase: 'failed',
      step: base?.step ?? 'dialling',
      status: timedOut ? t('status.timeout') : t('status.denied'),
      ...(base?.reason ? { reason: base.reason } : {}),
      final: true,
      next,
    };
  }
  if (!a || (a.state === 'ended' && a.outcome !== 'approved'))
    return { phase: 'dialling', step: 'dialling', status: t('status.next'), final: false };
  const s = callStatus(a, m);
  return s.final ? { ...s, final: false } : s;
}
