/**
 * The composition root: config → logger → store → policy → telephony backend → services → HTTP.
 * `startApp` is what `fyrkant serve` runs; tests start it in-process with overrides too.
 */
import { mkdirSync } from 'node:fs';
import type { Config } from '../config/schema';
import { DestinationPolicy } from '../domain/policy';
import { buildHttpServer, type HealthReport, listenHttp } from '../http/server';
import { createLogger, type Logger } from '../log';
import { defaultNodeId } from '../services/nodes/node-view';
import { openStore, type Store, StoreRateLimitLedger } from '../store';
import type { BackendName } from '../telephony/port';
import { BACKEND_FACTORIES, type BackendFactory, startBackend } from './backends';
import type { AppContext } from './context';
import { dialPlanOptions, policyOptions } from './domain-options';
import { policyGuardedBackend } from './policy-guard';
import { explainBindError, HTTP_PORT } from './port-in-use';
import {
  APP_SERVICES,
  type AppService,
  type AppServiceFactory,
  HTTP_PLUGINS,
  type HttpPluginFactory,
} from './registry';
import { VERSION } from './version';

export interface StartOptions {
  readonly logger?: Logger;
  readonly backendFactories?: Readonly<Record<BackendName, BackendFactory | undefined>>;
  readonly httpPlugins?: readonly HttpPluginFactory[];
  readonly services?: readonly AppServiceFactory[];
}

export interface RunningApp {
  readonly ctx: AppContext;
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Stops HTTP, services, the backend and closes the database, in that order. Idempotent. */
  stop(): Promise<void>;
}

export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const startedAt = Date.now();
  mkdirSync(config.dataDir, { recursive: true });

  let store: Store | undefined;
  const started: AppService[] = [];
  let backendStop: (() => Promise<void>) | undefined;
  try {
    store = openStore({
      path: config.database.path,
      busyTimeoutMs: config.database.busyTimeoutMs,
      // Issue 20: the WAL's fsyncs never run inside a commit on the main thread.
      backgroundCheckpoints: { onError: (message) => logger.warn({ message }, 'background WAL checkpoint failed') },
    });
    // Attempts a crashed run left unfinished are ended by the node service (src/app/node-runtime.ts):
    // only this node's and those whose owner's lease ran out — never another live node's calls.

    const backendStatus = await startBackend({ config, logger }, options.backendFactories ?? BACKEND_FACTORIES);
    backendStop = () => backendStatus.backend.stop();
    // Issue 19: rate limits and call slots are counted in the database, shared by every node on it.
    const policy = new DestinationPolicy(policyOptions(config), { ledger: sharedLedger(config, store, logger) });

    const ctx: AppContext = {
      config,
      logger,
      store,
      policy,
      dialPlan: dialPlanOptions(config),
      backend: policyGuardedBackend(backendStatus.backend, (id) => policy.isAuthorized(id)),
      backendStatus,
      version: VERSION,
      startedAt,
    };

    for (const make of options.services ?? APP_SERVICES) {
      const svc = make(ctx);
      await svc.start();
      started.push(svc);
      logger.info({ service: svc.name }, 'service started');
    }

    const http = await buildHttpServer({
      logger,
      trustProxy: config.http.trustProxy,
      health: () => healthReport(ctx),
      plugins: (options.httpPlugins ?? HTTP_PLUGINS).map((f) => f(ctx)),
    });
    const { url, port } = await listenHttp(http, config.http.address, config.http.port).catch(async (err: unknown) => {
      await http.close().catch(() => {});
      throw explainBindError(err, HTTP_PORT, config.http.address, config.http.port);
    });
    logger.info(
      { url, backend: config.telephony.backend, available: backendStatus.available, version: VERSION },
      'fyrkant is up',
    );

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        logger.info('stopping');
        await http.close().catch((err: unknown) => logger.error({ err }, 'http close failed'));
        await stopAll(started, logger);
        await backendStatus.backend.stop().catch((err: unknown) => logger.error({ err }, 'backend stop failed'));
        store?.close();
        logger.info('stopped');
      })();
      return stopping;
    };
    return { ctx, url, port, stop };
  } catch (err) {
    // Start failed half-way: release what was taken so a retry (or a test) starts clean.
    await stopAll(started, logger);
    await backendStop?.().catch(() => {});
    store?.close();
    throw err;
  }
}

/** The database's rate-limit ledger, written under this node's id (the same as the node registry's). */
function sharedLedger(config: Config, store: Store, logger: Logger): StoreRateLimitLedger {
  return new StoreRateLimitLedger(store.db, {
    nodeId: defaultNodeId(config.node, config.sip.port),
    leaseMs: config.node.leaseSeconds * 1000,
    limits: config.policy.rateLimits,
    onReleaseError: (err) =>
      logger.error({ err }, 'could not release a call slot; it is freed when this node restarts'),
  });
}

async function stopAll(services: AppService[], logger: Logger): Promise<void> {
  for (const svc of [...services].reverse()) {
    await svc.stop().catch((err: unknown) => logger.error({ err, service: svc.name }, 'service stop failed'));
  }
  services.length = 0;
}

async function healthReport(ctx: AppContext): Promise<HealthReport> {
  const s = ctx.backendStatus;
  return {
    status: 'ok',
    version: ctx.version,
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    backend: s.available
      ? await s.backend.health().catch((err: unknown) => ({
          backend: ctx.config.telephony.backend,
          available: false as const,
          detail: `health check failed: ${err instanceof Error ? err.message : String(err)}`,
        }))
      : { backend: ctx.config.telephony.backend, available: false, detail: s.reason },
  };
}
