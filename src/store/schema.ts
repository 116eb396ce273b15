/**
 * The SQLite schema (drizzle). `npm run db:generate` turns changes here into a migration in `db/`.
 *
 * Conventions: ids are text (random UUIDs) so they can be shown and passed around without leaking
 * counts; times are integers in ms since the epoch (the telephony port uses the same); enums are text
 * columns typed through drizzle's `enum` option (SQLite has no enums; the domain validates them).
 */
import { sql } from 'drizzle-orm';
import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ATTEMPT_PURPOSES, ATTEMPT_STATES } from '../domain/attempt-state';
import { CALL_OUTCOMES } from '../domain/call-outcomes';

const now = sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull().default(''),
    /** BCP 47 tag, e.g. `sv-SE`. */
    language: text('language').notNull().default('sv-SE'),
    /** Set by a fraud report's auto-block or an admin; calls are refused until then. */
    blockedUntil: integer('blocked_until'),
    /** Why an admin blocked the user (shown to admins; cleared on unblock). */
    blockReason: text('block_reason'),
    /** Where enrollment e-mails go (bulk enrollment links); optional. */
    email: text('email'),
    /** Set when an admin required re-registration or reset the methods; shown until a method is verified. */
    reregisterRequestedAt: integer('reregister_requested_at'),
    createdAt: integer('created_at').notNull().default(now),
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('users_username_uq').on(t.username)],
);

export const PHONE_METHOD_KINDS = ['office', 'mobile', 'alternate'] as const;

export const phoneMethods = sqliteTable(
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
    verifiedAt: integer('verified_at'),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
    /** scrypt hash of the PIN for PIN mode; null = press-# mode. */
    pinHash: text('pin_hash'),
    createdAt: integer('created_at').notNull().default(now),
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [index('phone_methods_user_idx').on(t.userId)],
);

export const attempts = sqliteTable(
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
    queuedAt: integer('queued_at').notNull().default(now),
    dialledAt: integer('dialled_at'),
    ringingAt: integer('ringing_at'),
    answeredAt: integer('answered_at'),
    scriptStartedAt: integer('script_started_at'),
    endedAt: integer('ended_at'),
    updatedAt: integer('updated_at').notNull().default(now),
    /** Who asked for the attempt: `apikey:<id>`, `cli`, `user:<id>`, `system` (webhooks go to that key). */
    requestedBy: text('requested_by'),
    /** 1 for the first call; retries and backup calls count up along the chain. */
    tryNo: integer('try_no').notNull().default(1),
    /** The attempt this one retries (busy / no answer / unavailable) or backs up. */
    retryOf: text('retry_of'),
    /** Set when a retry is due; cleared (and `nextAttemptId` set) once the retry has been placed. */
    retryDueAt: integer('retry_due_at'),
    nextAttemptId: text('next_attempt_id'),
    /** The node (`nodes.id`) that runs this attempt's call; null on rows from before issue 19. */
    ownerNode: text('owner_node'),
    /** The owner's claim lasts until then; its heartbeat extends it. Past it, a survivor ends the attempt. */
    leaseUntil: integer('lease_until'),
    /**
     * The caller chose this phone (`methodId`): the chain never goes on to another phone. Stored so
     * a survivor that ends the attempt after a node loss, and the retries of the chain, still know.
     */
    methodChosen: integer('method_chosen', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    index('attempts_retry_due_idx').on(t.retryDueAt),
    index('attempts_owner_idx').on(t.ownerNode, t.state),
    index('attempts_user_idx').on(t.userId, t.queuedAt),
    index('attempts_state_idx').on(t.state),
    index('attempts_outcome_idx').on(t.outcome, t.queuedAt),
  ],
);

export const ATTEMPT_EVENT_KINDS = ['sip', 'dtmf', 'prompt', 'media', 'state', 'note', 'script'] as const;

export const attemptEvents = sqliteTable(
  'attempt_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    attemptId: text('attempt_id')
      .notNull()
      .references(() => attempts.id, { onDelete: 'cascade' }),
    /** Order within the attempt, 1-based; (attempt_id, seq) is unique. */
    seq: integer('seq').notNull(),
    at: integer('at').notNull(),
    kind: text('kind', { enum: ATTEMPT_EVENT_KINDS }).notNull(),
    /** One line: `INVITE sip:…`, `DTMF # (rfc4733)`, `state → ringing`. */
    summary: text('summary').notNull(),
    /** Raw SIP text (secrets redacted) or other long detail. */
    raw: text('raw'),
    /** The event as JSON, for the ladder (direction, peer, source, …). */
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [uniqueIndex('attempt_events_seq_uq').on(t.attemptId, t.seq), index('attempt_events_at_idx').on(t.at)],
);

export const appPasswords = sqliteTable(
  'app_passwords',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Slow hash only (scrypt); the password itself is shown once and never stored. */
    hash: text('hash').notNull(),
    createdAt: integer('created_at').notNull().default(now),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('app_passwords_user_idx').on(t.userId)],
);

export const API_KEY_SCOPES = ['admin', 'integration'] as const;

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** First characters of the key, to recognise it in lists (not enough to use it). */
    prefix: text('prefix').notNull(),
    /** sha256/scrypt hash of the key; the key is shown once. */
    hash: text('hash').notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<(typeof API_KEY_SCOPES)[number][]>().notNull(),
    webhookUrl: text('webhook_url'),
    /** HMAC secret for webhook signatures (needed in clear to sign). */
    webhookSecret: text('webhook_secret'),
    createdAt: integer('created_at').notNull().default(now),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix_uq').on(t.prefix)],
);

export const webhookDeliveries = sqliteTable(
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
    nextTryAt: integer('next_try_at'),
    createdAt: integer('created_at').notNull().default(now),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [index('webhook_deliveries_due_idx').on(t.status, t.nextTryAt)],
);

export const fraudReports = sqliteTable(
  'fraud_reports',
  {
    id: text('id').primaryKey(),
    attemptId: text('attempt_id').references(() => attempts.id, { onDelete: 'set null' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The DTMF that reported it, e.g. `0#`. */
    digits: text('digits'),
    /** Whether the user got auto-blocked by this report, and until when. */
    blockedUntil: integer('blocked_until'),
    reportedAt: integer('reported_at').notNull().default(now),
    reviewedAt: integer('reviewed_at'),
    note: text('note'),
    /** An admin's review: real fraud (the block stays) or a mistake (the user is unblocked). */
    verdict: text('verdict', { enum: ['confirmed', 'dismissed'] }),
    reviewedBy: text('reviewed_by'),
  },
  (t) => [index('fraud_reports_user_idx').on(t.userId)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull().default(now),
    /** `apikey:<id>`, `user:<id>`, `cli`, `system`. */
    actor: text('actor').notNull(),
    /** Dotted verb, e.g. `user.create`, `phone-method.verify`, `apikey.revoke`. */
    action: text('action').notNull(),
    target: text('target'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.target)],
);

export const enrollmentLinks = sqliteTable(
  'enrollment_links',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Hash of the link's token; the token is only in the URL. */
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull().default(now),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [uniqueIndex('enrollment_links_token_uq').on(t.tokenHash)],
);

export const bypasses = sqliteTable(
  'bypasses',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdBy: text('created_by').notNull(),
    reason: text('reason'),
    createdAt: integer('created_at').notNull().default(now),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('bypasses_user_idx').on(t.userId, t.expiresAt)],
);

/**
 * Entra ID identity of a user (External Authentication Method door): linked by tenant + object id,
 * or by UPN when the admin allows that fallback. Optional; set by CSV import or the API.
 */
export const userEntraIdentities = sqliteTable(
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
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [uniqueIndex('user_entra_object_uq').on(t.objectId), uniqueIndex('user_entra_upn_uq').on(t.upn)],
);

/** The OpenID provider's signing keys (RS256). The private key is encrypted at rest (AES-256-GCM). */
export const oidcSigningKeys = sqliteTable('oidc_signing_keys', {
  kid: text('kid').primaryKey(),
  /** Public JWK (JSON) with x5c. */
  publicJwk: text('public_jwk').notNull(),
  /** PKCS#8 private key, encrypted: `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  privateKeyEnc: text('private_key_enc').notNull(),
  createdAt: integer('created_at').notNull(),
  /** Published from creation; used for signing from this time on (rollover delay). */
  signingFrom: integer('signing_from').notNull(),
  /** Removed from the JWKS from this time on. */
  retiredAt: integer('retired_at'),
});

export const EAM_REQUEST_STATUSES = ['calling', 'approved', 'denied', 'answered'] as const;

/**
 * One Entra EAM sign-in: the validated authorization request, the user it was linked to, the call
 * attempt(s) and the result. `(client_id, nonce)` and `(client_id, state)` are unique: a replayed
 * request is refused before anything is called.
 */
export const eamRequests = sqliteTable(
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
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    finishedAt: integer('finished_at'),
    answeredAt: integer('answered_at'),
  },
  (t) => [
    uniqueIndex('eam_requests_nonce_uq').on(t.clientId, t.nonce),
    uniqueIndex('eam_requests_state_uq').on(t.clientId, t.state),
    index('eam_requests_attempt_idx').on(t.attemptId),
  ],
);

export const WEB_SESSION_KINDS = ['admin', 'self'] as const;
export const WEB_SIGN_IN_METHODS = ['apikey', 'link', 'oidc', 'ldap'] as const;

/**
 * Web UI sessions (issue 18a), kept so a restart does not sign anyone out. The cookie holds a random
 * token signed with `http.sessionSecret`; the row is keyed by the token's SHA-256, never the token.
 */
export const webSessions = sqliteTable(
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
    enrolling: integer('enrolling', { mode: 'boolean' }).notNull().default(false),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('web_sessions_user_idx').on(t.userId), index('web_sessions_seen_idx').on(t.lastSeenAt)],
);

export const MAIL_ITEM_STATUSES = ['pending', 'sent', 'failed'] as const;

/** A bulk send of enrollment e-mails; its items say per user what happened (retryable). */
export const mailBatches = sqliteTable('mail_batches', {
  id: text('id').primaryKey(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  finishedAt: integer('finished_at'),
});

export const mailBatchItems = sqliteTable(
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
    sentAt: integer('sent_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('mail_batch_items_batch_idx').on(t.batchId, t.status)],
);

export type UserRow = typeof users.$inferSelect;
export type MailBatchRow = typeof mailBatches.$inferSelect;
export type MailBatchItemRow = typeof mailBatchItems.$inferSelect;
export type PhoneMethodRow = typeof phoneMethods.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
export type AttemptEventRow = typeof attemptEvents.$inferSelect;
export type AppPasswordRow = typeof appPasswords.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type FraudReportRow = typeof fraudReports.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type EnrollmentLinkRow = typeof enrollmentLinks.$inferSelect;
export type BypassRow = typeof bypasses.$inferSelect;
export type UserEntraIdentityRow = typeof userEntraIdentities.$inferSelect;
export type OidcSigningKeyRow = typeof oidcSigningKeys.$inferSelect;
export type EamRequestRow = typeof eamRequests.$inferSelect;

// --- issue 15: IVR scripts edited in the browser / over the API ---------------------------------

/** A script known to the database (its id is the file name of the shipped default, e.g. `pin-verify`). */
export const ivrScripts = sqliteTable('ivr_scripts', {
  id: text('id').primaryKey(),
  createdAt: integer('created_at').notNull().default(now),
});

/**
 * Every saved version of a script, never changed after insert. Only valid texts are saved, so the
 * newest version is the one that runs; a rollback saves the old text again as a new version.
 */
export const ivrScriptVersions = sqliteTable(
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
    createdAt: integer('created_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('ivr_script_versions_uq').on(t.scriptId, t.version),
    index('ivr_script_versions_hash_idx').on(t.hash),
  ],
);

/** An uploaded recording for one prompt in one language, converted once to 8 kHz mono 16-bit WAV. */
export const ivrRecordings = sqliteTable(
  'ivr_recordings',
  {
    scriptId: text('script_id')
      .notNull()
      .references(() => ivrScripts.id, { onDelete: 'cascade' }),
    promptKey: text('prompt_key').notNull(),
    language: text('language').notNull(),
    /** The converted WAV (at most a few hundred kB: 20 s at 16 kB/s). */
    wav: blob('wav', { mode: 'buffer' }).notNull(),
    /** sha256 (hex) of `wav`. */
    hash: text('hash').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The name of the uploaded file, for the admin. */
    originalName: text('original_name').notNull().default(''),
    uploadedBy: text('uploaded_by').notNull(),
    uploadedAt: integer('uploaded_at').notNull().default(now),
  },
  (t) => [uniqueIndex('ivr_recordings_uq').on(t.scriptId, t.promptKey, t.language)],
);

export type IvrScriptVersionRow = typeof ivrScriptVersions.$inferSelect;
export type IvrRecordingRow = typeof ivrRecordings.$inferSelect;
export type WebSessionRow = typeof webSessions.$inferSelect;

/** Node states: taking calls, finishing its calls before it stops, stopped cleanly (issue 19). */
export const NODE_STATES = ['running', 'draining', 'stopped'] as const;

/**
 * The node registry (issue 19): one row per `fyrkant serve`, kept fresh by its heartbeat. All
 * coordination between nodes (drain requests, call ownership) goes through rows, never memory.
 */
export const nodes = sqliteTable('nodes', {
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
  startedAt: integer('started_at').notNull(),
  heartbeatAt: integer('heartbeat_at').notNull(),
  /** Calls (queued or in progress) the node owns, as of its last heartbeat. */
  activeCalls: integer('active_calls').notNull().default(0),
  /** Set by `fyrkant node drain` (or the admin); the node notices on its next heartbeat. */
  drainRequestedAt: integer('drain_requested_at'),
  drainRequestedBy: text('drain_requested_by'),
  stoppedAt: integer('stopped_at'),
});

export type NodeRow = typeof nodes.$inferSelect;

/**
 * Policy rate limits shared by every node on this database (issue 19): one row per call the policy
 * let through, for the sliding windows (per user, per number, all calls per minute). Rows older than
 * the longest window are pruned by the ledger (src/store/repo/rate-limit-ledger.ts).
 */
export const rateLimitCalls = sqliteTable(
  'rate_limit_calls',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
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

/**
 * Concurrent-call slots (issue 19): one row per call in progress, owned by the node that runs it
 * and deleted when the call ends. Slots of a stopped node, or of one whose heartbeat is older than a
 * lease (lost), do not count.
 */
export const rateLimitSlots = sqliteTable(
  'rate_limit_slots',
  {
    /** The lease id. */
    id: text('id').primaryKey(),
    /** `nodes.id` of the node running the call. */
    nodeId: text('node_id').notNull(),
    acquiredAt: integer('acquired_at').notNull(),
  },
  (t) => [index('rate_limit_slots_node_idx').on(t.nodeId)],
);

export type RateLimitSlotRow = typeof rateLimitSlots.$inferSelect;

/**
 * The login throttle's counts shared by every node on this database (issue 19; rules in
 * src/domain/login-throttle.ts, kept by src/store/repo/login-throttle-state.ts). Sources and accounts
 * are stored only as keyed hashes (HMAC under a key derived from the nodes' session secret): the
 * tables never list attacked usernames or addresses, and never hold a secret. Idle rows are pruned.
 */
export const loginThrottlePairs = sqliteTable(
  'login_throttle_pairs',
  {
    /** HMAC of (source, account). */
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    nextAt: integer('next_at').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [index('login_throttle_pairs_last_idx').on(t.lastAt)],
);

/** One source (address) across accounts: when its next try may run. */
export const loginThrottleSources = sqliteTable(
  'login_throttle_sources',
  {
    /** HMAC of the source. */
    key: text('key').primaryKey(),
    nextAt: integer('next_at').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [index('login_throttle_sources_last_idx').on(t.lastAt)],
);

/** Accounts a source failed on inside the window (the password-spray count). */
export const loginThrottleFailed = sqliteTable(
  'login_throttle_failed',
  {
    /** `source_key:account_key`. */
    key: text('key').primaryKey(),
    sourceKey: text('source_key').notNull(),
    /** HMAC of the account: the throttle's name for it in the source's failed set. */
    accountKey: text('account_key').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('login_throttle_failed_source_idx').on(t.sourceKey), index('login_throttle_failed_at_idx').on(t.at)],
);

/**
 * One-time secrets waiting for their pickup (issue 19): the app password an approved enrollment
 * issued, until the first pickup on any node or until it expires. `sealed` is AES-256-GCM under a
 * key every node derives from the shared `http.sessionSecret` (src/store/repo/one-time-secrets.ts);
 * the plaintext is never stored.
 */
export const oneTimeSecrets = sqliteTable(
  'one_time_secrets',
  {
    attemptId: text('attempt_id').primaryKey(),
    /** `v1.<iv>.<tag>.<ciphertext>`, base64url; the attempt id is the associated data. */
    sealed: text('sealed').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('one_time_secrets_expires_idx').on(t.expiresAt)],
);

export type OneTimeSecretRow = typeof oneTimeSecrets.$inferSelect;
