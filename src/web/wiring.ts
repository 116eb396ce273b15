/**
 * Builds the UI's `WebServices`: reads straight from the store (users, methods, attempts, traces,
 * app-password names, outcome counts), scripts from the IVR registry, health from the backend, and
 * every operation with rules delegated to the service layer (`WebActions`).
 */
import { readFile } from 'node:fs/promises';
import { and, eq, gte, isNull, ne, sql } from 'drizzle-orm';
import { isCallOutcome } from '../domain/call-outcomes';
import { listCountries } from '../domain/phone/countries';
import { parsePhone } from '../domain/phone/parse';
import type { PromptLibrary } from '../ivr/prompts/library';
import type { ScriptRegistry } from '../ivr/registry';
import { nodeStatus } from '../services/nodes/node-view';
import type { Db } from '../store/open';
import { chainTailId } from '../store/repo/attempt-chain';
import { type Attempt, getAttempt, listAttemptEvents, listAttempts } from '../store/repo/attempts';
import { listNodes } from '../store/repo/nodes';
import { listPhoneMethods } from '../store/repo/phone-methods';
import { getUser, listUsers } from '../store/repo/users';
import { appPasswords, attempts, type PhoneMethodRow, type UserRow } from '../store/schema';
import type { BackendHealth } from '../telephony/port';
import { type CountryChoice, countryOptions } from './country-options';
import { traceFromEventRows } from './ladder/from-store';
import type { NodeView, PhoneMethodView, RadiusOverview, ScriptView, UserView, WebActions, WebServices } from './ports';

export interface WebWiring {
  readonly db: Db;
  readonly actions: WebActions;
  /** ISO country preselected in forms (config's home country). */
  readonly defaultCountry: string;
  readonly health?: () => Promise<BackendHealth | undefined>;
  /** A getter: the registry is loaded when the app starts, after the routes are built. */
  readonly scripts?: () => ScriptRegistry | undefined;
  readonly prompts?: PromptLibrary;
  /** Variables for prompt previews, e.g. `{ company: 'Example AB', extension: '1234' }`. */
  readonly previewVars?: Readonly<Record<string, string>>;
  /** The RADIUS door's status for the admin page. */
  readonly radius?: () => RadiusOverview;
  /** issue 18c: which countries the phone form lists first (or only); unset: all, alphabetical. */
  readonly countryChoice?: CountryChoice;
  /** issue 19: a node silent for longer than this is shown as lost (node.leaseSeconds). */
  readonly nodeLeaseMs?: number;
}

export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    language: u.language,
    blockedUntil: u.blockedUntil,
  };
}

export function phoneMethodView(pm: PhoneMethodRow): PhoneMethodView {
  const parsed = parsePhone(pm.e164);
  return {
    id: pm.id,
    kind: pm.kind,
    country: pm.country,
    e164: pm.e164,
    display: parsed.ok ? parsed.international : pm.e164,
    extension: pm.extension,
    verifiedAt: pm.verifiedAt,
    isDefault: pm.isDefault,
  };
}

const ACTIVE_STATES = ['queued', 'dialling', 'ringing', 'answered', 'in-script', 'listening'] as const;

/** Prompt ids in preview URLs: `<key>~<language>`. */
function promptId(key: string, language: string): string {
  return `${key}~${language}`;
}

const ACTION_NAMES = [
  'verifyAdminKey',
  'redeemEnrollmentLink',
  'createEnrollmentLink',
  'createUser',
  'blockUser',
  'createBypass',
  'addPhoneMethod',
  'updatePhoneMethod',
  'removePhoneMethod',
  'startCall',
  'callAgain',
  'watchAttempt',
  'takeIssuedAppPassword',
  'createAppPassword',
  'revokeAppPassword',
] as const satisfies readonly (keyof WebActions)[];

/** The actions as bound functions (a spread would drop the methods of a class instance). */
function bindActions(actions: WebActions): WebActions {
  const out: Record<string, unknown> = {};
  for (const name of ACTION_NAMES) out[name] = (actions[name] as (...args: unknown[]) => unknown).bind(actions);
  return out as unknown as WebActions;
}

export function createWebServices(w: WebWiring): WebServices {
  const { db } = w;
  return {
    ...bindActions(w.actions),
    defaultCountry: w.defaultCountry,
    ...(w.nodeLeaseMs !== undefined ? { nodes: () => nodeViews(db, w.nodeLeaseMs!) } : {}),
    countries: (lang) => countryOptions(listCountries(lang), w.countryChoice ?? { allowed: [], mode: 'all' }),

    getUser: (id) => {
      const u = getUser(db, id);
      return u ? userView(u) : undefined;
    },
    findUsers: (search, limit) => listUsers(db, { ...(search ? { usernameLike: search } : {}), limit }).map(userView),
    listPhoneMethods: (userId) => listPhoneMethods(db, userId).map(phoneMethodView),

    getAttempt: (id) => getAttempt(db, id),
    latestOfChain: (id) => getAttempt(db, chainTailId(db, id)),
    listAttempts: (f) => {
      const rows = listAttempts(db, {
        limit: f.scriptHash ? 2000 : f.limit,
        ...(f.userId ? { userId: f.userId } : {}),
        ...(f.outcome && isCallOutcome(f.outcome) ? { outcome: f.outcome } : {}),
        ...(f.purpose === 'enrollment' || f.purpose === 'sign-in' || f.purpose === 'test'
          ? { purpose: f.purpose }
          : {}),
        ...(f.since !== undefined ? { since: f.since } : {}),
      });
      return f.scriptHash ? rows.filter((a) => a.scriptHash === f.scriptHash).slice(0, f.limit) : rows;
    },
    attemptTrace: (id) => traceFromEventRows(listAttemptEvents(db, id)),
    activeAttempts: () => {
      const out: Attempt[] = [];
      for (const state of ACTIVE_STATES) out.push(...listAttempts(db, { state, limit: 200 }));
      return out.sort((a, b) => b.queuedAt - a.queuedAt);
    },

    listAppPasswords: (userId) =>
      db
        .select({
          id: appPasswords.id,
          name: appPasswords.name,
          createdAt: appPasswords.createdAt,
          lastUsedAt: appPasswords.lastUsedAt,
        })
        .from(appPasswords)
        .where(and(eq(appPasswords.userId, userId), isNull(appPasswords.revokedAt)))
        .orderBy(appPasswords.createdAt)
        .all(),

    outcomeCounts: (since, bucketMs) => {
      const bucket = sql<number>`(${attempts.endedAt} / ${bucketMs}) * ${bucketMs}`;
      return db
        .select({ bucketStart: bucket, outcome: attempts.outcome, count: sql<number>`count(*)` })
        .from(attempts)
        .where(and(eq(attempts.state, 'ended'), gte(attempts.endedAt, since), ne(attempts.outcome, 'cancelled')))
        .groupBy(bucket, attempts.outcome)
        .all()
        .map((r) => ({ bucketStart: Number(r.bucketStart), outcome: r.outcome ?? 'failed', count: Number(r.count) }));
    },

    health: async () => (w.health ? w.health() : undefined),

    scripts: async () => {
      const registry = w.scripts?.();
      if (!registry) return [];
      return registry.list().map((st): ScriptView => {
        const prompts = st.active
          ? Object.entries(st.active.data.prompts).flatMap(([key, variants]) =>
              Object.entries(variants as Record<string, string>).map(([language, text]) => ({
                id: promptId(key, language),
                name: key,
                language,
                text,
              })),
            )
          : [];
        return {
          id: st.id,
          file: st.file,
          version: st.active?.hash ?? st.latest.hash,
          diagnostics: st.latest.diagnostics.map((d) => ({
            severity: d.severity,
            message: d.path ? `${d.message} [${d.path}]` : d.message,
            ...(d.line > 0 ? { line: d.line, column: d.column } : {}),
          })),
          prompts,
        };
      });
    },

    promptAudio: async (scriptId, id) => {
      const script = w.scripts?.()?.get(scriptId);
      if (!script || !w.prompts) return undefined;
      const [key, language] = id.split('~');
      if (!key || !language || !Object.hasOwn(script.data.prompts, key)) return undefined;
      const vars = { company: 'fyrkant', extension: '1234', ...w.previewVars };
      const audio = await w.prompts.audio(script, language, { kind: 'prompt', key }, vars);
      return readFile(audio.path);
    },

    ...(w.radius ? { radius: w.radius } : {}),
  };
}

/** The node registry for the dashboard (issue 19): stored state, or lost when the heartbeat is stale. */
function nodeViews(db: Db, leaseMs: number): NodeView[] {
  const now = Date.now();
  return listNodes(db).map((r) => ({
    id: r.id,
    status: nodeStatus(r, now, leaseMs),
    activeCalls: r.activeCalls,
    httpUrl: r.httpUrl,
    sipAddress: r.sipAddress,
    startedAt: r.startedAt,
    heartbeatAt: r.heartbeatAt,
  }));
}
