/**
 * Errors a route handler throws on purpose; the route wrapper turns them into JSON answers.
 * Anything else becomes a 500 without details (details go to the log).
 */
import type { FieldError } from './field-errors';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends ApiError {
  constructor(
    readonly fields: readonly FieldError[],
    extra: Readonly<Record<string, unknown>> = {},
  ) {
    const { error, ...rest } = extra as { error?: string };
    super(422, error ?? 'validation-failed', fields.map((f) => `${f.field}: ${f.message}`).join(' '), {
      ...rest,
      fields,
    });
  }
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'not-found', `${what} not found`);
}

export function tooManyRequests(code: string, message: string, retryAfterSeconds: number): ApiError {
  const retry = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ApiError(429, code, message, { retryAfterSeconds: retry }, { 'retry-after': String(retry) });
}
