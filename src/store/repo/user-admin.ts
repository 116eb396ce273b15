/** Users as the admin pages list them: each with the counts their registration status comes from. */
import { and, asc, eq, gt, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from '../open';
import { enrollmentLinks, phoneMethods, type UserRow, users } from '../schema';

export interface UserWithFacts {
  readonly user: UserRow;
  readonly methods: number;
  readonly verifiedMethods: number;
  readonly openLinks: number;
}

/**
 * Users matching `search` (username, display name or e-mail, case-insensitive), by username, with
 * their phone and open-link counts. `at` decides which links are still open.
 */
export function listUsersWithFacts(
  db: Db,
  options: { search?: string; ids?: readonly string[]; limit?: number; at?: number } = {},
): UserWithFacts[] {
  const at = options.at ?? Date.now();
  const conds: SQL[] = [];
  if (options.search) {
    const pattern = `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const esc = (col: SQL | AnySQLiteColumn) => sql`${col} LIKE ${pattern} ESCAPE '\\'`;
    conds.push(or(esc(users.username), esc(users.displayName), esc(sql`coalesce(${users.email}, '')`)) as SQL);
  }
  if (options.ids) {
    if (options.ids.length === 0) return [];
    conds.push(sql`${users.id} IN ${options.ids}`);
  }
  const methods = db
    .select({
      userId: phoneMethods.userId,
      n: sql<number>`count(*)`.as('n'),
      verified: sql<number>`sum(case when ${phoneMethods.verifiedAt} is not null then 1 else 0 end)`.as('verified'),
    })
    .from(phoneMethods)
    .groupBy(phoneMethods.userId)
    .as('m');
  const links = db
    .select({ userId: enrollmentLinks.userId, open: sql<number>`count(*)`.as('open') })
    .from(enrollmentLinks)
    .where(and(isNull(enrollmentLinks.usedAt), gt(enrollmentLinks.expiresAt, at)))
    .groupBy(enrollmentLinks.userId)
    .as('l');
  return db
    .select({ user: users, n: methods.n, verified: methods.verified, open: links.open })
    .from(users)
    .leftJoin(methods, eq(methods.userId, users.id))
    .leftJoin(links, eq(links.userId, users.id))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(users.username))
    .limit(options.limit ?? 10_000)
    .all()
    .map((r) => ({
      user: r.user,
      methods: Number(r.n ?? 0),
      verifiedMethods: Number(r.verified ?? 0),
      openLinks: Number(r.open ?? 0),
    }));
}

/** Every phone method of the user becomes unverified and none is the default: the user must verify again. */
export function unverifyPhoneMethods(db: Db, userId: string, at = Date.now()): number {
  return db
    .update(phoneMethods)
    .set({ verifiedAt: null, isDefault: false, updatedAt: at })
    .where(eq(phoneMethods.userId, userId))
    .run().changes;
}

export function deleteAllPhoneMethods(db: Db, userId: string): number {
  return db.delete(phoneMethods).where(eq(phoneMethods.userId, userId)).run().changes;
}

/** Unused links of the user end now (so an old link cannot enroll a phone after a reset). */
export function expireOpenEnrollmentLinks(db: Db, userId: string, at = Date.now()): number {
  return db
    .update(enrollmentLinks)
    .set({ expiresAt: at })
    .where(and(eq(enrollmentLinks.userId, userId), isNull(enrollmentLinks.usedAt), gt(enrollmentLinks.expiresAt, at)))
    .run().changes;
}

/** Ends one link now (a link made for an e-mail that could not be sent). */
export function expireEnrollmentLink(db: Db, linkId: string, at = Date.now()): void {
  db.update(enrollmentLinks)
    .set({ expiresAt: at })
    .where(and(eq(enrollmentLinks.id, linkId), isNull(enrollmentLinks.usedAt)))
    .run();
}
