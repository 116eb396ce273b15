/**
 * One API route = one object: method, URL, zod schemas for params/query/body/responses, required
 * scope, handler. The same objects register the Fastify routes, validate requests (422 with per-field
 * messages) and produce the OpenAPI document, so the document cannot drift from the code.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiKeyScope } from '../../domain/api-keys/key';
import type { ApiPrincipal } from '../auth/principal';
import type { Lang } from './field-errors';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Content type other than JSON, e.g. `text/event-stream`. */
  readonly contentType?: string;
}

export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Null only on public routes. */
  readonly principal: ApiPrincipal | null;
  readonly lang: Lang;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** A handler's answer: a body (status = the route's first 2xx) or an explicit status + body. */
export type RouteResult =
  | { readonly status: number; readonly body?: unknown; readonly contentType?: string }
  | typeof HIJACKED;

/** Returned by handlers that took over the raw response (Server-Sent Events). */
export const HIJACKED: unique symbol = Symbol('hijacked');

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ApiRouteSpec<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
> {
  readonly method: HttpMethod;
  /** Fastify syntax: `/api/v1/users/:id`. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  /** `public` = no key (health, enrollment pages); otherwise the scope a key needs. */
  readonly auth: 'public' | ApiKeyScope;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /**
   * A binary request body instead of JSON (e.g. an audio upload): the accepted content types and the
   * size limit; the handler gets the bytes as `request.body` (a Buffer).
   */
  readonly rawBody?: { readonly contentTypes: readonly string[]; readonly maxBytes: number };
  readonly responses: Readonly<Record<number, RouteResponse>>;
  readonly handler: (ctx: RouteContext<Out<P>, Out<Q>, Out<B>>) => Promise<RouteResult> | RouteResult;
}

export type ApiRoute = ApiRouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/** Identity with type inference for the handler's params/query/body. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: ApiRouteSpec<P, Q, B>): ApiRoute {
  return spec as unknown as ApiRoute;
}

export function ok(body: unknown, status = 200): RouteResult {
  return { status, body };
}
