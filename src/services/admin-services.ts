/**
 * The admin services built once per API context (stateless over the store, so the REST routes and
 * the web pages share one set): users by registration status, fraud review, API keys, bulk mail.
 */
import type { Store } from '../store';
import { ApiKeyService } from './api-keys/service';
import { FraudReviewService } from './fraud/review';
import { BulkMailService } from './mail/bulk-mail';
import { UserAdminService } from './users/admin';
import type { UserService } from './users/service';

export interface AdminServices {
  readonly users: UserAdminService;
  readonly fraud: FraudReviewService;
  readonly apiKeys: ApiKeyService;
  readonly mail: BulkMailService;
}

const built = new WeakMap<object, AdminServices>();

export function adminServices(ctx: {
  readonly store: Store;
  readonly users: UserService;
  readonly mail?: BulkMailService;
}): AdminServices {
  const existing = built.get(ctx);
  if (existing) return existing;
  const s: AdminServices = {
    users: new UserAdminService(ctx.store, ctx.users),
    fraud: new FraudReviewService(ctx.store),
    apiKeys: new ApiKeyService(ctx.store),
    mail: ctx.mail ?? new BulkMailService(ctx.store, ctx.users, undefined, { company: 'fyrkant' }),
  };
  built.set(ctx, s);
  return s;
}
