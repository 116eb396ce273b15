/** Data for the admin "Entra ID" page, from the configuration, the key store and recent requests. */
import type { AppContext } from '../../app/context';
import { getUser } from '../../store';
import type { EntraAdminView } from '../../web/pages/admin-entra';
import { eamEntraValues } from './admin-values';
import { signingKeysFor } from './keys-for-config';
import { listRecentEamRequests } from './repo';

export function entraAdminView(ctx: Pick<AppContext, 'config' | 'store'>): EntraAdminView {
  const v = eamEntraValues(ctx.config);
  const keys = signingKeysFor(ctx).list();
  return {
    enabled: v.enabled,
    issuer: v.issuer,
    discoveryUrl: v.discoveryUrl,
    replyUrl: v.replyUrl,
    jwksUrl: v.jwksUrl,
    clients: v.clients.map((c) => ({ ...c, graphJson: JSON.stringify(v.graphBody(c), null, 2) })),
    keys: keys.map((k) => ({
      kid: k.kid,
      signing: k.signing,
      signingFrom: k.signingFrom,
      ...(k.publishedUntil !== undefined ? { publishedUntil: k.publishedUntil } : {}),
    })),
    recent: listRecentEamRequests(ctx.store.db, 30).map((r) => ({
      at: r.createdAt,
      username: r.userId ? (getUser(ctx.store.db, r.userId)?.username ?? null) : null,
      status: r.status === 'calling' ? 'calling' : r.error ? 'denied' : 'approved',
      detail: r.errorDescription,
      attemptId: r.attemptId,
      clientRequestId: r.clientRequestId,
    })),
  };
}
