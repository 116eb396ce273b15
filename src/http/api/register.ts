/**
 * Turns `ApiRoute` objects into Fastify routes: authentication first (before any parsing, so an
 * unauthenticated caller learns nothing about the input rules), then zod validation of params,
 * query and body (422 with per-field messages), then the handler; its answer is optionally checked
 * against the response schema (tests turn this on so a response can never drift from the document).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { authenticate } from '../auth/bearer';
import type { ApiKeyVerifier, ApiPrincipal } from '../auth/principal';
import { ApiError, ValidationError } from './errors';
import { type FieldError, type Lang, requestLanguage, zodFieldErrors } from './field-errors';
import { type ApiRoute, HIJACKED } from './route';

export interface RegisterOptions {
  readonly verifyKey: ApiKeyVerifier;
  /** Check every JSON answer against its declared schema (tests); a mismatch is a 500. */
  readonly validateResponses?: boolean;
}

function parsePart(schema: z.ZodType | undefined, input: unknown, lang: Lang, part: string, errors: FieldError[]) {
  if (!schema) return undefined;
  const r = schema.safeParse(input ?? (part === 'body' ? undefined : {}));
  if (r.success) return r.data;
  // Path params are part of the URL; callers find "params.id" clearer than a bare "id".
  errors.push(...zodFieldErrors(r.error, input, lang, part === 'body' ? '' : part));
  return undefined;
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).send({ error: err.code, message: err.message, ...err.extra });
}

/** Binary bodies (uploads) arrive as a Buffer; the route's own `bodyLimit` caps the size. */
function addBinaryParser(app: FastifyInstance, contentTypes: readonly string[]): void {
  for (const type of contentTypes) {
    if (app.hasContentTypeParser(type)) continue;
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
}

export function registerApiRoutes(app: FastifyInstance, routes: readonly ApiRoute[], options: RegisterOptions): void {
  for (const route of routes) {
    if (route.rawBody) addBinaryParser(app, route.rawBody.contentTypes);
    app.route({
      method: route.method,
      url: route.url,
      // Room for the multipart-free binary upload plus a little (the service applies the exact limit).
      ...(route.rawBody ? { bodyLimit: route.rawBody.maxBytes + 64 * 1024 } : {}),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const lang = requestLanguage(request.headers['accept-language']);
        try {
          let principal: ApiPrincipal | null = null;
          if (route.auth !== 'public')
            principal = await authenticate(request.headers.authorization, route.auth, options.verifyKey);
          const errors: FieldError[] = [];
          const params = parsePart(route.params, request.params, lang, 'params', errors);
          const query = parsePart(route.query, request.query, lang, 'query', errors);
          const body = parsePart(route.body, request.body, lang, 'body', errors);
          if (errors.length > 0) throw new ValidationError(errors);
          const result = await route.handler({ params, query, body, principal, lang, request, reply });
          if (result === HIJACKED) return reply;
          const declared = route.responses[result.status];
          if (!declared) throw new Error(`${route.operationId} answered ${result.status}, which it does not declare`);
          if (options.validateResponses && declared.schema) {
            const check = declared.schema.safeParse(result.body);
            if (!check.success)
              throw new Error(
                `${route.operationId} ${result.status} response does not match its schema: ${check.error.message}`,
              );
          }
          if (result.contentType) reply.header('content-type', result.contentType);
          if (result.body === undefined) return reply.code(result.status).send();
          return reply.code(result.status).send(result.body);
        } catch (err) {
          if (err instanceof ApiError) return sendError(reply, err);
          request.log.error({ err, route: route.operationId }, 'route failed');
          return reply.code(500).send({ error: 'internal', message: 'internal error' });
        }
      },
    });
  }
}
