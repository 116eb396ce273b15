/**
 * A user's optional Entra ID identity (for the EAM door): tenant id, object id, UPN. Checked here
 * (GUIDs, a UPN that looks like one, not already linked to another user) for the API and the CSV
 * import alike. `undefined` keeps a field, `null` or '' clears it.
 */
import { audit, type Store } from '../../store';
import { entraIdentityOwner, getEntraIdentity, setEntraIdentity } from '../../store/repo/entra-identities';
import type { Texts } from '../verification/ports';

export interface EntraFields {
  readonly entraTenantId?: string | null;
  readonly entraObjectId?: string | null;
  readonly upn?: string | null;
}

export interface EntraProblem {
  readonly field: keyof EntraFields;
  readonly code: 'invalid' | 'taken';
  readonly message: Texts;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPN = /^[^\s@]{1,200}@[^\s@]{1,200}$/;

export function hasEntraFields(f: EntraFields): boolean {
  return f.entraTenantId !== undefined || f.entraObjectId !== undefined || f.upn !== undefined;
}

/** Problems with the fields for this user (`userId` undefined for a user not created yet). */
export function checkEntraFields(store: Store, userId: string | undefined, f: EntraFields): EntraProblem[] {
  const problems: EntraProblem[] = [];
  for (const field of ['entraTenantId', 'entraObjectId'] as const) {
    const v = f[field];
    if (v && !GUID.test(v))
      problems.push({
        field,
        code: 'invalid',
        message: { sv: 'Ange ett GUID (från Entra ID).', en: 'Expected a GUID (from Entra ID).' },
      });
  }
  if (f.upn && !UPN.test(f.upn))
    problems.push({
      field: 'upn',
      code: 'invalid',
      message: { sv: 'Ange ett UPN som namn@exempel.se.', en: 'Expected a UPN such as name@example.com.' },
    });
  const owner = entraIdentityOwner(store.db, { objectId: f.entraObjectId || null, upn: f.upn || null });
  if (owner && owner.userId !== userId) {
    const field = owner.field === 'objectId' ? 'entraObjectId' : 'upn';
    problems.push({
      field,
      code: 'taken',
      message: {
        sv: 'Den här Entra-identiteten är redan kopplad till en annan användare.',
        en: 'This Entra identity is already linked to another user.',
      },
    });
  }
  return problems;
}

/** Stores the merged identity and audits it. Call inside the caller's transaction, after checking. */
export function applyEntraFields(store: Store, userId: string, f: EntraFields, actor: string): void {
  if (!hasEntraFields(f)) return;
  const cur = getEntraIdentity(store.db, userId);
  const pick = (v: string | null | undefined, old: string | null | undefined) =>
    v === undefined ? (old ?? null) : v || null;
  const next = {
    tenantId: pick(f.entraTenantId, cur?.tenantId),
    objectId: pick(f.entraObjectId, cur?.objectId),
    upn: pick(f.upn, cur?.upn),
  };
  setEntraIdentity(store.db, userId, next);
  audit(store.db, { actor, action: 'user.entra-identity', target: `user:${userId}`, detail: next });
}
