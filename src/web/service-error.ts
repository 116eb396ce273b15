/**
 * Reads the errors the service layer throws (`ApiError`-shaped: `status`, `code`, `extra.fields`,
 * `extra.retryAfterSeconds`) without importing the HTTP API module, so the UI only depends on the
 * shape. Anything without a status is an unexpected failure (500 page, logged).
 */
import type { UiLanguage } from './i18n';

export interface ServiceProblem {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Field → message in the viewer's language. */
  readonly fields: Readonly<Record<string, string>>;
  readonly retryAfterSeconds?: number;
}

interface FieldLike {
  readonly field?: unknown;
  readonly message?: unknown;
  readonly messages?: { readonly sv?: unknown; readonly en?: unknown };
}

export function serviceProblem(err: unknown, lang: UiLanguage): ServiceProblem | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as {
    status?: unknown;
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
    extra?: unknown;
    fields?: unknown;
  };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  // 503 is not a failure but "this node is draining, try again" (issue 19): shown like a refusal.
  if (status === undefined || status < 400 || (status >= 500 && status !== 503)) return undefined;
  const extra = (e.extra && typeof e.extra === 'object' ? e.extra : {}) as {
    fields?: unknown;
    retryAfterSeconds?: unknown;
  };
  const list = Array.isArray(extra.fields) ? extra.fields : Array.isArray(e.fields) ? e.fields : [];
  const fields: Record<string, string> = {};
  for (const f of list as FieldLike[]) {
    if (!f || typeof f.field !== 'string') continue;
    const localised = f.messages?.[lang];
    const text = typeof localised === 'string' ? localised : typeof f.message === 'string' ? f.message : '';
    if (text && !Object.hasOwn(fields, f.field)) fields[f.field] = text;
  }
  return {
    status,
    code: typeof e.code === 'string' ? e.code : 'error',
    message: typeof e.message === 'string' ? e.message : '',
    fields,
    ...(typeof extra.retryAfterSeconds === 'number' ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
  };
}
