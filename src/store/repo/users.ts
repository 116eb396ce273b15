/** Users: who can enroll phones. Usernames are unique (case-sensitive as the IdP sends them). */
import { asc, eq, sql } from 'drizzle-orm';
import { normaliseUsername } from '../../domain/identity-text';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Db } from '../open';
import { type UserRow, users } from '../schema';
import { prepared, rowMapper, selectList } from './prepared';

export interface NewUser {
  readonly username: string;
  readonly displayName?: string;
  readonly language?: string;
}

export function createUser(db: Db, input: NewUser, at = Date.now()): UserRow {
  return db
    .insert(users)
    .values({
      id: newId(),
      username: input.username,
      displayName: input.displayName ?? '',
      language: input.language ?? 'sv-SE',
      createdAt: at,
      updatedAt: at,
    })
    .returning()
    .get();
}

// Prepared once per connection: every verification reads its user (issue 20 hot path).
const GET_USER = `SELECT ${selectList(users)} FROM users WHERE id = ?`;
const toUser = rowMapper<UserRow>(users);

export function getUser(db: Db, id: string): UserRow | undefined {
  const row = prepared<[string], Record<string, unknown>>(db.$client, GET_USER).get(id);
  return row ? toUser(row) : undefined;
}

export function requireUser(db: Db, id: string): UserRow {
  const user = getUser(db, id);
  if (!user) throw new NotFoundError('user', id);
  return user;
}

/** By username as typed: NFKC-normalised like stored usernames, so full-width or ligature forms still match. */
const GET_BY_USERNAME = `SELECT ${selectList(users)} FROM users WHERE username = ?`;

export function getUserByUsername(db: Db, username: string): UserRow | undefined {
  const row = prepared<[string], Record<string, unknown>>(db.$client, GET_BY_USERNAME).get(normaliseUsername(username));
  return row ? toUser(row) : undefined;
}

/** `%`, `_` and the escape character itself taken literally in a LIKE pattern (ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function listUsers(db: Db, options: { usernameLike?: string; limit?: number; offset?: number } = {}): UserRow[] {
  const q = db.select().from(users);
  // A search for "a_b" or "100%" finds those characters, not any character / everything.
  const pattern = options.usernameLike ? `%${escapeLike(normaliseUsername(options.usernameLike))}%` : undefined;
  const filtered = pattern ? q.where(sql`${users.username} LIKE ${pattern} ESCAPE '\\'`) : q;
  return filtered
    .orderBy(asc(users.username))
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0)
    .all();
}

export type UserPatch = Partial<
  Pick<UserRow, 'displayName' | 'language' | 'blockedUntil' | 'blockReason' | 'email' | 'reregisterRequestedAt'>
>;

export function updateUser(db: Db, id: string, patch: UserPatch, at = Date.now()): UserRow {
  const row = db
    .update(users)
    .set({ ...patch, updatedAt: at })
    .where(eq(users.id, id))
    .returning()
    .get();
  if (!row) throw new NotFoundError('user', id);
  return row;
}

/** Deletes the user and (by cascade) their methods, app passwords, links and bypasses; attempts keep their history. */
export function deleteUser(db: Db, id: string): boolean {
  return db.delete(users).where(eq(users.id, id)).run().changes > 0;
}

export function isBlocked(user: Pick<UserRow, 'blockedUntil'>, at = Date.now()): boolean {
  return user.blockedUntil !== null && user.blockedUntil > at;
}
