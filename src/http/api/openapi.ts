/**
 * The OpenAPI 3.1 document, generated from the same route objects that serve the API (zod →
 * JSON Schema with `z.toJSONSchema`). Served at `/api/openapi.json`.
 */
import { z } from 'zod';
import type { ApiRoute } from './route';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  // `unrepresentable: any` keeps a transform or date from breaking the whole document.
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete s.$schema;
  return s;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: prop,
  }));
}

/** `/api/v1/users/:id` → `/api/v1/users/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApi(routes: readonly ApiRoute[], info: { title: string; version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, resp]) => [
          status,
          {
            description: resp.description,
            ...(resp.schema || resp.contentType
              ? {
                  content: {
                    [resp.contentType ?? 'application/json']: resp.schema
                      ? { schema: jsonSchema(resp.schema, 'output') }
                      : {},
                  },
                }
              : {}),
          },
        ]),
      ),
      security: r.auth === 'public' ? [] : [{ apiKey: [r.auth] }],
    };
    if (r.auth !== 'public') {
      const responses = op.responses as Json;
      responses['401'] ??= { description: 'No, unknown or revoked API key.' };
      responses['403'] ??= { description: `The API key lacks the '${r.auth}' scope.` };
    }
    if (r.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } };
    if (r.rawBody)
      op.requestBody = {
        required: true,
        content: Object.fromEntries(
          r.rawBody.contentTypes.map((t) => [
            t,
            { schema: { type: 'string', format: 'binary', maxLength: r.rawBody!.maxBytes } },
          ]),
        ),
      };
    const path = openApiPath(r.url);
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'fyrkant verifies office phones by calling them. Every route except health and enrollment-link pages needs an API key as a Bearer token; admin keys may use every route, integration keys the ones marked integration.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'fyk_… API key' } },
    },
    paths,
  };
}
