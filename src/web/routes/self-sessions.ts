/**
 * Security info actions added by issue 18a: change the default sign-in method, sign out one of your
 * sessions, or sign out everywhere (this browser included).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { appendCookie, seeOther, sessionCookieName, type WebRequest, webRequest } from '../http/context';
import { serializeCookie } from '../http/cookies';
import { field } from '../http/form';
import type { Session } from '../http/sessions';
import { serviceProblem } from '../service-error';
import { actorOfSession, csrfFailed, csrfOk, notFoundPage, userIdOf, type WebDeps } from './shared';

export function registerSessionRoutes(
  app: FastifyInstance,
  deps: WebDeps,
  withSelf: (w: WebRequest, reply: FastifyReply) => Session | undefined,
): void {
  const { services, sessions } = deps;

  app.post('/me/security/default', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    const userId = userIdOf(s);
    const pm = services.listPhoneMethods(userId).find((x) => x.id === field(req.body, 'methodId'));
    if (!pm) return notFoundPage(reply, w);
    try {
      await services.updatePhoneMethod(userId, pm.id, { isDefault: true }, w.m.lang, actorOfSession(s));
      s.flash.set('notice', { kind: 'ok', text: w.m.t('sec.saved') });
    } catch (err) {
      const p = serviceProblem(err, w.m.lang);
      if (!p) throw err;
      s.flash.set('notice', { kind: 'bad', text: Object.values(p.fields)[0] ?? p.message });
    }
    return seeOther(reply, '/me/security');
  });

  app.post<{ Params: { handle: string } }>('/me/security/sessions/:handle/signout', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    if (!sessions.destroyForUser(userIdOf(s), req.params.handle)) return notFoundPage(reply, w);
    s.flash.set('notice', { kind: 'ok', text: w.m.t('sec.sessionEnded') });
    return seeOther(reply, '/me/security');
  });

  app.post('/me/security/sessions/signout-all', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    const s = withSelf(w, reply);
    if (!s) return reply;
    if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
    const ended = sessions.destroyAllForUser(userIdOf(s));
    req.log.info({ userId: userIdOf(s), ended }, 'employee signed out everywhere');
    appendCookie(
      reply,
      serializeCookie(sessionCookieName('self', w.secure), '', { secure: w.secure, sameSite: 'Lax', maxAgeSeconds: 0 }),
    );
    return seeOther(reply, '/me/signin?signedOut=1');
  });
}
