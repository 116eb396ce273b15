/** App passwords: named, listable without the secret, revocable. Only the scrypt hash is stored. */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import { type AppPasswordRow, appPasswords } from '../schema';

export type AppPasswordInfo = Omit<AppPasswordRow, 'hash'>;

function info(row: AppPasswordRow): AppPasswordInfo {
  const { hash: _hash, ...rest } = row;
  return rest;
}

export function insertAppPassword(
  db: Db,
  input: { userId: string; name: string; hash: string },
  at = Date.now(),
): AppPasswordInfo {
  return info(
    db
      .insert(appPasswords)
      .values({ id: newId(), userId: input.userId, name: input.name, hash: input.hash, createdAt: at })
      .returning()
      .get(),
  );
}

export function listAppPasswords(
  db: Db,
  userId: string,
  options: { includeRevoked?: boolean } = {},
): AppPasswordInfo[] {
  return db
    .select()
    .from(appPasswords)
    .where(and(eq(appPasswords.userId, userId), options.includeRevoked ? undefined : isNull(appPasswords.revokedAt)))
    .orderBy(asc(appPasswords.createdAt))
    .all()
    .map(info);
}

/** Active rows with hashes, for the check endpoint only. */
export function activeAppPasswordHashes(db: Db, userId: string): { id: string; hash: string }[] {
  return db
    .select({ id: appPasswords.id, hash: appPasswords.hash })
    .from(appPasswords)
    .where(and(eq(appPasswords.userId, userId), isNull(appPasswords.revokedAt)))
    .all();
}

export function getAppPassword(db: Db, id: string): AppPasswordInfo | undefined {
  const row = db.select().from(appPasswords).where(eq(appPasswords.id, id)).get();
  return row ? info(row) : undefined;
}

export function revokeAppPassword(db: Db, id: string, at = Date.now()): boolean {
  return (
    db
      .update(appPasswords)
      .set({ revokedAt: at })
      .where(and(eq(appPasswords.id, id), isNull(appPasswords.revokedAt)))
      .run().changes > 0
  );
}

export function touchAppPassword(db: Db, id: string, at = Date.now()): void {
  db.update(appPasswords).set({ lastUsedAt: at }).where(eq(appPasswords.id, id)).run();
}
