/**
 * The REST API on a real SQLite file with the fake telephony port: a Fastify instance with every
 * route mounted, and an admin and an integration key. Response bodies are checked against their
 * declared schemas (`validateResponses`), so a test fails if the code drifts from the document.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import pino from 'pino';
import type { ApiContext } from '../../src/http/api/context';
import { mountApi } from '../../src/http/api/index';
import type { ApiRoute } from '../../src/http/api/route';
import { JobScheduler } from '../../src/jobs/scheduler';
import { standardJobs } from '../../src/jobs/standard-jobs';
import {
  AppPasswordService,
  type AppPasswordSettings,
  DEFAULT_APP_PASSWORD_SETTINGS,
} from '../../src/services/app-passwords/service';
import type { PhonePort } from '../../src/services/users/phone-port';
import { UserService } from '../../src/services/users/service';
import type { VerificationSettings } from '../../src/services/verification/settings';
import {
  DEFAULT_WEBHOOK_SETTINGS,
  WebhookDeliverer,
  type WebhookSettings,
} from '../../src/services/webhooks/deliverer';
import { createApiKey } from '../../src/store';
import type { FakeTelephonyOptions } from './fake-telephony';
import { createHarness, type Harness } from './service-harness';

/** libphonenumber straight, with premium/shared-cost refused: a stand-in for the configured policy. */
export const testPhonePort: PhonePort = {
  parse(input) {
    try {
      const p = parsePhoneNumberWithError(input.number, { defaultCountry: input.country.toUpperCase() as 'SE' });
      if (!p.isValid())
        return {
          ok: false,
          field: 'number',
          code: 'invalid-number',
          message: { sv: 'Numret är inte giltigt.', en: 'The number is not valid.' },
        };
      return {
        ok: true,
        e164: p.number,
        country: p.country ?? input.country.toUpperCase(),
        extension: input.extension ?? p.ext ?? null,
        type: p.getType() ?? 'UNKNOWN',
        national: p.formatNational(),
      };
    } catch {
      return {
        ok: false,
        field: 'number',
        code: 'not-a-number',
        message: { sv: 'Det där är inget telefonnummer.', en: 'That is not a phone number.' },
      };
    }
  },
  destination(p) {
    if (p.type === 'PREMIUM_RATE' || p.type === 'SHARED_COST')
      return {
        allowed: false,
        reasonCode: `blocked-number-type:${p.type.toLowerCase().replace('_', '-')}`,
        message: { sv: 'Den här typen av nummer får inte ringas.', en: 'This type of number may not be called.' },
      };
    return { allowed: true };
  },
};

export interface ApiHarness extends Harness {
  readonly app: FastifyInstance;
  readonly ctx: ApiContext;
  readonly routes: ApiRoute[];
  /** Every route Fastify registered (method + url), to compare with the route table. */
  readonly registered: { method: string; url: string }[];
  readonly adminKey: string;
  readonly integrationKey: string;
  readonly integrationKeyId: string;
  /** `http://127.0.0.1:<port>` — the API listens on a real socket (light-my-request is ESM-only here). */
  readonly baseUrl: string;
  /** `inject` with the admin key unless `key` says otherwise (null = no header). */
  req(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    opts?: { key?: string | null; lang?: string },
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers field by field
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
}

export async function createApiHarness(
  options: {
    settings?: Partial<VerificationSettings>;
    telephony?: FakeTelephonyOptions;
    appPasswords?: Partial<AppPasswordSettings>;
    webhooks?: Partial<WebhookSettings>;
    webhookUrl?: string;
  } = {},
): Promise<ApiHarness> {
  const h = createHarness({
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.telephony ? { telephony: options.telephony } : {}),
  });
  const log = pino({ level: 'silent' });
  const webhooks = new WebhookDeliverer(h.store, h.metrics, log, { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks });
  const jobs = new JobScheduler(log);
  const ctx: ApiContext = {
    store: h.store,
    verification: h.service,
    users: new UserService(h.store, testPhonePort, {
      enrollmentLinkTtlMs: 3_600_000,
      bypassTtlMs: 300_000,
      publicBaseUrl: 'https://mfa.example.test',
    }),
    appPasswords: new AppPasswordService(h.store, { ...DEFAULT_APP_PASSWORD_SETTINGS, ...options.appPasswords }),
    webhooks,
    jobs,
    backend: h.backend,
    metrics: h.metrics,
    bus: h.bus,
    sseHeartbeatMs: 50,
  };
  for (const job of standardJobs(ctx)) jobs.add(job);
  const app = Fastify({ logger: false });
  const registered: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') registered.push({ method: m, url: r.url });
  });
  const routes = mountApi(app, ctx, { validateResponses: true });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const admin = createApiKey(h.store.db, { name: 'admin', scopes: ['admin'] });
  const integration = createApiKey(h.store.db, {
    name: 'idp',
    scopes: ['integration'],
    webhookUrl: options.webhookUrl ?? null,
    webhookSecret: options.webhookUrl ? 'whsec_test' : null,
  });
  return {
    ...h,
    app,
    ctx,
    routes,
    registered,
    adminKey: admin.key,
    integrationKey: integration.key,
    integrationKeyId: integration.row.id,
    baseUrl,
    async req(method, url, body, opts = {}) {
      const key = opts.key === undefined ? admin.key : opts.key;
      const res = await fetch(`${baseUrl}${url}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(opts.lang ? { 'accept-language': opts.lang } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* text bodies (metrics) stay text */
      }
      return { status: res.status, body: parsed, headers: Object.fromEntries(res.headers.entries()) };
    },
    async close() {
      await app.close();
      await jobs.stop();
      await h.close();
    },
  };
}
