/** App passwords: create (shown once), list (no secrets), revoke, check (rate-limited per user). */
import { z } from 'zod';
import { getUser } from '../../../store';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { ApiError, notFound, tooManyRequests } from '../errors';
import { type ApiRoute, defineRoute, ok } from '../route';
import {
  AppPasswordInfo,
  AppPasswordParams,
  CheckAppPasswordBody,
  CreateAppPasswordBody,
  ErrorBody,
  IdParams,
  IssuedAppPassword,
} from '../schemas';

const TAGS = ['app-passwords'];

export function appPasswordRoutes(ctx: ApiContext): ApiRoute[] {
  const requireUser = (id: string) => {
    if (!getUser(ctx.store.db, id)) throw notFound('user');
  };
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/app-passwords',
      operationId: 'createAppPassword',
      summary: 'Create an app password; the password is in this answer only',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      body: CreateAppPasswordBody,
      responses: {
        201: {
          description: 'Created. Show `password` to the user now; it cannot be read again.',
          schema: IssuedAppPassword,
        },
        404: { description: 'No such user.', schema: ErrorBody },
        409: { description: 'Too many app passwords.', schema: ErrorBody },
        422: { description: 'Invalid name.', schema: ErrorBody },
      },
      handler: async ({ params, body, principal }) => {
        requireUser(params.id);
        const r = await ctx.appPasswords.create(params.id, body.name, actorOf(principal));
        if ('error' in r)
          throw new ApiError(409, 'too-many-app-passwords', 'revoke an app password before creating another');
        return ok({ id: r.info.id, name: r.info.name, password: r.password }, 201);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users/:id/app-passwords',
      operationId: 'listAppPasswords',
      summary: 'List app passwords (names and dates, never the secret)',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      query: z.object({ includeRevoked: z.enum(['true', 'false']).optional() }),
      responses: {
        200: { description: 'App passwords.', schema: z.object({ appPasswords: z.array(AppPasswordInfo) }) },
        404: { description: 'No such user.', schema: ErrorBody },
      },
      handler: ({ params, query }) => {
        requireUser(params.id);
        return ok({ appPasswords: ctx.appPasswords.list(params.id, query.includeRevoked === 'true') });
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/users/:id/app-passwords/:appPasswordId',
      operationId: 'revokeAppPassword',
      summary: 'Revoke an app password',
      tags: TAGS,
      auth: 'integration',
      params: AppPasswordParams,
      responses: {
        204: { description: 'Revoked.' },
        404: { description: 'No such active app password.', schema: ErrorBody },
      },
      handler: ({ params, principal }) => {
        if (!ctx.appPasswords.revoke(params.id, params.appPasswordId, actorOf(principal)))
          throw notFound('app password');
        return ok(undefined, 204);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/app-passwords/check',
      operationId: 'checkAppPassword',
      summary: 'Check a legacy-app login (failures slow down per client and username)',
      tags: TAGS,
      auth: 'integration',
      body: CheckAppPasswordBody,
      responses: {
        200: {
          description: 'Whether the password is a valid, active app password of the user.',
          schema: z.object({ valid: z.boolean() }),
        },
        422: { description: 'Invalid input.', schema: ErrorBody },
        429: {
          description: 'Too many concurrent failing checks from this client; see Retry-After.',
          schema: ErrorBody,
        },
      },
      handler: async ({ body, request }) => {
        const source = body.clientAddress ? `client:${body.clientAddress}` : `caller:${request.ip}`;
        const r = await ctx.appPasswords.check(body.username, body.password, source);
        if (r.status === 'rate-limited')
          throw tooManyRequests(
            'rate-limited',
            'too many failing app-password checks from this client; try later',
            r.retryAfterMs / 1000,
          );
        return ok({ valid: r.valid });
      },
    }),
  ];
}
