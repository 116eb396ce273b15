/**
 * IVR script versions and prompt recordings (issue 15). Versions are append-only: saving inserts the
 * next number; nothing updates or deletes one. The caller (the script service) only saves valid texts.
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, max } from 'drizzle-orm';
import { newId } from '../ids';
import type { Db } from '../open';
import {
  type IvrRecordingRow,
  type IvrScriptVersionRow,
  ivrRecordings,
  ivrScripts,
  ivrScriptVersions,
} from '../schema';
import { prepared } from './prepared';

export interface NewScriptVersion {
  readonly scriptId: string;
  readonly source: string;
  readonly author: string;
  readonly note?: string;
  readonly at?: number;
}

/** Inserts the next version of a script (creating the script row on first save), in one transaction. */
export function insertScriptVersion(db: Db, v: NewScriptVersion): IvrScriptVersionRow {
  return db.transaction((tx) => {
    tx.insert(ivrScripts)
      .values({ id: v.scriptId, createdAt: v.at ?? Date.now() })
      .onConflictDoNothing()
      .run();
    const last = tx
      .select({ n: max(ivrScriptVersions.version) })
      .from(ivrScriptVersions)
      .where(eq(ivrScriptVersions.scriptId, v.scriptId))
      .get();
    return tx
      .insert(ivrScriptVersions)
      .values({
        id: newId(),
        scriptId: v.scriptId,
        version: (last?.n ?? 0) + 1,
        source: v.source,
        hash: createHash('sha256').update(v.source).digest('hex'),
        author: v.author,
        note: v.note ?? '',
        createdAt: v.at ?? Date.now(),
      })
      .returning()
      .get();
  });
}

/** Newest first. */
export function listScriptVersions(db: Db, scriptId: string): IvrScriptVersionRow[] {
  return db
    .select()
    .from(ivrScriptVersions)
    .where(eq(ivrScriptVersions.scriptId, scriptId))
    .orderBy(desc(ivrScriptVersions.version))
    .all();
}

const NEWEST_VERSION = 'SELECT max(version) AS n FROM ivr_script_versions WHERE script_id = ?';

/** Only the number of the newest version (a cheap check on every call). */
export function newestScriptVersionNumber(db: Db, scriptId: string): number | undefined {
  // Prepared once per connection: asked on every call (issue 20 hot path).
  const r = prepared<[string], { n: number | null }>(db.$client, NEWEST_VERSION).get(scriptId);
  return r?.n ?? undefined;
}

export function latestScriptVersion(db: Db, scriptId: string): IvrScriptVersionRow | undefined {
  return listScriptVersions(db, scriptId)[0];
}

export function getScriptVersion(db: Db, scriptId: string, version: number): IvrScriptVersionRow | undefined {
  return db
    .select()
    .from(ivrScriptVersions)
    .where(and(eq(ivrScriptVersions.scriptId, scriptId), eq(ivrScriptVersions.version, version)))
    .get();
}

/** The first version with this text (what an attempt's `script_hash` points at). */
export function findScriptVersionByHash(db: Db, scriptId: string, hash: string): IvrScriptVersionRow | undefined {
  return db
    .select()
    .from(ivrScriptVersions)
    .where(and(eq(ivrScriptVersions.scriptId, scriptId), eq(ivrScriptVersions.hash, hash)))
    .orderBy(asc(ivrScriptVersions.version))
    .get();
}

export function listScriptIdsInDb(db: Db): string[] {
  return db
    .select({ id: ivrScripts.id })
    .from(ivrScripts)
    .orderBy(asc(ivrScripts.id))
    .all()
    .map((r) => r.id);
}

export interface NewRecording {
  readonly scriptId: string;
  readonly promptKey: string;
  readonly language: string;
  readonly wav: Buffer;
  readonly durationMs: number;
  readonly originalName: string;
  readonly uploadedBy: string;
  readonly at?: number;
}

/** Stores (or replaces) the recording of one prompt in one language. */
export function putRecording(db: Db, r: NewRecording): IvrRecordingRow {
  const row = {
    scriptId: r.scriptId,
    promptKey: r.promptKey,
    language: r.language,
    wav: r.wav,
    hash: createHash('sha256').update(r.wav).digest('hex'),
    durationMs: r.durationMs,
    originalName: r.originalName,
    uploadedBy: r.uploadedBy,
    uploadedAt: r.at ?? Date.now(),
  };
  return db.transaction((tx) => {
    tx.insert(ivrScripts).values({ id: r.scriptId, createdAt: row.uploadedAt }).onConflictDoNothing().run();
    return tx
      .insert(ivrRecordings)
      .values(row)
      .onConflictDoUpdate({
        target: [ivrRecordings.scriptId, ivrRecordings.promptKey, ivrRecordings.language],
        set: row,
      })
      .returning()
      .get();
  });
}

export function getRecording(
  db: Db,
  scriptId: string,
  promptKey: string,
  language: string,
): IvrRecordingRow | undefined {
  return db
    .select()
    .from(ivrRecordings)
    .where(
      and(
        eq(ivrRecordings.scriptId, scriptId),
        eq(ivrRecordings.promptKey, promptKey),
        eq(ivrRecordings.language, language),
      ),
    )
    .get();
}

/** Without the audio bytes. */
export function listRecordings(db: Db, scriptId: string): Omit<IvrRecordingRow, 'wav'>[] {
  return db
    .select({
      scriptId: ivrRecordings.scriptId,
      promptKey: ivrRecordings.promptKey,
      language: ivrRecordings.language,
      hash: ivrRecordings.hash,
      durationMs: ivrRecordings.durationMs,
      originalName: ivrRecordings.originalName,
      uploadedBy: ivrRecordings.uploadedBy,
      uploadedAt: ivrRecordings.uploadedAt,
    })
    .from(ivrRecordings)
    .where(eq(ivrRecordings.scriptId, scriptId))
    .orderBy(asc(ivrRecordings.promptKey), asc(ivrRecordings.language))
    .all();
}

export function deleteRecording(db: Db, scriptId: string, promptKey: string, language: string): boolean {
  const r = db
    .delete(ivrRecordings)
    .where(
      and(
        eq(ivrRecordings.scriptId, scriptId),
        eq(ivrRecordings.promptKey, promptKey),
        eq(ivrRecordings.language, language),
      ),
    )
    .run();
  return r.changes > 0;
}
