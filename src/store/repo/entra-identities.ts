/** Users' Entra ID identities (tenant, object id, UPN), for linking EAM sign-ins to fyrkant users. */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../open';
import { type UserEntraIdentityRow, type UserRow, userEntraIdentities, users } from '../schema';

export interface EntraIdentityInput {
  readonly tenantId?: string | null;
  readonly objectId?: string | null;
  readonly upn?: string | null;
}

export function getEntraIdentity(db: Db, userId: string): UserEntraIdentityRow | undefined {
  return db.select().from(userEntraIdentities).where(eq(userEntraIdentities.userId, userId)).get();
}

/** Sets (or with all fields null, removes) a user's Entra identity. Values are stored lower case. */
export function setEntraIdentity(db: Db, userId: string, input: EntraIdentityInput, at = Date.now()): void {
  const row = {
    tenantId: input.tenantId?.toLowerCase() || null,
    objectId: input.objectId?.toLowerCase() || null,
    upn: input.upn?.toLowerCase() || null,
  };
  if (!row.tenantId && !row.objectId && !row.upn) {
    db.delete(userEntraIdentities).where(eq(userEntraIdentities.userId, userId)).run();
    return;
  }
  db.insert(userEntraIdentities)
    .values({ userId, ...row, updatedAt: at })
    .onConflictDoUpdate({ target: userEntraIdentities.userId, set: { ...row, updatedAt: at } })
    .run();
}

/** The user linked to an Entra object id (in that tenant, or with no tenant recorded). */
export function userByObjectId(db: Db, tenantId: string, objectId: string): UserRow | undefined {
  const link = db
    .select()
    .from(userEntraIdentities)
    .where(eq(userEntraIdentities.objectId, objectId.toLowerCase()))
    .get();
  if (!link || (link.tenantId && link.tenantId !== tenantId.toLowerCase())) return undefined;
  return db.select().from(users).where(eq(users.id, link.userId)).get();
}

/** The user whose UPN (or, failing that, username) is this `preferred_username`, case-insensitively. */
export function userByUpn(db: Db, upn: string): UserRow | undefined {
  const lower = upn.toLowerCase();
  const link = db.select().from(userEntraIdentities).where(eq(userEntraIdentities.upn, lower)).get();
  if (link) return db.select().from(users).where(eq(users.id, link.userId)).get();
  const matches = db.select().from(users).where(sql`lower(${users.username}) = ${lower}`).limit(2).all();
  return matches.length === 1 ? matches[0] : undefined;
}

/** Which user already holds this object id or UPN (to refuse linking one identity to two users). */
export function entraIdentityOwner(
  db: Db,
  q: { objectId: string | null; upn: string | null },
): { userId: string; field: 'objectId' | 'upn' } | undefined {
  if (q.objectId) {
    const r = db
      .select()
      .from(userEntraIdentities)
      .where(eq(userEntraIdentities.objectId, q.objectId.toLowerCase()))
      .get();
    if (r) return { userId: r.userId, field: 'objectId' };
  }
  if (q.upn) {
    const r = db.select().from(userEntraIdentities).where(eq(userEntraIdentities.upn, q.upn.toLowerCase())).get();
    if (r) return { userId: r.userId, field: 'upn' };
  }
  return undefined;
}
