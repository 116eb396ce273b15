/**
 * The REST API on a real SQLite file with the fake telephony port: a Fastify instance with every
 * route mounted, and an admin and an integration key. Response bodies are checked against their
 * declared schemas (`validateResponses`), so a test fails if the code drifts from the document.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { DialPlanOptions } from '../../src/domain/dialplan';
import { DestinationPolicy, type PolicyOptions } from '../../src/domain/policy';
import type { ApiContext } from '../../src/http/api/context';
import { mountApi } from '../../src/http/api/index';
import type { ApiRoute } from '../../src/http/api/route';
import { JobScheduler } from '../../src/jobs/scheduler';
import { standardJobs } from '../../src/jobs/standard-jobs';
import { PolicyCallPlanner, phonePort } from '../../src/services/adapters/phone-policy';
import {
  AppPasswordService,
  type AppPasswordSettings,
  DEFAULT_APP_PASSWORD_SETTINGS,
} from '../../src/services/app-passwords/service';
import { UserService } from '../../src/services/users/service';
import type { VerificationSettings } from '../../src/services/verification/settings';
import {
  DEFAULT_WEBHOOK_SETTINGS,
  WebhookDeliverer,
  type WebhookSettings,
} from '../../src/services/webhooks/deliverer';
import { createApiKey } from '../../src/store';
import type { FakeTelephonyOptions } from './fake-telephony';
import { createHarness, type Harness, TEST_SCRYPT } from './service-harness';

/** The shipped policy defaults (config/default.yaml), with the rate limits a test may tighten. */
export function testPolicyOptions(rateLimits: Partial<PolicyOptions['rateLimits']> = {}): PolicyOptions {
  return {
    homeCountry: 'SE',
    allowedCountries: [],
    blockedTypes: ['premium-rate', 'shared-cost', 'personal', 'uan', 'pager', 'unknown'],
    allowPrefixes: [],
    denyPrefixes: [],
    allowSipUriDial: false,
    internalRanges: [],
    rateLimits: {
      perUser: { max: 0, windowSeconds: 300 },
      perNumber: { max: 0, windowSeconds: 300 },
      globalConcurrent: 10,
      globalPerMinute: 10_000,
      ...rateLimits,
    },
  };
}

export const TEST_DIAL_PLAN: DialPlanOptions = {
  requestUri: 'sip:{e164}@{host};user=phone',
  outsideLinePrefix: '',
  host: 'pbx.test',
  preDelayMs: 0,
  postDelayMs: 0,
  internalRanges: [],
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
    rateLimits?: Partial<PolicyOptions['rateLimits']>;
    /** The configured user languages (config `languages`); unset = any BCP 47 tag. */
    languages?: readonly string[];
  } = {},
): Promise<ApiHarness> {
  const policy = new DestinationPolicy(testPolicyOptions(options.rateLimits));
  const h = createHarness({
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.telephony ? { telephony: options.telephony } : {}),
    planner: new PolicyCallPlanner(policy, TEST_DIAL_PLAN),
  });
  const log = pino({ level: 'silent' });
  const webhooks = new WebhookDeliverer(h.store, h.metrics, log, { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks });
  const jobs = new JobScheduler(log);
  const ctx: ApiContext = {
    store: h.store,
    verification: h.service,
    users: new UserService(h.store, phonePort(policy), {
      enrollmentLinkTtlMs: 3_600_000,
      bypassTtlMs: 300_000,
      publicBaseUrl: 'https://mfa.example.test',
      scrypt: TEST_SCRYPT,
      ...(options.languages ? { languages: options.languages } : {}),
    }),
    appPasswords: new AppPasswordService(h.store, {
      ...DEFAULT_APP_PASSWORD_SETTINGS,
      scrypt: TEST_SCRYPT,
      ...options.appPasswords,
    }),
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
