/**
 * Wiring of the EAM door into the composition root: one runtime per app context (settings, signing
 * keys, Entra hint verifier, the EAM service on top of the shared verification runtime), an HTTP
 * plugin mounted under the issuer's path, and an app service that checks the key secret and
 * creates the first key on start. Nothing is mounted unless `entraEam.enabled`.
 */
import type { FastifyInstance } from 'fastify';
import { apiRuntime } from '../../app/api-runtime';
import type { AppContext } from '../../app/context';
import { textLanguage } from '../../domain/call-outcomes';
import { EamService } from './eam-service';
import { EntraHintVerifier } from './entra-hint';
import { signingKeysFor } from './keys-for-config';
import { type EamSettings, eamSettings } from './settings';
import type { SigningKeys } from './signing-keys';
import { registerEamRoutes } from './web/routes';

export interface EamRuntime {
  readonly settings: EamSettings;
  readonly keys: SigningKeys;
  readonly eam: EamService;
}

const runtimes = new WeakMap<AppContext, EamRuntime>();

export function eamRuntime(ctx: AppContext): EamRuntime {
  const existing = runtimes.get(ctx);
  if (existing) return existing;
  const rt = apiRuntime(ctx);
  const settings = eamSettings(ctx.config);
  const keys = signingKeysFor(ctx);
  const eam = new EamService({
    store: ctx.store,
    verification: rt.verification,
    bus: rt.bus,
    hints: new EntraHintVerifier({
      jwksUrl: settings.entraJwksUrl,
      issuerTemplates: settings.entraIssuerTemplates,
      maxAgeMs: settings.hintMaxAgeMs,
      caFile: settings.entraCaFile,
    }),
    keys,
    settings,
    log: ctx.logger.child({ component: 'entra-eam' }),
  });
  const runtime = { settings, keys, eam };
  runtimes.set(ctx, runtime);
  return runtime;
}

/** The issuer's path, where the provider's routes are mounted ('' for an issuer at the host's root). */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

export function eamHttpPlugin(ctx: AppContext): { name: string; plugin: (app: FastifyInstance) => Promise<void> } {
  return {
    name: 'entra-eam',
    plugin: async (app: FastifyInstance) => {
      if (!ctx.config.entraEam.enabled) return;
      const rt = eamRuntime(ctx);
      const prefix = issuerPath(rt.settings.issuer);
      await app.register(
        async (scope) => {
          registerEamRoutes(
            scope,
            {
              eam: rt.eam,
              keys: rt.keys,
              store: ctx.store,
              defaultLanguage: textLanguage(ctx.config.defaultLanguage),
              secureCookies: 'auto',
            },
            prefix,
          );
        },
        { prefix },
      );
    },
  };
}

export function eamAppService(ctx: AppContext): { name: string; start(): Promise<void>; stop(): Promise<void> } {
  return {
    name: 'entra-eam',
    async start() {
      if (!ctx.config.entraEam.enabled) return;
      const rt = eamRuntime(ctx);
      // A wrong encryption key must stop the start, not surface at the first sign-in.
      rt.keys.verifySecret();
      await rt.keys.ensure();
      rt.eam.resume();
    },
    async stop() {
      if (!ctx.config.entraEam.enabled) return;
      eamRuntime(ctx).eam.stop();
    },
  };
}
