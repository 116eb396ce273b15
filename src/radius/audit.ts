/**
 * Every answered RADIUS request goes to the audit log, linked to the attempt it started or completed
 * (`target: attempt:<id>`), so an admin can go from a VPN's log line to the call's SIP ladder. The
 * admin page's "recent requests" reads them back. Passwords and secrets never go in.
 */
import { audit, listAudit, type Store } from '../store';
import type { AnsweredRequest } from './server';

export const RADIUS_AUDIT_ACTION = 'radius.request';

export interface RadiusRequestView {
  readonly at: number;
  readonly client: string;
  readonly source: string;
  readonly username: string | null;
  readonly answer: string;
  readonly reason: string;
  readonly attemptId: string | null;
  readonly userId: string | null;
  readonly outcome: string | null;
  readonly nas: string | null;
  readonly messageAuthenticator: boolean;
}

export function auditAnswered(store: Store, a: AnsweredRequest): void {
  const { result } = a;
  const detail: RadiusRequestView & { identifier: number; mode: string; callingStationId: string | null } = {
    at: a.at,
    client: a.client.name,
    mode: a.client.mode,
    source: a.source,
    identifier: a.request.identifier,
    username: result.username,
    answer: result.answer.code,
    reason: result.reason,
    attemptId: result.attemptId,
    userId: result.userId,
    outcome: result.outcome,
    nas: a.request.nasIdentifier ?? null,
    callingStationId: a.request.callingStationId ?? null,
    messageAuthenticator: a.messageAuthenticator,
  };
  audit(store.db, {
    actor: `radius:${a.client.name}`,
    action: RADIUS_AUDIT_ACTION,
    target: result.attemptId ? `attempt:${result.attemptId}` : result.userId ? `user:${result.userId}` : null,
    detail: { ...detail },
    at: a.at,
  });
}

export function recentRadiusRequests(store: Store, limit = 50): RadiusRequestView[] {
  return listAudit(store.db, { action: RADIUS_AUDIT_ACTION, limit }).map((row) => {
    const d = (row.detail ?? {}) as Partial<RadiusRequestView>;
    return {
      at: row.at,
      client: d.client ?? row.actor.replace(/^radius:/, ''),
      source: d.source ?? '',
      username: d.username ?? null,
      answer: d.answer ?? '',
      reason: d.reason ?? '',
      attemptId: d.attemptId ?? null,
      userId: d.userId ?? null,
      outcome: d.outcome ?? null,
      nas: d.nas ?? null,
      messageAuthenticator: d.messageAuthenticator ?? false,
    };
  });
}
