/**
 * Attempts and their event trace. Every state change is one transaction: the row update and the
 * `state` event commit together or not at all, so the trace and the row never disagree.
 */

import type Database from 'better-sqlite3';
import { and, desc, eq, gte, lt, ne, type SQL, sql } from 'drizzle-orm';
import {
  type AttemptPurpose,
  type AttemptState,
  type AttemptTransition,
  canTransition,
} from '../../domain/attempt-state';
import type { CallOutcome } from '../../domain/call-outcomes';
import { redactSipText } from '../../redact';
import type { TraceEvent } from '../../telephony/port';
import { InvalidTransitionError, NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Db } from '../open';
import { type AttemptEventRow, type AttemptRow, attemptEvents, attempts } from '../schema';
import { type EventInput, insertAttemptEventAt, nextAttemptEventSeq } from './attempt-event-sql';
import { columnNames, immediate, prepared, rowMapper, selectList } from './prepared';

/** An attempt as read from the store: `ended` always carries an outcome and an end time. */
export type Attempt = Omit<AttemptRow, 'state' | 'outcome' | 'endedAt'> &
  (
    | { readonly state: Exclude<AttemptState, 'ended'>; readonly outcome: null; readonly endedAt: null }
    | { readonly state: 'ended'; readonly outcome: CallOutcome; readonly endedAt: number }
  );

/** A raw row (selected with `selectList`) as drizzle gives it: `methodChosen` 0/1 → false/true. */
const fromDriver = rowMapper<AttemptRow>(attempts);

/** A raw attempts row (selected with `selectList`) as an `Attempt`. */
function toAttempt(raw: AttemptRow): Attempt {
  const row = fromDriver(raw);
  if (row.state === 'ended') {
    if (row.outcome === null || row.endedAt === null) throw new Error(`attempt ${row.id} ended without outcome`);
    return { ...row, state: 'ended', outcome: row.outcome, endedAt: row.endedAt };
  }
  return { ...row, state: row.state, outcome: null, endedAt: null };
}

export interface NewAttempt {
  readonly purpose: AttemptPurpose;
  readonly userId?: string | null;
  readonly phoneMethodId?: string | null;
  /** E.164 number or SIP URI as requested. */
  readonly destination?: string | null;
  readonly policyDecisionId?: string | null;
  /** The caller chose this phone (`methodId`), or it retries such an attempt: never another phone. */
  readonly methodChosen?: boolean;
  /** Record an attempt that never dials (policy denial, rate limit): created already ended. */
  readonly endedWith?: { readonly outcome: CallOutcome; readonly reasonCode?: string };
  readonly id?: string;
  readonly at?: number;
}

const COLUMNS = columnNames(attempts);
const SELECT_ATTEMPT = selectList(attempts);
const INSERT_ATTEMPT = `INSERT INTO attempts (id, purpose, user_id, phone_method_id, destination, policy_decision_id, state,
  outcome, reason_code, queued_at, ended_at, updated_at, method_chosen)
  VALUES (@id, @purpose, @userId, @phoneMethodId, @destination, @policyDecisionId, @state, @outcome, @reasonCode,
  @queuedAt, @endedAt, @updatedAt, @methodChosen) RETURNING ${SELECT_ATTEMPT}`;
const GET_ATTEMPT = `SELECT ${SELECT_ATTEMPT} FROM attempts WHERE id = ?`;
const GET_STATE = 'SELECT state FROM attempts WHERE id = ?';

/** Appends an event to the attempt's trace after what is stored. Inside the caller's transaction. */
function insertEventNow(sqlite: Database.Database, attemptId: string, e: EventInput): void {
  insertAttemptEventAt(sqlite, attemptId, nextAttemptEventSeq(sqlite, attemptId), e);
}

/** `UPDATE attempts SET <the keys of set> WHERE id = @id RETURNING <row>`; one statement per set of keys. */
function updateAttemptRow(
  sqlite: Database.Database,
  id: string,
  set: Record<string, string | number | null>,
): AttemptRow | undefined {
  const keys = Object.keys(set);
  const sql = `UPDATE attempts SET ${keys.map((k) => `"${COLUMNS[k]}" = @${k}`).join(', ')} WHERE id = @id RETURNING ${SELECT_ATTEMPT}`;
  return prepared<[Record<string, unknown>], AttemptRow>(sqlite, sql).get({ ...set, id });
}

export function createAttempt(db: Db, input: NewAttempt): Attempt {
  const at = input.at ?? Date.now();
  const sqlite = db.$client;
  return immediate(sqlite, () => {
    const row = prepared<[Record<string, unknown>], AttemptRow>(sqlite, INSERT_ATTEMPT).get({
      id: input.id ?? newId(),
      purpose: input.purpose,
      userId: input.userId ?? null,
      phoneMethodId: input.phoneMethodId ?? null,
      destination: input.destination ?? null,
      policyDecisionId: input.policyDecisionId ?? null,
      state: input.endedWith ? 'ended' : 'queued',
      outcome: input.endedWith?.outcome ?? null,
      reasonCode: input.endedWith?.reasonCode ?? null,
      queuedAt: at,
      endedAt: input.endedWith ? at : null,
      updatedAt: at,
      methodChosen: input.methodChosen ? 1 : 0,
    })!;
    insertEventNow(sqlite, row.id, {
      at,
      kind: 'state',
      summary: input.endedWith
        ? `state → ended (${input.endedWith.outcome}${input.endedWith.reasonCode ? `: ${input.endedWith.reasonCode}` : ''})`
        : 'state → queued',
      data: { state: row.state, outcome: row.outcome, reasonCode: row.reasonCode },
    });
    return toAttempt(row);
  });
}

export function getAttempt(db: Db, id: string): Attempt | undefined {
  const row = prepared<[string], AttemptRow>(db.$client, GET_ATTEMPT).get(id);
  return row ? toAttempt(row) : undefined;
}

export function requireAttempt(db: Db, id: string): Attempt {
  const a = getAttempt(db, id);
  if (!a) throw new NotFoundError('attempt', id);
  return a;
}

/** Moves an attempt to a new state with its details, and appends the `state` event, in one transaction. */
export function transitionAttempt(db: Db, id: string, t: AttemptTransition): Attempt {
  const at = t.at ?? Date.now();
  const sqlite = db.$client;
  return immediate(sqlite, () => {
    const current = prepared<[string], { state: AttemptState }>(sqlite, GET_STATE).get(id);
    if (!current) throw new NotFoundError('attempt', id);
    if (!canTransition(current.state, t.to)) throw new InvalidTransitionError(id, current.state, t.to);
    const set: Record<string, string | number | null> = { state: t.to, updatedAt: at };
    let detail = '';
    switch (t.to) {
      case 'dialling':
        Object.assign(set, { dialledAt: at, dialledTarget: t.dialledTarget, backend: t.backend });
        detail = t.dialledTarget;
        break;
      case 'ringing':
        Object.assign(set, { ringingAt: at });
        if (t.sipStatus !== undefined) set.sipStatus = t.sipStatus;
        if (t.callId !== undefined) set.callId = t.callId;
        detail = t.sipStatus ? String(t.sipStatus) : '';
        break;
      case 'answered':
        set.answeredAt = at;
        if (t.callId !== undefined) set.callId = t.callId;
        if (t.sipStatus !== undefined) set.sipStatus = t.sipStatus;
        break;
      case 'in-script':
        Object.assign(set, { scriptStartedAt: at, scriptId: t.scriptId, scriptHash: t.scriptHash });
        detail = t.scriptId;
        break;
      case 'listening':
        break;
      case 'ended':
        Object.assign(set, { endedAt: at, outcome: t.outcome });
        for (const k of [
          'sipStatus',
          'sipReason',
          'reasonCode',
          'digitsSent',
          'digitsReceived',
          'dtmfSource',
          'callId',
        ] as const) {
          if (t[k] !== undefined) set[k] = t[k] ?? null;
        }
        detail = [t.outcome, t.sipStatus, t.reasonCode].filter((x) => x !== undefined).join(' ');
        break;
    }
    const row = updateAttemptRow(sqlite, id, set);
    if (!row) throw new NotFoundError('attempt', id);
    insertEventNow(sqlite, id, {
      at,
      kind: 'state',
      summary: `state → ${t.to}${detail ? ` (${detail})` : ''}`,
      data: { ...t, at, from: current.state },
    });
    return toAttempt(row);
  });
}

/** Sets call details that do not change the state (e.g. the Call-ID once known, digits sent). */
export function updateAttemptDetails(
  db: Db,
  id: string,
  patch: Partial<Pick<AttemptRow, 'callId' | 'digitsSent' | 'digitsReceived' | 'dtmfSource' | 'dialledTarget'>>,
  at = Date.now(),
): void {
  const r = db
    .update(attempts)
    .set({ ...patch, updatedAt: at })
    .where(eq(attempts.id, id))
    .run();
  if (r.changes === 0) throw new NotFoundError('attempt', id);
}

export type { EventInput };

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

function insertEvent(tx: Tx | Db, attemptId: string, e: EventInput): AttemptEventRow {
  const next = tx
    .select({ n: sql<number>`coalesce(max(${attemptEvents.seq}), 0) + 1` })
    .from(attemptEvents)
    .where(eq(attemptEvents.attemptId, attemptId))
    .get();
  return tx
    .insert(attemptEvents)
    .values({
      attemptId,
      seq: next?.n ?? 1,
      at: e.at,
      kind: e.kind,
      summary: e.summary,
      raw: e.raw == null ? null : redactSipText(e.raw),
      data: e.data ?? null,
    })
    .returning()
    .get();
}

/** Appends one event (a trace event from the backend, or a custom one) to the attempt's ordered trace. */
export function appendAttemptEvent(db: Db, attemptId: string, event: TraceEvent | EventInput): AttemptEventRow {
  const input =
    'summary' in event && !('direction' in event) ? (event as EventInput) : traceToEvent(event as TraceEvent);
  return db.transaction((tx) => insertEvent(tx, attemptId, input));
}

export function traceToEvent(e: TraceEvent): EventInput {
  switch (e.kind) {
    case 'sip': {
      const { raw, ...data } = e;
      return { at: e.at, kind: 'sip', summary: `${e.direction === 'out' ? '→' : '←'} ${e.summary}`, raw, data };
    }
    case 'dtmf':
      return { at: e.at, kind: 'dtmf', summary: `DTMF ${e.digit} ${e.direction} (${e.source})`, data: { ...e } };
    case 'prompt':
      return { at: e.at, kind: 'prompt', summary: `prompt ${e.phase}: ${e.prompt}`, data: { ...e } };
    case 'media':
      return { at: e.at, kind: 'media', summary: e.summary, data: { ...e } };
    case 'state':
      return { at: e.at, kind: 'state', summary: `call ${e.state}${e.detail ? ` (${e.detail})` : ''}`, data: { ...e } };
    case 'note':
      return { at: e.at, kind: 'note', summary: `${e.level}: ${e.message}`, data: { ...e } };
  }
}

export function listAttemptEvents(db: Db, attemptId: string, options: { afterSeq?: number } = {}): AttemptEventRow[] {
  return db
    .select()
    .from(attemptEvents)
    .where(
      and(
        eq(attemptEvents.attemptId, attemptId),
        options.afterSeq ? sql`${attemptEvents.seq} > ${options.afterSeq}` : undefined,
      ),
    )
    .orderBy(attemptEvents.seq)
    .all();
}

export interface AttemptFilter {
  readonly userId?: string;
  readonly outcome?: CallOutcome;
  readonly state?: AttemptState;
  readonly purpose?: AttemptPurpose;
  readonly since?: number;
  readonly limit?: number;
  readonly offset?: number;
}

export function listAttempts(db: Db, f: AttemptFilter = {}): Attempt[] {
  const conds: SQL[] = [];
  if (f.userId) conds.push(eq(attempts.userId, f.userId));
  if (f.outcome) conds.push(eq(attempts.outcome, f.outcome));
  if (f.state) conds.push(eq(attempts.state, f.state));
  if (f.purpose) conds.push(eq(attempts.purpose, f.purpose));
  if (f.since !== undefined) conds.push(gte(attempts.queuedAt, f.since));
  return db
    .select()
    .from(attempts)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(attempts.queuedAt))
    .limit(f.limit ?? 100)
    .offset(f.offset ?? 0)
    .all()
    .map(toAttempt);
}

/**
 * Crash recovery at start-up: attempts a previous process left unfinished are ended as `interrupted`
 * (with a state event each), so nothing stays "in progress" forever. Returns how many were ended.
 */
export function endUnfinishedAttempts(db: Db, at = Date.now()): number {
  return db.transaction((tx) => {
    const open = tx
      .select({ id: attempts.id, state: attempts.state })
      .from(attempts)
      .where(ne(attempts.state, 'ended'))
      .all();
    for (const a of open) {
      tx.update(attempts)
        .set({ state: 'ended', outcome: 'interrupted', reasonCode: 'process-restart', endedAt: at, updatedAt: at })
        .where(eq(attempts.id, a.id))
        .run();
      insertEvent(tx, a.id, {
        at,
        kind: 'state',
        summary: 'state → ended (interrupted: process-restart)',
        data: { to: 'ended', from: a.state, outcome: 'interrupted', reasonCode: 'process-restart' },
      });
    }
    return open.length;
  });
}

/** Retention: deletes trace events of attempts that ended before `before`. Attempts themselves stay. */
export function purgeAttemptEvents(db: Db, before: number): number {
  const old = db.select({ id: attempts.id }).from(attempts).where(lt(attempts.endedAt, before));
  return db.delete(attemptEvents).where(sql`${attemptEvents.attemptId} IN ${old}`).run().changes;
}

/** Attempts currently between queued and ended (for concurrency accounting and the dashboard). */
export function countActiveAttempts(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(attempts).where(ne(attempts.state, 'ended')).get()?.n ?? 0;
}
