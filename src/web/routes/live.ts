/**
 * Live call status for the self-service call page, as Server-Sent Events. Each event carries the
 * whole status in the viewer's language (`callStatus`), so the client script only copies text.
 * The stream follows a retry or backup call that continues the attempt under a new id, sends a
 * comment every 15 s to keep proxies from closing it, and ends when the status is final.
 */
import type { FastifyInstance } from 'fastify';
import { callStatus } from '../call-status';
import { webRequest } from '../http/context';
import { userIdOf, type WebDeps } from './shared';

const HEARTBEAT_MS = 15_000;
const MAX_STREAM_MS = 15 * 60_000;

export function registerLive(app: FastifyInstance, deps: WebDeps): void {
  const { services } = deps;
  app.get<{ Params: { id: string } }>('/me/attempts/:id/events', async (req, reply) => {
    const w = webRequest(req, reply, deps);
    const s = w.session('self');
    if (!s) return reply.code(401).send({ error: 'no session' });
    const first = services.getAttempt(req.params.id);
    if (!first || first.userId !== userIdOf(s)) return reply.code(404).send({ error: 'not found' });

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    // The page may be for an earlier attempt of the chain: follow it to the latest one.
    let currentId = services.latestOfChain(first.id)?.id ?? first.id;
    let closed = false;
    let unsubscribe = () => {};
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(limit);
      res.end();
    };
    const send = () => {
      if (closed) return;
      const a = services.getAttempt(currentId);
      if (!a) return close();
      const status = callStatus(a, w.m);
      res.write(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
      if (status.final) close();
    };
    const watch = (id: string) => {
      unsubscribe();
      unsubscribe = services.watchAttempt(id, (change) => {
        if (change.nextAttemptId && change.nextAttemptId !== currentId) {
          currentId = change.nextAttemptId;
          watch(currentId);
        }
        send();
      });
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const limit = setTimeout(close, MAX_STREAM_MS);
    // Subscribe before the first read, so a change in between is not lost.
    watch(currentId);
    req.raw.on('close', close);
    send();
    return reply;
  });
}
