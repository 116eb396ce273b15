/**
 * The whole API route table, and the function that mounts it on a Fastify instance. Tests iterate
 * over `apiRoutes(ctx)` to check authentication on every route and that the OpenAPI document
 * describes each one.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiKeyScope } from '../../domain/api-keys/key';
import { findApiKey, touchApiKey } from '../../store';
import type { ApiKeyVerifier } from '../auth/principal';
import type { ApiContext } from './context';
import { registerApiRoutes } from './register';
import type { ApiRoute } from './route';
import { adminRoutes } from './routes/admin';
import { appPasswordRoutes } from './routes/app-passwords';
import { attemptRoutes } from './routes/attempts';
import { opsRoutes } from './routes/ops';
import { scriptRoutes } from './routes/scripts';
import { userAdminRoutes } from './routes/user-admin';
import { userRoutes } from './routes/users';
import { verificationRoutes } from './routes/verifications';

export function apiRoutes(ctx: ApiContext): ApiRoute[] {
  const routes: ApiRoute[] = [];
  routes.push(
    ...userRoutes(ctx),
    ...verificationRoutes(ctx),
    ...attemptRoutes(ctx),
    ...appPasswordRoutes(ctx),
    ...adminRoutes(ctx),
    ...scriptRoutes(ctx),
    ...userAdminRoutes(ctx),
    ...opsRoutes(ctx, () => routes),
  );
  return routes;
}

/** Looks keys up in the store; `last_used_at` is written at most once a minute per key. */
export function storeKeyVerifier(ctx: Pick<ApiContext, 'store'>): ApiKeyVerifier {
  const touched = new Map<string, number>();
  return (key) => {
    const row = findApiKey(ctx.store.db, key);
    if (!row) return undefined;
    const now = Date.now();
    if ((touched.get(row.id) ?? 0) < now - 60_000) {
      touched.set(row.id, now);
      touchApiKey(ctx.store.db, row.id, now);
    }
    return { keyId: row.id, name: row.name, scopes: row.scopes as ApiKeyScope[] };
  };
}

export function mountApi(
  app: FastifyInstance,
  ctx: ApiContext,
  options: { validateResponses?: boolean } = {},
): ApiRoute[] {
  const routes = apiRoutes(ctx);
  registerApiRoutes(app, routes, { verifyKey: storeKeyVerifier(ctx), ...options });
  return routes;
}
