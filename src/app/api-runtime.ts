/**
 * The verification service, REST API and scheduled jobs, built once per app context from the config:
 * the HTTP plugin (routes) and the app service (start: scripts, jobs; stop: calls, jobs) share it.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { nodeCallLimit } from '../domain/policy/node-call-limit';
import { mountApi } from '../http/api';
import type { ApiContext } from '../http/api/context';
import { loadScripts, PromptLibrary, type ScriptRegistry } from '../ivr';
import { JobScheduler } from '../jobs/scheduler';
import { standardJobs } from '../jobs/standard-jobs';
import { createMetrics } from '../observability/metrics';
import { registerSipMetrics } from '../observability/sip-metrics';
import { ivrScriptRunner } from '../services/adapters/ivr-runner';
import { PolicyCallPlanner, phonePort } from '../services/adapters/phone-policy';
import { AppPasswordService, DEFAULT_APP_PASSWORD_SETTINGS } from '../services/app-passwords/service';
import { BulkMailService } from '../services/mail/bulk-mail';
import { smtpSender } from '../services/mail/sender';
import { NodeService } from '../services/nodes/node-service';
import { defaultNodeId } from '../services/nodes/node-view';
import { ScriptService } from '../services/scripts/service';
import { UserService } from '../services/users/service';
import { AttemptBus } from '../services/verification/attempt-bus';
import type { IssuedAppPassword } from '../services/verification/one-time-secrets';
import { RemoteAttemptFeed } from '../services/verification/remote-attempts';
import { VerificationService } from '../services/verification/service';
import { DEFAULT_VERIFICATION_SETTINGS } from '../services/verification/settings';
import { WebhookDeliverer } from '../services/webhooks/deliverer';
import { StoreOneTimeSecrets } from '../store';
import { sessionSecret } from '../web/session-secret';
import type { AppContext } from './context';
import { sipStatsOf } from './embedded-backend';
import { sharedLoginThrottle } from './login-throttle';
import { trunkAdvice } from './operator-hints';

export interface ApiRuntime extends ApiContext {
  /** Loaded by the app service's start; undefined before. */
  scripts: ScriptRegistry | undefined;
  readonly prompts: PromptLibrary;
  readonly ivrScripts: ScriptService;
  /** This node in the node registry (issue 19): ownership of its calls, heartbeat, drain. */
  readonly node: NodeService;
  /** Live updates of attempts other nodes run, for listeners on this node (issue 19). */
  readonly remoteAttempts: RemoteAttemptFeed;
}

const runtimes = new WeakMap<AppContext, ApiRuntime>();

export function apiRuntime(ctx: AppContext): ApiRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const { config, store, logger, policy, backend } = ctx;
  const metrics = createMetrics({ processMetrics: true });
  // The raw backend: ctx.backend is wrapped by the policy guard.
  const sipStats = sipStatsOf(ctx.backendStatus.backend);
  if (sipStats) registerSipMetrics(metrics.registry, sipStats);
  const bus = new AttemptBus();
  const prompts = new PromptLibrary({ cacheDir: config.ivr.promptCacheDir, uploadLimits: config.ivr.recordings });
  const scriptUses = {
    enrollment: config.ivr.defaultScript,
    'sign-in': 'signin-approve',
    test: config.ivr.defaultScript,
    pin: 'pin-verify',
  };
  const ivrScripts = new ScriptService({
    db: store.db,
    scriptsDir: config.ivr.scriptsDir,
    prompts,
    uses: scriptUses,
    uploadLimits: config.ivr.recordings,
    recordingsDir: join(config.ivr.promptCacheDir, 'recordings'),
    previewVars: { company: config.companyName, extension: '1234' },
    homeCountry: config.homeCountry,
    log: (level, message, detail) => logger.child({ component: 'ivr-scripts' })[level](detail ?? {}, message),
  });
  const runtime: ApiRuntime = {
    scripts: undefined,
    prompts,
    ivrScripts,
  } as ApiRuntime;
  // Calls run the newest saved version (database), else the file's.
  const scriptRegistry = {
    get: (id: string) => ivrScripts.get(id),
  };
  // The node owns the calls the verification service places; it reaches the service lazily (built next).
  const node: NodeService = new NodeService({
    store,
    log: logger.child({ component: 'node' }),
    settings: nodeSettings(ctx),
    identity: {
      hostname: hostname(),
      pid: process.pid,
      version: ctx.version,
      sipAddress: `${config.sip.advertisedAddress ?? config.sip.address}:${config.sip.port}`,
    },
    // A draining node says so on SIP too (503 to OPTIONS and new INVITEs), for a dispatcher in front.
    onDraining: (retryAfterMs) => backend.setAvailability('draining', { retryAfterSeconds: retryAfterMs / 1000 }),
    calls: {
      get activeCount(): number {
        return verification.activeCount;
      },
      whenIdle: () => verification.whenIdle(),
      endInterrupted: (id, reason) => verification.endInterrupted(id, reason),
      shutdown: (ms, reason) => verification.shutdown(ms, reason),
    },
  });
  const verification: VerificationService = new VerificationService({
    ownership: node,
    secrets: oneTimeSecrets(ctx),
    store,
    backend,
    planner: new PolicyCallPlanner(policy, ctx.dialPlan),
    scripts: ivrScriptRunner({
      registry: scriptRegistry,
      prompts,
      company: config.companyName,
      maxCallMs: config.ivr.maxCallSeconds * 1000,
      extensionDelays: {
        preDelayMs: config.dialPlan.extension.preDelayMs,
        postDelayMs: config.dialPlan.extension.postDelayMs,
      },
      scripts: {
        enrollment: scriptUses.enrollment,
        signIn: scriptUses['sign-in'],
        test: scriptUses.test,
        pin: scriptUses.pin,
      },
    }),
    bus,
    metrics,
    log: logger.child({ component: 'verification' }),
    settings: {
      ...DEFAULT_VERIFICATION_SETTINGS,
      ringTimeoutMs: config.telephony.ringTimeoutSeconds * 1000,
      // The script enforces the configured maximum; this is the backstop a little after it.
      maxCallMs: config.ivr.maxCallSeconds * 1000 + 10_000,
      // This node's lines: the site's, or its own perNodeConcurrent when smaller (read on every start).
      maxConcurrentCalls: () => nodeCallLimit(config.policy.rateLimits),
      retry: {
        ...DEFAULT_VERIFICATION_SETTINGS.retry,
        initialMs: config.verification.retry.backoffSeconds * 1000,
        maxTries: config.verification.retry.maxRetries + 1,
        // A call cut off by a crash, a stop or a drain deadline is retried like an unanswered one (issue 19).
        outcomes: config.node.retryInterrupted
          ? [...DEFAULT_VERIFICATION_SETTINGS.retry.outcomes, 'interrupted']
          : DEFAULT_VERIFICATION_SETTINGS.retry.outcomes,
      },
      fraudAutoBlockDays: config.verification.fraudAutoBlockDays || null,
      defaultLanguage: config.defaultLanguage,
    },
    // Only an end that queued a delivery looks at the queue (at 200 ended attempts/s the look was
    // ~1 % of the main thread for keys without a webhook); the job retries what is due.
    onEnded: (_attempt, { webhookQueued }) => {
      if (webhookQueued) void webhooks.deliverDue();
    },
  });
  const webhooks = new WebhookDeliverer(store, metrics, logger.child({ component: 'webhooks' }));
  const jobs = new JobScheduler(logger.child({ component: 'jobs' }), {
    onRun: (name, ok, at) => {
      metrics.jobRuns.inc({ job: name, result: ok ? 'ok' : 'failed' });
      if (ok) metrics.jobLastSuccess.set({ job: name }, at / 1000);
    },
  });
  const users = new UserService(store, phonePort(policy), {
    enrollmentLinkTtlMs: config.verification.enrollmentLinkTtlMinutes * 60_000,
    bypassTtlMs: config.verification.bypassTtlSeconds * 1000,
    publicBaseUrl: config.http.publicUrl ?? `http://${config.http.address}:${config.http.port}`,
    languages: config.languages,
  });
  Object.assign(runtime, {
    store,
    verification,
    users,
    mail: new BulkMailService(
      store,
      users,
      config.mail.enabled && config.mail.smtp.host && config.mail.from
        ? smtpSender({ ...config.mail.smtp, host: config.mail.smtp.host, from: config.mail.from })
        : undefined,
      {
        company: config.companyName,
        log: (msg, detail) => logger.child({ component: 'mail' }).warn(detail, msg),
      },
    ),
    // Issue 19: failed app-password checks count across every node on this database.
    appPasswords: new AppPasswordService(store, {
      ...DEFAULT_APP_PASSWORD_SETTINGS,
      loginThrottle: sharedLoginThrottle(ctx, 'app-passwords'),
    }),
    webhooks,
    jobs,
    backend,
    metrics,
    bus,
    node,
  } satisfies Omit<ApiContext, 'sseHeartbeatMs'>);
  Object.assign(runtime, {
    remoteAttempts: new RemoteAttemptFeed(store, bus, logger.child({ component: 'remote-attempts' }), {
      nodeId: node.id,
      pollMs: config.node.remoteAttemptPollMs,
    }),
  });
  for (const job of standardJobs(runtime, {
    retrySchedule: '*/10 * * * * *',
    expirySchedule: config.jobs.expiryCron,
    trunkHealthSchedule: config.jobs.trunkHealthCron,
    retentionSchedule: config.jobs.retentionCron,
    traceRetentionDays: config.jobs.retentionDays,
    trunkAdvice: trunkAdvice(config),
  }))
    jobs.add(job);
  runtimes.set(ctx, runtime);
  return runtime;
}

/** The REST API routes, OpenAPI, /readyz and /metrics. */
export function apiHttpPlugin(ctx: AppContext): { name: string; plugin: (app: FastifyInstance) => Promise<void> } {
  return {
    name: 'api',
    plugin: async (app: FastifyInstance) => {
      mountApi(app, apiRuntime(ctx));
    },
  };
}

/** Loads the IVR scripts (watched), starts the jobs; on stop ends calls as interrupted. */
export function apiAppService(ctx: AppContext): { name: string; start(): Promise<void>; stop(): Promise<void> } {
  return {
    name: 'verification',
    async start() {
      const rt = apiRuntime(ctx);
      try {
        const scriptLog = ctx.logger.child({ component: 'ivr-scripts' });
        rt.scripts = await loadScripts(ctx.config.ivr.scriptsDir, {
          watch: true,
          // A refused edit (the last good version stays in use) must be visible to the admin in the log.
          log: (level, message, detail) => scriptLog[level](detail ?? {}, message),
        });
        rt.ivrScripts.attach(rt.scripts);
      } catch (err) {
        // fyrkant still serves the API and answers health checks; calls end as failed ("script not loaded").
        ctx.logger.error({ err, dir: ctx.config.ivr.scriptsDir }, 'could not load the IVR scripts; calls will fail');
      }
      rt.jobs.start();
      rt.remoteAttempts.start();
      rt.mail?.resume(); // enrollment e-mails a stop left unsent
      // First trunk probe now rather than up to a minute later: /readyz should know soon after start.
      void rt.jobs.runNow('trunk-health');
    },
    async stop() {
      const rt = apiRuntime(ctx);
      rt.remoteAttempts.stop();
      await rt.jobs.stop();
      await rt.verification.shutdown();
      await rt.scripts?.close?.();
    },
  };
}

/**
 * Issued app passwords wait in the database, sealed under a key from the web session secret, so
 * whichever node serves the pickup hands them out (issue 19). Every node must have the same secret.
 */
function oneTimeSecrets(ctx: AppContext): StoreOneTimeSecrets<IssuedAppPassword> {
  const log = ctx.logger.child({ component: 'one-time-secrets' });
  return new StoreOneTimeSecrets<IssuedAppPassword>(ctx.store.db, {
    sharedSecret: sessionSecret(ctx.config.http.sessionSecret, ctx.config.dataDir),
    onUnreadable: (attemptId) =>
      log.warn(
        { attemptId },
        "an app password waiting for pickup could not be decrypted with this node's key and was discarded: " +
          'every node must share http.sessionSecret (or the same data directory with its session-secret file); ' +
          'the user can create a new app password',
      ),
  });
}

/** The node's name and timings from `node.*` (default name: hostname:SIP port). */
export function nodeSettings(ctx: AppContext): { id: string; heartbeatMs: number; leaseMs: number; drainMs: number } {
  const n = ctx.config.node;
  return {
    id: defaultNodeId(n, ctx.config.sip.port),
    heartbeatMs: n.heartbeatSeconds * 1000,
    leaseMs: n.leaseSeconds * 1000,
    drainMs: n.drainSeconds * 1000,
  };
}
