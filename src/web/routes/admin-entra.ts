/** `/admin/entra`: the Entra ID page (admin session required); its data comes from the composition root. */
import type { FastifyInstance } from 'fastify';
import { seeOther, sendPage, webRequest } from '../http/context';
import { type EntraAdminView, entraAdminPage } from '../pages/admin-entra';
import type { WebDeps } from './shared';

export function registerAdminEntra(
  app: FastifyInstance,
  deps: WebDeps,
  view: (() => EntraAdminView | Promise<EntraAdminView>) | undefined,
): void {
  app.get('/admin/entra', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    const s = w.session('admin');
    if (!s) return seeOther(reply, '/admin/login');
    const v: EntraAdminView = view
      ? await view()
      : { enabled: false, issuer: '', discoveryUrl: '', replyUrl: '', jwksUrl: '', clients: [], keys: [], recent: [] };
    return sendPage(reply, entraAdminPage({ m: w.m, path: w.path, csrf: s.csrfToken }, v));
  });
}
