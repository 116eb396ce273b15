/**
 * What the admin people/keys pages (issue 18b) need: the admin services (rules, audit) and a few
 * reads of the store (audit log, webhook deliveries). Wired in `./admin-wiring.ts` on the same
 * services the REST API uses; the test fixture wires the real ones on its SQLite file.
 */
import type { AdminServices } from '../services/admin-services';
import type { BulkLinkResult } from '../services/enrollment/bulk-links';
import type { AuditRow, WebhookDeliveryRow } from '../store/schema';

export interface AuditFilter {
  readonly action?: string;
  readonly target?: string;
  readonly since?: number;
  readonly limit: number;
}

export interface AdminWeb {
  readonly services: AdminServices;
  /** A fresh enrollment link per user (audited), for the CSV download. */
  bulkLinks(userIds: readonly string[], actor: string): BulkLinkResult;
  audit(filter: AuditFilter): readonly AuditRow[];
  webhookDeliveries(filter: { apiKeyId?: string; limit: number }): readonly WebhookDeliveryRow[];
}
