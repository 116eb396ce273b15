/** Readiness, Prometheus metrics and the OpenAPI document. */
import { z } from 'zod';
import type { ApiContext } from '../context';
import { buildOpenApi } from '../openapi';
import { type ApiRoute, defineRoute, ok } from '../route';
import { Readiness } from '../schemas';

export function opsRoutes(ctx: ApiContext, allRoutes: () => readonly ApiRoute[]): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/readyz',
      operationId: 'readiness',
      summary: 'Ready to verify: database answers, backend connected, trunk not unreachable, node not draining',
      tags: ['ops'],
      auth: 'public',
      responses: {
        200: { description: 'Ready.', schema: Readiness },
        503: { description: 'Not ready; the checks say which part.', schema: Readiness },
      },
      handler: async () => {
        let database: { ok: boolean; detail?: string };
        try {
          ctx.store.sqlite.prepare('SELECT 1').get();
          database = { ok: true };
        } catch (err) {
          database = { ok: false, detail: err instanceof Error ? err.message : String(err) };
        }
        let backend: { ok: boolean; detail?: string };
        let trunk: { ok: boolean; detail?: string };
        try {
          const h = await ctx.backend.health();
          backend = { ok: h.connected, detail: `${h.backend}${h.detail ? `: ${h.detail}` : ''}` };
          trunk = { ok: h.trunk !== 'unreachable', detail: h.trunk };
        } catch (err) {
          const detail = err instanceof Error ? err.message : String(err);
          backend = { ok: false, detail };
          trunk = { ok: false, detail: 'unknown' };
        }
        // A draining node is alive but takes no new calls: a load balancer must send them elsewhere.
        const node = ctx.node
          ? { ok: ctx.node.state === 'running', detail: `${ctx.node.id}: ${ctx.node.state}` }
          : undefined;
        const ready = database.ok && backend.ok && trunk.ok && (node?.ok ?? true);
        return ok({ ready, checks: { database, backend, trunk, ...(node ? { node } : {}) } }, ready ? 200 : 503);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format)',
      tags: ['ops'],
      auth: 'admin',
      responses: { 200: { description: 'Prometheus text format 0.0.4.', contentType: 'text/plain' } },
      handler: async () => ({
        status: 200,
        body: await ctx.metrics.registry.metrics(),
        contentType: ctx.metrics.registry.contentType,
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/openapi.json',
      operationId: 'openapi',
      summary: 'This API described as OpenAPI 3.1',
      tags: ['ops'],
      auth: 'integration',
      responses: { 200: { description: 'The OpenAPI document.', schema: z.record(z.string(), z.unknown()) } },
      handler: () => ok(buildOpenApi(allRoutes(), { title: 'fyrkant', version: '1' })),
    }),
  ];
}
