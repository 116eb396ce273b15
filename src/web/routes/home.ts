/** `GET /`: a signed-in admin or employee goes on to their start page; anyone else sees where to go. */
import type { FastifyInstance } from 'fastify';
import { seeOther, sendPage, webRequest } from '../http/context';
import { homePage } from '../pages/home';
import type { WebDeps } from './shared';

export function registerHome(app: FastifyInstance, deps: WebDeps): void {
  app.get('/', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    if (w.session('admin')) return seeOther(reply, '/admin');
    if (w.session('self')) return seeOther(reply, '/me/security');
    return sendPage(reply, homePage(w.m, w.path));
  });
}
