/** Builds `AdminWeb` from the store and the user service (the same objects the REST API uses). */
import { adminServices } from '../services/admin-services';
import { createBulkLinks } from '../services/enrollment/bulk-links';
import type { BulkMailService } from '../services/mail/bulk-mail';
import type { UserService } from '../services/users/service';
import { listAudit, listWebhookDeliveries, type Store } from '../store';
import type { AdminWeb } from './admin-ports';

export function adminWeb(ctx: {
  readonly store: Store;
  readonly users: UserService;
  readonly mail?: BulkMailService;
}): AdminWeb {
  return {
    services: adminServices(ctx),
    bulkLinks: (ids, actor) => createBulkLinks(ctx.store, ctx.users, ids, actor),
    audit: (f) =>
      listAudit(ctx.store.db, {
        limit: f.limit,
        ...(f.action ? { action: f.action } : {}),
        ...(f.target ? { target: f.target } : {}),
        ...(f.since !== undefined ? { since: f.since } : {}),
      }),
    webhookDeliveries: (f) =>
      listWebhookDeliveries(ctx.store.db, { limit: f.limit, ...(f.apiKeyId ? { apiKeyId: f.apiKeyId } : {}) }),
  };
}
