/** API keys: only a hash is stored; the prefix finds the row. */
import { desc, eq } from 'drizzle-orm';
import { type ApiKeyScope, apiKeyMatches, apiKeyPrefix, generateApiKey } from '../../domain/api-keys/key';
import { newId } from '../ids';
import type { Db } from '../open';
import { type ApiKeyRow, apiKeys } from '../schema';
import { prepared, rowMapper, selectList } from './prepared';
import { deleteKeyWebSessions } from './web-sessions';

export interface NewApiKeyInput {
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly webhookUrl?: string | null;
  readonly webhookSecret?: string | null;
}

/** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
export function createApiKey(db: Db, input: NewApiKeyInput, at = Date.now()): { row: ApiKeyRow; key: string } {
  for (let i = 0; ; i++) {
    const k = generateApiKey();
    try {
      const row = db
        .insert(apiKeys)
        .values({
          id: newId(),
          name: input.name,
          prefix: k.prefix,
          hash: k.hash,
          scopes: [...input.scopes],
          webhookUrl: input.webhookUrl ?? null,
          webhookSecret: input.webhookSecret ?? null,
          createdAt: at,
        })
        .returning()
        .get();
      return { row, key: k.key };
    } catch (err) {
      // 36^8 prefixes make a clash very unlikely; retry a few times rather than fail.
      if (i < 5 && err instanceof Error && /UNIQUE/.test(err.message)) continue;
      throw err;
    }
  }
}

/** The active key a presented secret belongs to, or undefined (unknown, malformed or revoked). */
// Prepared once per connection: every API request looks its key up (issue 20 hot path).
const SELECT_KEY = `SELECT ${selectList(apiKeys)} FROM api_keys`;
const KEY_BY_PREFIX = `${SELECT_KEY} WHERE prefix = ?`;
const KEY_BY_ID = `${SELECT_KEY} WHERE id = ?`;
const toKey = rowMapper<ApiKeyRow>(apiKeys);

function oneKey(db: Db, sql: string, arg: string): ApiKeyRow | undefined {
  const row = prepared<[string], Record<string, unknown>>(db.$client, sql).get(arg);
  return row ? toKey(row) : undefined;
}

export function findApiKey(db: Db, presented: string): ApiKeyRow | undefined {
  const prefix = apiKeyPrefix(presented);
  if (!prefix) return undefined;
  const row = oneKey(db, KEY_BY_PREFIX, prefix);
  if (!row || row.revokedAt !== null || !apiKeyMatches(presented, row.hash)) return undefined;
  return row;
}

export function getApiKey(db: Db, id: string): ApiKeyRow | undefined {
  return oneKey(db, KEY_BY_ID, id);
}

/** Id, name, prefix or full key: whatever an admin types on the command line. */
export function resolveApiKey(db: Db, ref: string): ApiKeyRow | undefined {
  return (
    getApiKey(db, ref) ??
    db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.prefix, apiKeyPrefix(ref) ?? ref))
      .get() ??
    db.select().from(apiKeys).where(eq(apiKeys.name, ref)).get()
  );
}

export function listApiKeys(db: Db): ApiKeyRow[] {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).all();
}

/** Revokes a key and ends the admin browser sessions signed in with it, in one transaction. */
export function revokeApiKey(db: Db, id: string, at = Date.now()): boolean {
  return db.transaction(() => {
    const changed = db.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id)).run().changes > 0;
    if (changed) deleteKeyWebSessions(db, id);
    return changed;
  });
}

export function touchApiKey(db: Db, id: string, at = Date.now()): void {
  db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id)).run();
}

export function setApiKeyWebhook(db: Db, id: string, url: string | null, secret: string | null): void {
  db.update(apiKeys).set({ webhookUrl: url, webhookSecret: secret }).where(eq(apiKeys.id, id)).run();
}
