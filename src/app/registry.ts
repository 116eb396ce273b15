/**
 * Extension points of the composition root. Later parts of fyrkant (REST API, web UI, metrics,
 * verification service, scheduled jobs, script watcher) plug in by adding one line here — nothing
 * else in `src/app` needs to change.
 */
import type { FastifyPluginAsync } from 'fastify';
import { eamAppService, eamHttpPlugin } from '../integrations/entra/plugin';
import { webHttpPlugin } from '../web/plugin';
import { apiAppService, apiHttpPlugin } from './api-runtime';
import type { AppContext } from './context';
import { nodeAppService } from './node-runtime';
import { radiusAppService } from './radius-runtime';

export interface HttpPluginEntry {
  readonly name: string;
  readonly plugin: FastifyPluginAsync;
}

/** HTTP routes: each factory gets the app context and returns a Fastify plugin. */
export type HttpPluginFactory = (ctx: AppContext) => HttpPluginEntry;

/** A long-running part of the service, started after the backend and before HTTP, stopped in reverse order. */
export interface AppService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
export type AppServiceFactory = (ctx: AppContext) => AppService;

export const HTTP_PLUGINS: readonly HttpPluginFactory[] = [apiHttpPlugin, webHttpPlugin, eamHttpPlugin];

/** The node first: it ends what a crashed run left unfinished before anything starts, and stops last. */
export const APP_SERVICES: readonly AppServiceFactory[] = [
  nodeAppService,
  apiAppService,
  eamAppService,
  radiusAppService,
];
