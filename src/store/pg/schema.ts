/**
 * The PostgreSQL schema (drizzle pg-core): src/store/schema.ts (SQLite) table by table, with the same
 * table, column, index and constraint names. `npm run db:generate:pg` turns changes here into a
 * migration in `db/pg/`; test/store/pg-schema-parity.test.ts fails when the two drift apart.
 *
 * Type mapping (see docs/postgres.md):
 * - ms-since-epoch integers → `bigint` (int8) read as a JS number (`mode: 'number'`; open.ts range-checks);
 * - other integers (counts, SIP status, seq) → `integer`; SQLite's autoincrement ids → `bigint` identity;
 * - SQLite's 0/1 booleans (`mode: 'boolean'`) → `boolean`: drizzle gives the code `true`/`false` on both;
 * - JSON text → `json` (keeps the text as written, unlike jsonb); blob → `bytea`;
 * - enums stay text (the domain validates them, as on SQLite).
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, json, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ATTEMPT_PURPOSES, ATTEMPT_STATES } from '../../domain/attempt-state';
import { CALL_OUTCOMES } from '../../domain/call-outcomes';
import {
  type API_KEY_SCOPES,
  ATTEMPT_EVENT_KINDS,
  EAM_REQUEST_STATUSES,
  MAIL_ITEM_STATUSES,
  NODE_STATES,
  PHONE_METHOD_KINDS,
  WEB_SESSION_KINDS,
  WEB_SIGN_IN_METHODS,
} from '../schema';

/** Now in ms since the epoch, as SQLite's `CAST(unixepoch('subsec') * 1000 AS INTEGER)`. */
const now = sql`(floor(extract(epoch from clock_timestamp()) * 1000)::bigint)`;

/** A time in ms since the epoch. */
const epochMs = (name: string) => bigint(name, { mode: 'number' });

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull().default(''),
    /** BCP 47 tag, e.g. `sv-SE`. */
    language: text('language').notNull().default('sv-SE'),
    /** Set by a fraud report's auto-block or an admin; calls are refused until then. */
    blockedUntil: epochMs('blocked_until'),
    /** Why an admin blocked the user (shown to admins; cleared on unblock). */
    blockReason: text('block_reason'),
    /** Where enrollment e-mails go (bulk enrollment links); optional. */
    email: text('email'),
    /** Set when an admin required re-registration or reset the methods; shown until a method is verified. */
    reregisterRequestedAt: epochMs('reregister_requested_at'),
    createdAt: epochMs('created_at').notNull().default(now),
    updatedAt: epochMs('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('users_username_uq').on(t.username)],
);

export const phoneMethods = pgTable(
  'phone_methods',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: PHONE_METHOD_KINDS }).notNull(),
    /** ISO 3166-1 alpha-2 region the number was entered for. */
    country: text('country').notNull(),
    e164: text('e164').notNull(),
    /** Digits, `*`, `#`, `,` and `w` (see domain/phone/extension). */
    extension: text('extension'),
    verifiedAt: epochMs('verified_at'),
    isDefault: boolean('is_default').notNull().default(false),
    /** scrypt hash of the PIN for PIN mode; null = press-# mode. */
    pinHash: text('pin_hash'),
    createdAt: epochMs('created_at').notNull().default(now),
    updatedAt: epochMs('updated_at').notNull().default(now),
  },
  (t) => [index('phone_methods_user_idx').on(t.userId)],
);

export const attempts = pgTable(
  'attempts',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    phoneMethodId: text('phone_method_id').references(() => phoneMethods.id, { onDelete: 'set null' }),
    purpose: text('purpose', { enum: ATTEMPT_PURPOSES }).notNull(),
    state: text('state', { enum: ATTEMPT_STATES }).notNull().default('queued'),
    outcome: text('outcome', { enum: CALL_OUTCOMES }),
    /** Machine-readable detail of the outcome, e.g. a policy reason code or `sip-486`. */
    reasonCode: text('reason_code'),
    sipStatus: integer('sip_status'),
    sipReason: text('sip_reason'),
    /** E.164 or SIP URI as entered / resolved, before the dial plan. */
    destination: text('destination'),
    /** The Request-URI that went on the wire. */
    dialledTarget: text('dialled_target'),
    /** Extension digits sent after answer. */
    digitsSent: text('digits_sent'),
    /** DTMF the callee pressed (as collected by the script). */
    digitsReceived: text('digits_received'),
    dtmfSource: text('dtmf_source'),
    scriptId: text('script_id'),
    scriptHash: text('script_hash'),
    backend: text('backend'),
    callId: text('call_id'),
    policyDecisionId: text('policy_decision_id'),
    queuedAt: epochMs('queued_at').notNull().default(now),
    dialledAt: epochMs('dialled_at'),
    ringingAt: epochMs('ringing_at'),
    answeredAt: epochMs('answered_at'),
    scriptStartedAt: epochMs('script_started_at'),
    endedAt: epochMs('ended_at'),
    updatedAt: epochMs('updated_at').notNull().default(now),
    /** Who asked for the attempt: `apikey:<id>`, `cli`, `user:<id>`, `system` (webhooks go to that key). */
    requestedBy: text('requested_by'),
    /** 1 for the first call; retries and backup calls count up along the chain. */
    tryNo: integer('try_no').notNull().default(1),
    /** The attempt this one retries (busy / no answer / unavailable) or backs up. */
    retryOf: text('retry_of'),
    /** Set when a retry is due; cleared (and `nextAttemptId` set) once the retry has been placed. */
    retryDueAt: epochMs('retry_due_at'),
    nextAttemptId: text('next_attempt_id'),
    /** The node (`nodes.id`) that runs this attempt's call; null on rows from before issue 19. */
    ownerNode: text('owner_node'),
    /** The owner's claim lasts until then; its heartbeat extends it. Past it, a survivor ends the attempt. */
    leaseUntil: epochMs('lease_until'),
    /**
     * The caller chose this phone (`methodId`): the chain never goes on to another phone. Stored so
     * a survivor that ends the attempt after a node loss, and the retries of the chain, still know.
     */
    methodChosen: boolean('method_chosen').notNull().default(false),
  },
  (t) => [
    index('attempts_retry_due_idx').on(t.retryDueAt),
    index('attempts_owner_idx').on(t.ownerNode, t.state),
    index('attempts_user_idx').on(t.userId, t.queuedAt),
    index('attempts_state_idx').on(t.state),
    index('attempts_outcome_idx').on(t.outcome, t.queuedAt),
  ],
);

export const attemptEvents = pgTable(
  'attempt_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    attemptId: text('attempt_id')
      .notNull()
      .references(() => attempts.id, { onDelete: 'cascade' }),
    /** Order within the attempt, 1-based; (attempt_id, seq) is unique. */
    seq: integer('seq').notNull(),
    at: epochMs('at').notNull(),
    kind: text('kind', { enum: ATTEMPT_EVENT_KINDS }).notNull(),
    /** One line: `INVITE sip:…`, `DTMF # (rfc4733)`, `state → ringing`. */
    summary: text('summary').notNull(),
    /** Raw SIP text (secrets redacted) or other long detail. */
    raw: text('raw'),
    /** The event as JSON, for the ladder (direction, peer, source, …). */
    data: json('data').$type<Record<string, unknown>>(),
  },
  (t) => [uniqueIndex('attempt_events_seq_uq').on(t.attemptId, t.seq), index('attempt_events_at_idx').on(t.at)],
);

export const appPasswords = pgTable(
  'app_passwords',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Slow hash only (scrypt); the password itself is shown once and never stored. */
    hash: text('hash').notNull(),
    createdAt: epochMs('created_at').notNull().default(now),
    lastUsedAt: epochMs('last_used_at'),
    revokedAt: epochMs('revoked_at'),
  },
  (t) => [index('app_passwords_user_idx').on(t.userId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** First characters of the key, to recognise it in lists (not enough to use it). */
    prefix: text('prefix').notNull(),
    /** sha256/scrypt hash of the key; the key is shown once. */
    hash: text('hash').notNull(),
    scopes: json('scopes').$type<(typeof API_KEY_SCOPES)[number][]>().notNull(),
    webhookUrl: text('webhook_url'),
    /** HMAC secret for webhook signatures (needed in clear to sign). */
    webhookSecret: text('webhook_secret'),
    createdAt: epochMs('created_at').notNull().default(now),
    lastUsedAt: epochMs('last_used_at'),
    revokedAt: epochMs('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix_uq').on(t.prefix)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    apiKeyId: text('api_key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    attemptId: text('attempt_id').references(() => attempts.id, { onDelete: 'set null' }),
    url: text('url').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    tries: integer('tries').notNull().default(0),
    lastHttpStatus: integer('last_http_status'),
    lastError: text('last_error'),
    nextTryAt: epochMs('next_try_at'),
    createdAt: epochMs('created_at').notNull().default(now),
    deliveredAt: epochMs('delivered_at'),
  },
  (t) => [index('webhook_deliveries_due_idx').on(t.status, t.nextTryAt)],
);

export const fraudReports = pgTable(
  'fraud_reports',
  {
    id: text('id').primaryKey(),
    attemptId: text('attempt_id').references(() => attempts.id, { onDelete: 'set null' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The DTMF that reported it, e.g. `0#`. */
    digits: text('digits'),
    /** Whether the user got auto-blocked by this report, and until when. */
    blockedUntil: epochMs('blocked_until'),
    reportedAt: epochMs('reported_at').notNull().default(now),
    reviewedAt: epochMs('reviewed_at'),
    note: text('note'),
    /** An admin's review: real fraud (the block stays) or a mistake (the user is unblocked). */
    verdict: text('verdict', { enum: ['confirmed', 'dismissed'] }),
    reviewedBy: text('reviewed_by'),
  },
  (t) => [index('fraud_reports_user_idx').on(t.userId)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: epochMs('at').notNull().default(now),
    /** `apikey:<id>`, `user:<id>`, `cli`, `system`. */
    actor: text('actor').notNull(),
    /** Dotted verb, e.g. `user.create`, `phone-method.verify`, `apikey.revoke`. */
    action: text('action').notNull(),
    target: text('target'),
    detail: json('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.target)],
);

export const enrollmentLinks = pgTable(
  'enrollment_links',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Hash of the link's token; the token is only in the URL. */
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: epochMs('created_at').notNull().default(now),
    expiresAt: epochMs('expires_at').notNull(),
    usedAt: epochMs('used_at'),
  },
  (t) => [uniqueIndex('enrollment_links_token_uq').on(t.tokenHash)],
);

export const bypasses = pgTable(
  'bypasses',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').notNull(),
    reason: text('reason'),
    createdAt: epochMs('created_at').notNull().default(now),
    expiresAt: epochMs('expires_at').notNull(),
    usedAt: epochMs('used_at'),
  },
  (t) => [index('bypasses_user_idx').on(t.userId, t.expiresAt)],
);

/**
 * Entra ID identity of a user (External Authentication Method door): linked by tenant + object id,
 * or by UPN when the admin allows that fallback. Optional; set by CSV import or the API.
 */
export const userEntraIdentities = pgTable(
  'user_entra_identities',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Entra tenant id (GUID, lower case); null = any allowed tenant. */
    tenantId: text('tenant_id'),
    /** Entra object id (`oid`, GUID, lower case). */
    objectId: text('object_id'),
    /** User principal name, lower case (matched against `preferred_username`). */
    upn: text('upn'),
    updatedAt: epochMs('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('user_entra_object_uq').on(t.objectId), uniqueIndex('user_entra_upn_uq').on(t.upn)],
);

/** The OpenID provider's signing keys (RS256). The private key is encrypted at rest (AES-256-GCM). */
export const oidcSigningKeys = pgTable('oidc_signing_keys', {
  kid: text('kid').primaryKey(),
  /** Public JWK (JSON) with x5c. */
  publicJwk: text('public_jwk').notNull(),
  /** PKCS#8 private key, encrypted: `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  privateKeyEnc: text('private_key_enc').notNull(),
  createdAt: epochMs('created_at').notNull(),
  /** Published from creation; used for signing from this time on (rollover delay). */
  signingFrom: epochMs('signing_from').notNull(),
  /** Removed from the JWKS from this time on. */
  retiredAt: epochMs('retired_at'),
});

/**
 * One Entra EAM sign-in: the validated authorization request, the user it was linked to, the call
 * attempt(s) and the result. `(client_id, nonce)` and `(client_id, state)` are unique: a replayed
 * request is refused before anything is called.
 */
export const eamRequests = pgTable(
  'eam_requests',
  {
    id: text('id').primaryKey(),
    /** Hash of the browser-binding cookie's secret. */
    browserHash: text('browser_hash').notNull(),
    clientId: text('client_id').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    state: text('state').notNull(),
    nonce: text('nonce').notNull(),
    hintSub: text('hint_sub').notNull(),
    tenantId: text('tenant_id').notNull(),
    objectId: text('object_id').notNull(),
    preferredUsername: text('preferred_username'),
    clientRequestId: text('client_request_id'),
    /** The acr the id_token will carry (one the request asked for). */
    acr: text('acr').notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** The call attempt currently followed (a retry/backup call continues it under a new id). */
    attemptId: text('attempt_id'),
    calls: integer('calls').notNull().default(0),
    lang: text('lang').notNull(),
    status: text('status', { enum: EAM_REQUEST_STATUSES }).notNull().default('calling'),
    /** `access_denied` etc. and a plain description (ASCII) for Entra. */
    error: text('error'),
    errorDescription: text('error_description'),
    createdAt: epochMs('created_at').notNull(),
    expiresAt: epochMs('expires_at').notNull(),
    finishedAt: epochMs('finished_at'),
    answeredAt: epochMs('answered_at'),
  },
  (t) => [
    uniqueIndex('eam_requests_nonce_uq').on(t.clientId, t.nonce),
    uniqueIndex('eam_requests_state_uq').on(t.clientId, t.state),
    index('eam_requests_attempt_idx').on(t.attemptId),
  ],
);

/**
 * Web UI sessions (issue 18a), kept so a restart does not sign anyone out. The cookie holds a random
 * token signed with `http.sessionSecret`; the row is keyed by the token's SHA-256, never the token.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    /** Hex SHA-256 of the session token. */
    tokenHash: text('token_hash').primaryKey(),
    kind: text('kind', { enum: WEB_SESSION_KINDS }).notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** Admin sessions: the API key's id and name (for the audit log), never the key. */
    keyId: text('key_id'),
    keyName: text('key_name'),
    method: text('method', { enum: WEB_SIGN_IN_METHODS }).notNull(),
    enrolling: boolean('enrolling').notNull().default(false),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: epochMs('created_at').notNull(),
    lastSeenAt: epochMs('last_seen_at').notNull(),
  },
  (t) => [index('web_sessions_user_idx').on(t.userId), index('web_sessions_seen_idx').on(t.lastSeenAt)],
);

/** A bulk send of enrollment e-mails; its items say per user what happened (retryable). */
export const mailBatches = pgTable('mail_batches', {
  id: text('id').primaryKey(),
  createdBy: text('created_by').notNull(),
  createdAt: epochMs('created_at').notNull(),
  finishedAt: epochMs('finished_at'),
});

export const mailBatchItems = pgTable(
  'mail_batch_items',
  {
    id: text('id').primaryKey(),
    batchId: text('batch_id')
      .notNull()
      .references(() => mailBatches.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    username: text('username').notNull(),
    email: text('email'),
    status: text('status', { enum: MAIL_ITEM_STATUSES }).notNull().default('pending'),
    tries: integer('tries').notNull().default(0),
    error: text('error'),
    /** The enrollment link sent (its id; the token is only in the e-mail). */
    linkId: text('link_id'),
    sentAt: epochMs('sent_at'),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [index('mail_batch_items_batch_idx').on(t.batchId, t.status)],
);

// --- issue 15: IVR scripts edited in the browser / over the API ---------------------------------

/** A script known to the database (its id is the file name of the shipped default, e.g. `pin-verify`). */
export const ivrScripts = pgTable('ivr_scripts', {
  id: text('id').primaryKey(),
  createdAt: epochMs('created_at').notNull().default(now),
});

/**
 * Every saved version of a script, never changed after insert. Only valid texts are saved, so the
 * newest version is the one that runs; a rollback saves the old text again as a new version.
 */
export const ivrScriptVersions = pgTable(
  'ivr_script_versions',
  {
    id: text('id').primaryKey(),
    scriptId: text('script_id')
      .notNull()
      .references(() => ivrScripts.id, { onDelete: 'cascade' }),
    /** 1, 2, 3, … per script. */
    version: integer('version').notNull(),
    /** The YAML text as saved. */
    source: text('source').notNull(),
    /** sha256 (hex) of the text: what attempts record as `script_hash`. */
    hash: text('hash').notNull(),
    /** `apikey:<id>`, `admin:<key id>` (web session), `cli`, `file` (shipped default / edit on disk). */
    author: text('author').notNull(),
    note: text('note').notNull().default(''),
    createdAt: epochMs('created_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('ivr_script_versions_uq').on(t.scriptId, t.version),
    index('ivr_script_versions_hash_idx').on(t.hash),
  ],
);

/** An uploaded recording for one prompt in one language, converted once to 8 kHz mono 16-bit WAV. */
export const ivrRecordings = pgTable(
  'ivr_recordings',
  {
    scriptId: text('script_id')
      .notNull()
      .references(() => ivrScripts.id, { onDelete: 'cascade' }),
    promptKey: text('prompt_key').notNull(),
    language: text('language').notNull(),
    /** The converted WAV (at most a few hundred kB: 20 s at 16 kB/s). */
    wav: bytea('wav').notNull(),
    /** sha256 (hex) of `wav`. */
    hash: text('hash').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The name of the uploaded file, for the admin. */
    originalName: text('original_name').notNull().default(''),
    uploadedBy: text('uploaded_by').notNull(),
    uploadedAt: epochMs('uploaded_at').notNull().default(now),
  },
  (t) => [uniqueIndex('ivr_recordings_uq').on(t.scriptId, t.promptKey, t.language)],
);

/**
 * The node registry (issue 19): one row per `fyrkant serve`, kept fresh by its heartbeat. All
 * coordination between nodes (drain requests, call ownership) goes through rows, never memory.
 */
export const nodes = pgTable('nodes', {
  /** Stable across restarts: `node.id`, default hostname:SIP port. */
  id: text('id').primaryKey(),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  /** The node's HTTP URL (its own; a load balancer sits in front). */
  httpUrl: text('http_url'),
  /** The node's SIP address (host:port) — each node signs its own calls. */
  sipAddress: text('sip_address'),
  version: text('version').notNull().default(''),
  state: text('state', { enum: NODE_STATES }).notNull().default('running'),
  startedAt: epochMs('started_at').notNull(),
  heartbeatAt: epochMs('heartbeat_at').notNull(),
  /** Calls (queued or in progress) the node owns, as of its last heartbeat. */
  activeCalls: integer('active_calls').notNull().default(0),
  /** Set by `fyrkant node drain` (or the admin); the node notices on its next heartbeat. */
  drainRequestedAt: epochMs('drain_requested_at'),
  drainRequestedBy: text('drain_requested_by'),
  stoppedAt: epochMs('stopped_at'),
});

/** Policy rate limits shared by every node (issue 19): one row per call let through, for the windows. */
export const rateLimitCalls = pgTable(
  'rate_limit_calls',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: epochMs('at').notNull(),
    /** Null for calls not made for a user (test calls to a typed number). */
    userId: text('user_id'),
    /** The destination as the policy keys it (E.164 or the sip: URI). */
    number: text('number').notNull(),
  },
  (t) => [
    index('rate_limit_calls_at_idx').on(t.at),
    index('rate_limit_calls_user_idx').on(t.userId, t.at),
    index('rate_limit_calls_number_idx').on(t.number, t.at),
  ],
);

/** Concurrent-call slots (issue 19): one row per call in progress, owned by the node that runs it. */
export const rateLimitSlots = pgTable(
  'rate_limit_slots',
  {
    /** The lease id. */
    id: text('id').primaryKey(),
    /** `nodes.id` of the node running the call. */
    nodeId: text('node_id').notNull(),
    acquiredAt: epochMs('acquired_at').notNull(),
  },
  (t) => [index('rate_limit_slots_node_idx').on(t.nodeId)],
);

/** The login throttle's counts shared by every node (issue 19): keyed hashes only, idle rows pruned. */
export const loginThrottlePairs = pgTable(
  'login_throttle_pairs',
  {
    /** HMAC of (source, account). */
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    nextAt: epochMs('next_at').notNull(),
    lastAt: epochMs('last_at').notNull(),
  },
  (t) => [index('login_throttle_pairs_last_idx').on(t.lastAt)],
);

/** One source (address) across accounts: when its next try may run. */
export const loginThrottleSources = pgTable(
  'login_throttle_sources',
  {
    /** HMAC of the source. */
    key: text('key').primaryKey(),
    nextAt: epochMs('next_at').notNull(),
    lastAt: epochMs('last_at').notNull(),
  },
  (t) => [index('login_throttle_sources_last_idx').on(t.lastAt)],
);

/** Accounts a source failed on inside the window (the password-spray count). */
export const loginThrottleFailed = pgTable(
  'login_throttle_failed',
  {
    /** `source_key:account_key`. */
    key: text('key').primaryKey(),
    sourceKey: text('source_key').notNull(),
    /** HMAC of the account: the throttle's name for it in the source's failed set. */
    accountKey: text('account_key').notNull(),
    at: epochMs('at').notNull(),
  },
  (t) => [index('login_throttle_failed_source_idx').on(t.sourceKey), index('login_throttle_failed_at_idx').on(t.at)],
);

/** One-time secrets waiting for their pickup (issue 19), sealed under the nodes' shared key. */
export const oneTimeSecrets = pgTable(
  'one_time_secrets',
  {
    attemptId: text('attempt_id').primaryKey(),
    /** `v1.<iv>.<tag>.<ciphertext>`, base64url; the attempt id is the associated data. */
    sealed: text('sealed').notNull(),
    expiresAt: epochMs('expires_at').notNull(),
  },
  (t) => [index('one_time_secrets_expires_idx').on(t.expiresAt)],
);
