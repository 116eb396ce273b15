/** What the composition root hands to HTTP plugins and services: everything built from the config. */
import type { Config } from '../config/schema';
import type { DialPlanOptions } from '../domain/dialplan';
import type { DestinationPolicy } from '../domain/policy';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { TelephonyBackend } from '../telephony/port';
import type { BackendStatus } from './backends';

export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  /** The one gate before any dial; shared so rate limits and concurrency count process-wide. */
  readonly policy: DestinationPolicy;
  readonly dialPlan: DialPlanOptions;
  /** The configured backend, or an `UnavailableBackend` saying why not (see `backendStatus`). */
  readonly backend: TelephonyBackend;
  readonly backendStatus: BackendStatus;
  readonly version: string;
  readonly startedAt: number;
}
