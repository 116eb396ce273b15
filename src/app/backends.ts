/**
 * The backend registry: how `telephony.backend` in the config becomes a running `TelephonyBackend`.
 *
 * Each backend registers one factory here when its adapter is part of the build. A backend without
 * a factory, or one that fails to start, is replaced by an `UnavailableBackend`: the service runs
 * (API, UI, /healthz report the reason) and every dial fails as `unavailable` — loudly logged,
 * never a crash loop.
 */
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import type { BackendName, TelephonyBackend } from '../telephony/port';
import { drachtioBackendFromConfig } from './drachtio-backend';
import { embeddedBackendFromConfig } from './embedded-backend';
import { explainBindError, isAddressInUse, SIP_PORT } from './port-in-use';
import { UnavailableBackend } from './unavailable-backend';

export interface BackendDeps {
  readonly config: Config;
  readonly logger: Logger;
}

export type BackendFactory = (deps: BackendDeps) => TelephonyBackend | Promise<TelephonyBackend>;

/** One line per backend. `undefined` = not part of this build. */
export const BACKEND_FACTORIES: Record<BackendName, BackendFactory | undefined> = {
  embedded: ({ config, logger }) => embeddedBackendFromConfig(config, logger.child({ component: 'sip' })),
  drachtio: ({ config, logger }) => drachtioBackendFromConfig(config, logger),
};

export type BackendStatus =
  | { readonly available: true; readonly backend: TelephonyBackend }
  | { readonly available: false; readonly backend: UnavailableBackend; readonly reason: string };

/**
 * Creates and starts the configured backend; never throws for a backend problem, except a SIP port
 * already in use (`PortInUseError`), which stops start-up with the setting to change.
 */
export async function startBackend(
  deps: BackendDeps,
  factories: Readonly<Record<BackendName, BackendFactory | undefined>> = BACKEND_FACTORIES,
): Promise<BackendStatus> {
  const name = deps.config.telephony.backend;
  const log = deps.logger.child({ component: 'backend', backend: name });
  const factory = factories[name];
  if (!factory) {
    const reason = `the ${name} backend is not built into this version of fyrkant`;
    log.warn({ reason }, 'telephony backend unavailable: calls will fail until it is available');
    return { available: false, backend: new UnavailableBackend(name, reason), reason };
  }
  let backend: TelephonyBackend | undefined;
  try {
    backend = await factory(deps);
    await backend.start();
    log.info('telephony backend started');
    return { available: true, backend };
  } catch (err) {
    if (name === 'embedded' && isAddressInUse(err)) {
      // A taken SIP port is a configuration problem the operator fixes in a second: refuse to start
      // with the setting to change, rather than run a service whose every call would fail.
      await backend?.stop().catch(() => {});
      throw explainBindError(err, SIP_PORT, deps.config.sip.address, deps.config.sip.port);
    }
    const reason = `failed to start: ${err instanceof Error ? err.message : String(err)}`;
    log.error({ err }, `telephony backend ${reason}; calls will fail until restart`);
    await backend?.stop().catch(() => {});
    return { available: false, backend: new UnavailableBackend(name, reason), reason };
  }
}
