/**
 * The HTTP server (Fastify): `GET /healthz` here; the API, the web UI and metrics are Fastify plugins
 * the composition root registers (see `src/app/http-plugins.ts`), so this file stays small.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from '../log';
import type { BackendHealth } from '../telephony/port';

export interface HealthReport {
  readonly status: 'ok';
  readonly version: string;
  readonly uptimeSeconds: number;
  /** The telephony backend's own report, or why there is none. */
  readonly backend: BackendHealth | { readonly backend: string; readonly available: false; readonly detail: string };
}

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly trustProxy: boolean;
  /** Process health: answered even when the backend is down (that is /readyz's business). */
  readonly health: () => Promise<HealthReport> | HealthReport;
  readonly plugins?: readonly { readonly name: string; readonly plugin: FastifyPluginAsync }[];
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // A plain FastifyInstance (not one typed by pino's Logger) keeps plugins from other modules assignable.
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    trustProxy: options.trustProxy,
    bodyLimit: 1_048_576,
  });
  app.get('/healthz', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return options.health();
  });
  for (const p of options.plugins ?? []) await app.register(p.plugin);
  return app;
}

/** Listens and returns the URL actually bound (port 0 → the OS's choice). */
export async function listenHttp(
  app: FastifyInstance,
  address: string,
  port: number,
): Promise<{ url: string; port: number }> {
  await app.listen({ host: address, port });
  const bound = app.server.address();
  const actual = typeof bound === 'object' && bound ? bound.port : port;
  const host = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${actual}`, port: actual };
}
