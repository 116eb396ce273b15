/** Request and response shapes of the REST API (zod; the OpenAPI document is generated from them). */
import { z } from 'zod';
import { ATTEMPT_PURPOSES, ATTEMPT_STATES } from '../../domain/attempt-state';
import { CALL_OUTCOMES } from '../../domain/call-outcomes';
import { FORMAT } from './field-errors';

export const Id = z.string().min(1).max(100);
export const IdParams = z.object({ id: Id });
export const MethodParams = z.object({ id: Id, methodId: Id });
export const AppPasswordParams = z.object({ id: Id, appPasswordId: Id });

const Texts = z.object({ sv: z.string(), en: z.string() });
const epochMs = z.number().int().describe('milliseconds since the Unix epoch');

export const Username = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s\p{Cc}]+$/u, { message: FORMAT.username });
export const Language = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: FORMAT.language });

export const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  language: z.string(),
  blockedUntil: epochMs.nullable(),
  entraTenantId: z.string().nullable().describe('Entra ID tenant (GUID) for the EAM door; null = any allowed tenant'),
  entraObjectId: z.string().nullable().describe('Entra ID object id (oid, GUID): links Entra sign-ins to this user'),
  upn: z.string().nullable().describe('Entra ID user principal name (fallback link when configured)'),
  createdAt: epochMs,
  updatedAt: epochMs,
});

const EntraGuid = z.string().regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, { message: FORMAT.guid });
const Upn = z
  .string()
  .max(401)
  .regex(/^[^\s@]+@[^\s@]+$/, { message: FORMAT.upn });

export const PhoneMethodKind = z.enum(['office', 'mobile', 'alternate']);
export const PhoneMethod = z.object({
  id: z.string(),
  userId: z.string(),
  kind: PhoneMethodKind,
  country: z.string(),
  e164: z.string(),
  extension: z.string().nullable(),
  verified: z.boolean(),
  verifiedAt: epochMs.nullable(),
  isDefault: z.boolean(),
  pin: z.boolean().describe('PIN mode: the callee enters a PIN (stored hashed) instead of pressing #'),
  createdAt: epochMs,
  updatedAt: epochMs,
});

export const UserDetail = User.extend({ phoneMethods: z.array(PhoneMethod) });

export const CreateUserBody = z
  .object({
    // Spaces and control characters are refused here; the rest of the username rule (NFKC, nothing
    // invisible, one script: src/domain/identity-text.ts) is the service's, whose 422 explains in sv+en.
    username: Username.describe('NFKC-normalised; no spaces, control, format or invisible characters, one script'),
    displayName: z.string().max(200).optional(),
    language: Language.optional(),
    entraTenantId: EntraGuid.optional(),
    entraObjectId: EntraGuid.optional(),
    upn: Upn.optional(),
  })
  .strict();

export const PatchUserBody = z
  .object({
    displayName: z.string().max(200).optional(),
    language: Language.optional(),
    blockedUntil: epochMs.nullable().optional().describe('block calls until then; null unblocks'),
    entraTenantId: EntraGuid.nullable().optional(),
    entraObjectId: EntraGuid.nullable().optional().describe('null unlinks the user from Entra'),
    upn: Upn.nullable().optional(),
  })
  .strict();

export const UserQuery = z.object({
  username: z.string().max(200).optional().describe('exact username'),
  search: z.string().max(200).optional().describe('part of a username'),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

const Country = z.string().regex(/^[A-Za-z]{2}$/, { message: FORMAT.country });
const Extension = z
  .string()
  .max(40)
  .regex(/^[0-9*#,wW]*$/, { message: FORMAT.extension });
const Pin = z.string().regex(/^[0-9]{4,12}$/, { message: FORMAT.pin });

export const AddPhoneMethodBody = z
  .object({
    kind: PhoneMethodKind,
    country: Country,
    number: z.string().min(1).max(60),
    extension: Extension.nullable().optional(),
    pin: Pin.nullable().optional(),
  })
  .strict();

export const PatchPhoneMethodBody = z
  .object({
    isDefault: z.literal(true).optional().describe('make this (verified) method the default'),
    country: Country.optional(),
    number: z.string().min(1).max(60).optional(),
    extension: Extension.nullable().optional(),
    pin: Pin.nullable().optional(),
  })
  .strict();

export const AttemptAccepted = z.object({
  attemptId: z.string(),
  state: z.enum(ATTEMPT_STATES),
  outcome: z.enum(CALL_OUTCOMES).nullable(),
});

export const StartVerificationBody = z
  .object({
    userId: Id.optional(),
    username: Username.optional(),
    methodId: Id.optional(),
  })
  .strict()
  .refine((b) => (b.userId === undefined) !== (b.username === undefined), {
    path: ['userId'],
    params: {
      code: 'user-required',
      sv: 'Ange antingen userId eller username.',
      en: 'Give either userId or username.',
    },
  });

export const IssuedAppPassword = z.object({ id: z.string(), name: z.string(), password: z.string() });

export const Attempt = z.object({
  id: z.string(),
  userId: z.string().nullable(),
  phoneMethodId: z.string().nullable(),
  purpose: z.enum(ATTEMPT_PURPOSES),
  state: z.enum(ATTEMPT_STATES),
  outcome: z.enum(CALL_OUTCOMES).nullable(),
  reasonCode: z.string().nullable(),
  reason: z.string().describe('plain words in the language asked for (Accept-Language)'),
  reasons: Texts,
  sipStatus: z.number().int().nullable(),
  sipReason: z.string().nullable(),
  destination: z.string().nullable(),
  dialledTarget: z.string().nullable(),
  digitsSent: z.string().nullable(),
  digitsReceived: z.string().nullable(),
  dtmfSource: z.string().nullable(),
  scriptId: z.string().nullable(),
  scriptHash: z.string().nullable(),
  backend: z.string().nullable(),
  callId: z.string().nullable(),
  tryNo: z.number().int(),
  retryOf: z.string().nullable(),
  nextAttemptId: z.string().nullable(),
  retryDueAt: epochMs.nullable(),
  timings: z.object({
    queuedAt: epochMs,
    dialledAt: epochMs.nullable(),
    ringingAt: epochMs.nullable(),
    answeredAt: epochMs.nullable(),
    scriptStartedAt: epochMs.nullable(),
    endedAt: epochMs.nullable(),
    setupMs: z.number().nullable().describe('dialled → answered'),
    durationMs: z.number().nullable().describe('answered → ended'),
  }),
  appPassword: IssuedAppPassword.optional().describe(
    'enrollment only: the app password issued on approval, returned exactly once to the key that started the attempt',
  ),
});

export const AttemptQuery = z.object({
  userId: Id.optional(),
  outcome: z.enum(CALL_OUTCOMES).optional(),
  state: z.enum(ATTEMPT_STATES).optional(),
  purpose: z.enum(ATTEMPT_PURPOSES).optional(),
  since: z.coerce.number().int().min(0).optional().describe('queued at or after (ms since epoch)'),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

export const TraceEvent = z.object({
  seq: z.number().int(),
  at: epochMs,
  offsetMs: z.number().describe('since the attempt was queued'),
  kind: z.string(),
  summary: z.string(),
  raw: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

export const AppPasswordInfo = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  createdAt: epochMs,
  lastUsedAt: epochMs.nullable(),
  revokedAt: epochMs.nullable(),
});

export const CreateAppPasswordBody = z.object({ name: z.string().min(1).max(100) }).strict();
export const CheckAppPasswordBody = z
  .object({
    username: Username,
    password: z.string().min(1).max(200),
    clientAddress: z
      .string()
      .max(100)
      .optional()
      .describe(
        'IP address of the person signing in, as the gateway saw it. Failed checks slow down per (client address, username); without it, per (caller address, username).',
      ),
  })
  .strict();

export const EnrollmentLinkBody = z.object({ userId: Id }).strict();
export const EnrollmentLink = z.object({ id: z.string(), url: z.string(), expiresAt: epochMs });

export const BypassBody = z
  .object({
    reason: z.string().max(500).optional(),
    ttlSeconds: z.number().int().min(30).max(86_400).optional(),
  })
  .strict();
export const Bypass = z.object({
  id: z.string(),
  userId: z.string(),
  createdBy: z.string(),
  reason: z.string().nullable(),
  createdAt: epochMs,
  expiresAt: epochMs,
  usedAt: epochMs.nullable(),
});

export const FraudReport = z.object({
  id: z.string(),
  attemptId: z.string().nullable(),
  userId: z.string().nullable(),
  digits: z.string().nullable(),
  blockedUntil: epochMs.nullable(),
  reportedAt: epochMs,
  reviewedAt: epochMs.nullable(),
  note: z.string().nullable(),
});

export const AuditEntry = z.object({
  id: z.number().int(),
  at: epochMs,
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

export const WebhookDelivery = z.object({
  id: z.string(),
  apiKeyId: z.string(),
  attemptId: z.string().nullable(),
  url: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  tries: z.number().int(),
  lastHttpStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextTryAt: epochMs.nullable(),
  createdAt: epochMs,
  deliveredAt: epochMs.nullable(),
});

export const JobStatus = z.object({
  name: z.string(),
  schedule: z.string(),
  runs: z.number().int(),
  lastStartedAt: epochMs.nullable(),
  lastFinishedAt: epochMs.nullable(),
  lastOk: z.boolean().nullable(),
  lastDetail: z.string().nullable(),
  lastError: z.string().nullable(),
  running: z.boolean(),
});

export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  fields: z
    .array(
      z.object({
        field: z.string(),
        code: z.string(),
        message: z.string(),
        messages: Texts,
      }),
    )
    .optional(),
  reasonCode: z.string().optional(),
  attemptId: z.string().optional(),
  retryAfterSeconds: z.number().optional(),
});

export const Readiness = z.object({
  ready: z.boolean(),
  checks: z.object({
    database: z.object({ ok: z.boolean(), detail: z.string().optional() }),
    backend: z.object({ ok: z.boolean(), detail: z.string().optional() }),
    trunk: z.object({ ok: z.boolean(), detail: z.string().optional() }),
    /** This node takes new calls (not draining; issue 19). */
    node: z.object({ ok: z.boolean(), detail: z.string().optional() }).optional(),
  }),
});
