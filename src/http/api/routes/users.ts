/** `/api/v1/users` and phone methods. */
import { z } from 'zod';
import { getUser, getUserByUsername, listPhoneMethods, listUsers } from '../../../store';
import { getEntraIdentity } from '../../../store/repo/entra-identities';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { notFound } from '../errors';
import { unwrap } from '../outcome-errors';
import { type ApiRoute, defineRoute, ok } from '../route';
import {
  AddPhoneMethodBody,
  CreateUserBody,
  ErrorBody,
  IdParams,
  MethodParams,
  PatchPhoneMethodBody,
  PatchUserBody,
  PhoneMethod,
  User,
  UserDetail,
  UserQuery,
} from '../schemas';
import { phoneMethodView, userView } from '../views';

const TAGS = ['users'];
const E422 = { description: 'Invalid input: per-field messages in Swedish and English.', schema: ErrorBody };
const E404 = { description: 'No such user or phone method.', schema: ErrorBody };

export function userRoutes(ctx: ApiContext): ApiRoute[] {
  const detail = (id: string) => {
    const u = getUser(ctx.store.db, id);
    if (!u) throw notFound('user');
    return {
      ...userView(u, getEntraIdentity(ctx.store.db, id)),
      phoneMethods: listPhoneMethods(ctx.store.db, id).map(phoneMethodView),
    };
  };
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/users',
      operationId: 'createUser',
      summary: 'Create a user',
      tags: TAGS,
      auth: 'integration',
      body: CreateUserBody,
      responses: {
        201: { description: 'Created.', schema: UserDetail },
        409: { description: 'Username taken.', schema: ErrorBody },
        422: E422,
      },
      handler: ({ body, principal, lang }) => {
        const u = unwrap(ctx.users.create(body, actorOf(principal)), lang);
        return ok(detail(u.id), 201);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users',
      operationId: 'listUsers',
      summary: 'Find users (exact username or search)',
      tags: TAGS,
      auth: 'integration',
      query: UserQuery,
      responses: { 200: { description: 'Matching users.', schema: z.object({ users: z.array(User) }) }, 422: E422 },
      handler: ({ query }) => {
        if (query.username !== undefined) {
          const u = getUserByUsername(ctx.store.db, query.username);
          return ok({ users: u ? [userView(u, getEntraIdentity(ctx.store.db, u.id))] : [] });
        }
        const rows = listUsers(ctx.store.db, {
          ...(query.search ? { usernameLike: query.search } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
          ...(query.offset ? { offset: query.offset } : {}),
        });
        return ok({ users: rows.map((r) => userView(r, getEntraIdentity(ctx.store.db, r.id))) });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users/:id',
      operationId: 'getUser',
      summary: 'A user with their phone methods',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      responses: { 200: { description: 'The user.', schema: UserDetail }, 404: E404 },
      handler: ({ params }) => ok(detail(params.id)),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/users/:id',
      operationId: 'updateUser',
      summary: 'Change display name, language, Entra identity, or block/unblock (admin)',
      tags: TAGS,
      auth: 'admin',
      params: IdParams,
      body: PatchUserBody,
      responses: { 200: { description: 'Updated.', schema: UserDetail }, 404: E404, 422: E422 },
      handler: ({ params, body, principal, lang }) => {
        unwrap(ctx.users.update(params.id, body, actorOf(principal)), lang);
        return ok(detail(params.id));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/users/:id',
      operationId: 'deleteUser',
      summary: 'Delete a user with their phone methods and app passwords (attempt history stays)',
      tags: TAGS,
      auth: 'admin',
      params: IdParams,
      responses: { 204: { description: 'Deleted.' }, 404: E404 },
      handler: ({ params, principal }) => {
        if (!ctx.users.remove(params.id, actorOf(principal))) throw notFound('user');
        return ok(undefined, 204);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/users/:id/phone-methods',
      operationId: 'addPhoneMethod',
      summary: 'Add a phone (unverified until a verification call is approved)',
      tags: TAGS,
      auth: 'integration',
      params: IdParams,
      body: AddPhoneMethodBody,
      responses: {
        201: { description: 'Added, unverified.', schema: PhoneMethod },
        404: E404,
        422: { description: 'Invalid number, or refused by the destination policy (`reasonCode`).', schema: ErrorBody },
      },
      handler: async ({ params, body, principal, lang }) => {
        const m = unwrap(await ctx.users.addPhoneMethod(params.id, body, actorOf(principal)), lang);
        return ok(phoneMethodView(m), 201);
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/users/:id/phone-methods/:methodId',
      operationId: 'updatePhoneMethod',
      summary: 'Make default, or change number/extension/PIN (a changed number must be re-verified)',
      tags: TAGS,
      auth: 'integration',
      params: MethodParams,
      body: PatchPhoneMethodBody,
      responses: { 200: { description: 'Updated.', schema: PhoneMethod }, 404: E404, 422: E422 },
      handler: async ({ params, body, principal, lang }) => {
        const m = unwrap(await ctx.users.updatePhoneMethod(params.id, params.methodId, body, actorOf(principal)), lang);
        return ok(phoneMethodView(m));
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/users/:id/phone-methods/:methodId',
      operationId: 'deletePhoneMethod',
      summary: 'Remove a phone',
      tags: TAGS,
      auth: 'integration',
      params: MethodParams,
      responses: { 204: { description: 'Removed.' }, 404: E404 },
      handler: ({ params, principal }) => {
        if (!ctx.users.removePhoneMethod(params.id, params.methodId, actorOf(principal)))
          throw notFound('phone method');
        return ok(undefined, 204);
      },
    }),
  ];
}
