/** Everything the API routes use, built once by the composition root. */

import type { JobScheduler } from '../../jobs/scheduler';
import type { Metrics } from '../../observability/metrics';
import type { AppPasswordService } from '../../services/app-passwords/service';
import type { BulkMailService } from '../../services/mail/bulk-mail';
import type { ScriptService } from '../../services/scripts/service';
import type { UserService } from '../../services/users/service';
import type { AttemptBus } from '../../services/verification/attempt-bus';
import type { VerificationService } from '../../services/verification/service';
import type { WebhookDeliverer } from '../../services/webhooks/deliverer';
import type { Store } from '../../store';
import type { TelephonyBackend } from '../../telephony/port';

export interface ApiContext {
  readonly store: Store;
  readonly verification: VerificationService;
  readonly users: UserService;
  readonly appPasswords: AppPasswordService;
  readonly webhooks: WebhookDeliverer;
  readonly jobs: JobScheduler;
  readonly backend: TelephonyBackend;
  readonly metrics: Metrics;
  readonly bus: AttemptBus;
  /** IVR scripts, versions and recordings (issue 15); absent in harnesses without scripts. */
  readonly ivrScripts?: ScriptService;
  /** Enrollment e-mails (issue 18b); absent = built without a sender (mail off). */
  readonly mail?: BulkMailService;
  /** SSE keep-alive comment interval. */
  readonly sseHeartbeatMs?: number;
  /** This node in the node registry (issue 19): /readyz says "draining" while it drains. */
  readonly node?: { readonly id: string; readonly state: string };
}
