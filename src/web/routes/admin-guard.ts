/**
 * The admin session guard for admin route files: `page` (GET, signed-in admin) and `action` (POST,
 * signed-in admin + the session's CSRF token). Same rules as `routes/admin.ts`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { seeOther, type WebRequest, webRequest } from '../http/context';
import type { Session } from '../http/sessions';
import type { AdminContext } from '../pages/admin-frame';
import { csrfFailed, csrfOk, type WebDeps } from './shared';

export type AdminHandler = (
  req: FastifyRequest,
  reply: FastifyReply,
  w: WebRequest,
  s: Session,
) => Promise<FastifyReply> | FastifyReply;

export interface AdminKit {
  page(url: string, handler: AdminHandler): void;
  action(url: string, handler: AdminHandler): void;
  ctx(w: WebRequest, s: Session): AdminContext;
}

export function adminKit(app: FastifyInstance, deps: WebDeps): AdminKit {
  const session = (w: WebRequest, reply: FastifyReply): Session | undefined => {
    const s = w.session('admin');
    if (!s) void seeOther(reply, '/admin/login');
    return s;
  };
  return {
    page: (url, handler) =>
      app.get(url, async (req, reply) => {
        const w = webRequest(req, reply, deps);
        const s = session(w, reply);
        if (!s) return reply;
        reply.header('cache-control', 'no-store');
        return handler(req, reply, w, s);
      }),
    action: (url, handler) =>
      app.post(url, async (req, reply) => {
        const w = webRequest(req, reply, deps);
        const s = session(w, reply);
        if (!s) return reply;
        if (!csrfOk(req, s.csrfToken)) return csrfFailed(reply, w);
        return handler(req, reply, w, s);
      }),
    ctx: (w, s) => ({ m: w.m, path: w.path, csrf: s.csrfToken }),
  };
}
