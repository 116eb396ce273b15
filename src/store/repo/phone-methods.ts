/** Phone methods: the numbers a user can be called on. At most one per user is the default. */
import { and, eq, ne } from 'drizzle-orm';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Db } from '../open';
import { type PHONE_METHOD_KINDS, type PhoneMethodRow, phoneMethods } from '../schema';
import { prepared, rowMapper, selectList } from './prepared';

export type PhoneMethodKind = (typeof PHONE_METHOD_KINDS)[number];

export interface NewPhoneMethod {
  readonly userId: string;
  readonly kind: PhoneMethodKind;
  readonly country: string;
  readonly e164: string;
  readonly extension?: string | null;
  readonly pinHash?: string | null;
}

export function addPhoneMethod(db: Db, input: NewPhoneMethod, at = Date.now()): PhoneMethodRow {
  return db
    .insert(phoneMethods)
    .values({
      id: newId(),
      userId: input.userId,
      kind: input.kind,
      country: input.country,
      e164: input.e164,
      extension: input.extension ?? null,
      pinHash: input.pinHash ?? null,
      createdAt: at,
      updatedAt: at,
    })
    .returning()
    .get();
}

// Prepared once per connection: every verification reads its phone (issue 20 hot path).
const SELECT_METHOD = `SELECT ${selectList(phoneMethods)} FROM phone_methods`;
const GET_METHOD = `${SELECT_METHOD} WHERE id = ?`;
const LIST_METHODS = `${SELECT_METHOD} WHERE user_id = ? ORDER BY created_at`;
const GET_DEFAULT_METHOD = `${SELECT_METHOD} WHERE user_id = ? AND is_default = 1`;
const toMethod = rowMapper<PhoneMethodRow>(phoneMethods);

function one(db: Db, sql: string, arg: string): PhoneMethodRow | undefined {
  const row = prepared<[string], Record<string, unknown>>(db.$client, sql).get(arg);
  return row ? toMethod(row) : undefined;
}

export function getPhoneMethod(db: Db, id: string): PhoneMethodRow | undefined {
  return one(db, GET_METHOD, id);
}

export function listPhoneMethods(db: Db, userId: string): PhoneMethodRow[] {
  return prepared<[string], Record<string, unknown>>(db.$client, LIST_METHODS).all(userId).map(toMethod);
}

export function getDefaultPhoneMethod(db: Db, userId: string): PhoneMethodRow | undefined {
  return one(db, GET_DEFAULT_METHOD, userId);
}

export type PhoneMethodPatch = Partial<Pick<PhoneMethodRow, 'kind' | 'country' | 'e164' | 'extension' | 'pinHash'>>;

/** Changing the number or extension makes the method unverified again: it must be re-verified by a call. */
export function updatePhoneMethod(db: Db, id: string, patch: PhoneMethodPatch, at = Date.now()): PhoneMethodRow {
  return db.transaction((tx) => {
    const before = tx.select().from(phoneMethods).where(eq(phoneMethods.id, id)).get();
    if (!before) throw new NotFoundError('phone method', id);
    const numberChanged =
      (patch.e164 !== undefined && patch.e164 !== before.e164) ||
      (patch.extension !== undefined && patch.extension !== before.extension);
    return tx
      .update(phoneMethods)
      .set({ ...patch, ...(numberChanged ? { verifiedAt: null } : {}), updatedAt: at })
      .where(eq(phoneMethods.id, id))
      .returning()
      .get();
  });
}

/** Marks a method verified; the user's first verified method becomes the default. One transaction. */
export function markPhoneMethodVerified(db: Db, id: string, at = Date.now()): PhoneMethodRow {
  return db.transaction((tx) => {
    const method = tx.select().from(phoneMethods).where(eq(phoneMethods.id, id)).get();
    if (!method) throw new NotFoundError('phone method', id);
    const hasDefault = tx
      .select({ id: phoneMethods.id })
      .from(phoneMethods)
      .where(and(eq(phoneMethods.userId, method.userId), eq(phoneMethods.isDefault, true)))
      .get();
    return tx
      .update(phoneMethods)
      .set({ verifiedAt: at, updatedAt: at, ...(hasDefault ? {} : { isDefault: true }) })
      .where(eq(phoneMethods.id, id))
      .returning()
      .get();
  });
}

/** Makes `id` the user's only default method. */
export function setDefaultPhoneMethod(db: Db, id: string, at = Date.now()): PhoneMethodRow {
  return db.transaction((tx) => {
    const method = tx.select().from(phoneMethods).where(eq(phoneMethods.id, id)).get();
    if (!method) throw new NotFoundError('phone method', id);
    tx.update(phoneMethods)
      .set({ isDefault: false, updatedAt: at })
      .where(and(eq(phoneMethods.userId, method.userId), ne(phoneMethods.id, id), eq(phoneMethods.isDefault, true)))
      .run();
    return tx
      .update(phoneMethods)
      .set({ isDefault: true, updatedAt: at })
      .where(eq(phoneMethods.id, id))
      .returning()
      .get();
  });
}

export function deletePhoneMethod(db: Db, id: string): boolean {
  return db.delete(phoneMethods).where(eq(phoneMethods.id, id)).run().changes > 0;
}
