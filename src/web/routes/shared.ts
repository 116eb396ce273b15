/** Bits every web route file needs: the dependencies, CSRF checks, and error pages. */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginThrottle } from '../../domain/login-throttle';
import type { EmployeeSignIn } from '../../integrations/employee-signin/types';
import type { AdminWeb } from '../admin-ports';
import type { WebContextOptions, WebRequest } from '../http/context';
import { sendPage } from '../http/context';
import { sameOriginPost, tokensMatch } from '../http/csrf';
import type { Session } from '../http/sessions';
import { csrfField } from '../layout';
import { simplePage } from '../pages/admin-frame';
import type { WebServices } from '../ports';

export interface WebDeps extends WebContextOptions {
  readonly services: WebServices;
  /** Admin people/keys operations (issue 18b). */
  readonly admin: AdminWeb;
  /** Clock for tests. */
  readonly now: () => number;
  /** Delays for failed admin logins (issue 13); one per app when absent. */
  readonly loginThrottle?: LoginThrottle;
  /** issue 18a: when set, a visitor without a session is sent to /me/signin. */
  readonly employeeSignIn?: EmployeeSignIn;
}

export { csrfField };

export function csrfOk(req: FastifyRequest, expected: string): boolean {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return (
    tokensMatch(expected, body._csrf) &&
    sameOriginPost({
      origin: req.headers.origin,
      host: req.headers.host,
      secFetchSite: typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined,
    })
  );
}

export function csrfFailed(reply: FastifyReply, w: WebRequest): FastifyReply {
  return sendPage(reply, simplePage(w.m, w.path, w.m.t('common.forbiddenTitle'), w.m.t('common.csrf')), 403);
}

export function notFoundPage(reply: FastifyReply, w: WebRequest): FastifyReply {
  return sendPage(reply, simplePage(w.m, w.path, w.m.t('common.notFoundTitle'), w.m.t('common.notFound')), 404);
}

export function requireSelf(w: WebRequest): Session | undefined {
  return w.session('self');
}

export function userIdOf(session: Session): string {
  if (session.subject.kind !== 'self') throw new Error('not a self-service session');
  return session.subject.userId;
}

export function actorOfSession(session: Session): string {
  return session.subject.kind === 'admin' ? `apikey:${session.subject.keyId}` : `user:${session.subject.userId}`;
}
