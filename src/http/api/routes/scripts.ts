/**
 * IVR scripts over the API (admin scope, issue 15): list, get, validate a draft, save a version
 * (refused with every problem when invalid), versions with who/when/diff, rollback, recordings per
 * prompt and language, TTS rendering, any prompt as WAV, and a dry run with typed keys.
 */
import { z } from 'zod';
import type { ScriptRefused, ScriptService } from '../../../services/scripts/service';
import type { Outcome } from '../../../services/users/service';
import { actorOf } from '../../auth/principal';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';
import type { Lang } from '../field-errors';
import { unwrap } from '../outcome-errors';
import { type ApiRoute, defineRoute, ok } from '../route';
import { AttemptAccepted, ErrorBody } from '../schemas';
import { startResultToHttp } from '../start-result';

const ScriptId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/)
  .max(100)
  .describe('Script id (the file name without .yaml), e.g. office-phone-verify');
const ScriptParams = z.object({ scriptId: ScriptId });
const VersionParams = z.object({ scriptId: ScriptId, version: z.coerce.number().int().min(1) });
const PromptParams = z.object({
  scriptId: ScriptId,
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .max(100),
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
    .max(35),
});
const Texts = z.object({ sv: z.string(), en: z.string() });
const Source = z
  .string()
  .max(256 * 1024)
  .describe('The YAML text of the script');

const Problem = z.object({
  severity: z.enum(['error', 'warning']),
  line: z.number().int().describe('1-based; 0 when the problem has no position'),
  column: z.number().int(),
  path: z.string().describe('Where inside the script, e.g. steps[2].gather.tries'),
  message: Texts,
  suggestion: Texts.nullable().describe('What to do about it'),
  found: z.string().optional(),
});
const Use = z.enum(['enrollment', 'sign-in', 'test', 'pin']);
const Summary = z.object({
  id: z.string(),
  description: z.string(),
  version: z.number().int().nullable().describe('The running version; null when only an invalid file exists'),
  hash: z.string().nullable().describe('sha256 of the running text (what attempts record)'),
  valid: z.boolean(),
  errors: z.number().int(),
  warnings: z.number().int(),
  usedFor: z.array(Use),
  updatedAt: z.number().int().nullable(),
  author: z.string().nullable(),
});
const Recording = z.object({
  promptKey: z.string(),
  language: z.string(),
  durationMs: z.number().int(),
  hash: z.string(),
  originalName: z.string(),
  uploadedBy: z.string(),
  uploadedAt: z.number().int(),
});
const Detail = Summary.extend({
  source: z.string(),
  parsed: z.unknown().describe('The script as parsed (null when the text does not validate)'),
  problems: z.array(Problem),
  prompts: z.array(
    z.object({
      key: z.string(),
      texts: z.record(z.string(), z.string()),
      missing: z.array(z.string()).describe('Languages the script should speak that this prompt lacks'),
      recordings: z.array(z.string()),
    }),
  ),
  recordings: z.array(Recording),
  flow: z.array(
    z.object({
      index: z.number().int(),
      id: z.string().optional(),
      verb: z.string(),
      label: z.string(),
      exits: z.array(
        z.object({
          on: z.string().describe('next, always, no-input, invalid, when-false, any, pin, digits:<keys>, regex:<re>'),
          result: z.string().optional(),
          to: z.string().describe('a step id, #<index> or end'),
        }),
      ),
    }),
  ),
});
const Version = z.object({
  version: z.number().int(),
  hash: z.string(),
  author: z.string().describe('apikey:<id>, admin:<key id> (web), cli or file'),
  note: z.string(),
  createdAt: z.number().int(),
  running: z.boolean(),
  diff: z.string().describe('Unified diff against the version before'),
});
const Saved = z.object({ version: z.number().int(), hash: z.string(), problems: z.array(Problem) });
const Refused = z.object({ error: z.literal('script-invalid'), message: z.string(), problems: z.array(Problem) });
const Simulation = z.object({
  result: z.string(),
  reason: z.string(),
  prompts: z.array(
    z.object({
      name: z.string(),
      key: z.string().optional(),
      language: z.string().optional(),
      text: z.string().optional(),
      step: z.number().int(),
    }),
  ),
  steps: z.array(
    z.object({ step: z.number().int(), id: z.string().optional(), verb: z.string(), next: z.string().optional() }),
  ),
  inputs: z.array(z.object({ digits: z.string(), outcome: z.string() })),
  digitsSent: z.array(z.string()),
  error: z.string().optional(),
});

const wav = { description: 'The audio (8 kHz mono 16-bit WAV).', contentType: 'audio/wav' };
const notFound = { description: 'No such script (or prompt, or version).', schema: ErrorBody };
const invalid = { description: 'Invalid input.', schema: ErrorBody };
const unavailable = { description: 'Scripts are not loaded (yet).', schema: ErrorBody };

/** Throws the 422 with every problem when a save/dry run was refused; unwraps other outcomes. */
function saved<T>(o: Outcome<T> | ScriptRefused, lang: Lang): T {
  if (!o.ok && o.error === 'refused') {
    const errors = o.problems.filter((p) => p.severity === 'error').length;
    throw new ApiError(
      422,
      'script-invalid',
      lang === 'sv'
        ? `Skriptet har ${errors} fel; inget sparades och den version som körs gäller fortfarande.`
        : `The script has ${errors} error(s); nothing was saved and the running version stays.`,
      { problems: o.problems },
    );
  }
  return unwrap(o as Outcome<T>, lang);
}

export function scriptRoutes(ctx: ApiContext): ApiRoute[] {
  const svc = (): ScriptService => {
    if (!ctx.ivrScripts) throw new ApiError(503, 'scripts-unavailable', 'IVR scripts are not available');
    return ctx.ivrScripts;
  };
  const maxBytes = ctx.ivrScripts?.uploadLimits.maxBytes ?? 1_048_576;
  const tags = ['scripts'];
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts',
      operationId: 'listScripts',
      summary: 'IVR scripts with running version, validity and where each is used',
      tags,
      auth: 'admin',
      responses: {
        200: { description: 'Scripts.', schema: z.object({ scripts: z.array(Summary) }) },
        503: unavailable,
      },
      handler: () => ok({ scripts: svc().list() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts/:scriptId',
      operationId: 'getScript',
      summary: 'One script: the running YAML text, its parsed form, problems, prompts and flow',
      tags,
      auth: 'admin',
      params: ScriptParams,
      responses: { 200: { description: 'The script.', schema: Detail }, 404: notFound, 503: unavailable },
      handler: ({ params }) => {
        const d = svc().detail(params.scriptId);
        if (!d) throw new ApiError(404, 'not-found', 'script not found');
        return ok(d);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/validate',
      operationId: 'validateScript',
      summary: 'Validate a draft without saving: every problem at once, with line:column, sv + en, suggestion',
      tags,
      auth: 'admin',
      params: ScriptParams,
      body: z.object({ source: Source }),
      responses: {
        200: {
          description: 'The problems (valid = no errors).',
          schema: z.object({ valid: z.boolean(), problems: z.array(Problem) }),
        },
        422: invalid,
        503: unavailable,
      },
      handler: ({ params, body }) => ok(svc().validate(params.scriptId, body.source)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/diff',
      operationId: 'diffScript',
      summary: 'Unified diff from the running version to a draft',
      tags,
      auth: 'admin',
      params: ScriptParams,
      body: z.object({ source: Source }),
      responses: {
        200: { description: 'The diff.', schema: z.object({ diff: z.string() }) },
        422: invalid,
        503: unavailable,
      },
      handler: ({ params, body }) => ok({ diff: svc().diffAgainstRunning(params.scriptId, body.source) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/versions',
      operationId: 'saveScriptVersion',
      summary: 'Save a new version; refused with every problem if invalid (the running version stays)',
      tags,
      auth: 'admin',
      params: ScriptParams,
      body: z.object({ source: Source, note: z.string().max(500).default('') }),
      responses: {
        201: { description: 'Saved; it runs from the next call on.', schema: Saved },
        404: notFound,
        422: { description: 'Refused: the problems (or invalid input).', schema: Refused.or(ErrorBody) },
        503: unavailable,
      },
      handler: ({ params, body, principal, lang }) =>
        ok(saved(svc().save(params.scriptId, body.source, body.note, actorOf(principal)), lang), 201),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts/:scriptId/versions',
      operationId: 'listScriptVersions',
      summary: 'Saved versions, newest first, with author, time, note and diff to the one before',
      tags,
      auth: 'admin',
      params: ScriptParams,
      responses: {
        200: { description: 'Versions.', schema: z.object({ versions: z.array(Version) }) },
        404: notFound,
        503: unavailable,
      },
      handler: ({ params }) => {
        const v = svc().versions(params.scriptId);
        if (!v) throw new ApiError(404, 'not-found', 'script not found');
        return ok({ versions: v });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts/:scriptId/versions/:version',
      operationId: 'getScriptVersion',
      summary: 'One saved version with its text',
      tags,
      auth: 'admin',
      params: VersionParams,
      responses: {
        200: { description: 'The version.', schema: Version.extend({ source: z.string() }) },
        404: notFound,
        503: unavailable,
      },
      handler: ({ params }) => {
        const v = svc().version(params.scriptId, params.version);
        if (!v) throw new ApiError(404, 'not-found', 'script version not found');
        return ok(v);
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/rollback',
      operationId: 'rollbackScript',
      summary: "Roll back: save an earlier version's text again as the newest version",
      tags,
      auth: 'admin',
      params: ScriptParams,
      body: z.object({ version: z.number().int().min(1), note: z.string().max(500).optional() }),
      responses: {
        201: { description: 'Saved as a new version.', schema: Saved },
        404: notFound,
        422: { description: 'That version no longer validates.', schema: Refused.or(ErrorBody) },
        503: unavailable,
      },
      handler: ({ params, body, principal, lang }) =>
        ok(saved(svc().rollback(params.scriptId, body.version, actorOf(principal), body.note), lang), 201),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/simulate',
      operationId: 'simulateScript',
      summary: 'Dry run with typed keys (no call): the prompts that would play and the result',
      tags,
      auth: 'admin',
      params: ScriptParams,
      body: z.object({
        keys: z.string().max(64).describe('One group per question, separated by spaces, e.g. "#" or "12 #"'),
        language: z.string().max(35).default('sv-SE'),
        source: Source.optional().describe('A draft to run instead of the running version'),
        extension: z.string().max(32).optional().describe('Run as if the phone had this extension'),
      }),
      responses: {
        200: { description: 'What would happen.', schema: Simulation },
        404: notFound,
        422: { description: 'The draft is invalid (the problems), or bad keys.', schema: Refused.or(ErrorBody) },
        503: unavailable,
      },
      handler: async ({ params, body, lang }) =>
        ok(saved(await svc().simulate(params.scriptId, body.keys, body.language, body.source, body.extension), lang)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/test-call',
      operationId: 'testCallDraft',
      summary: 'Test call running a draft (not saved) to a number or sip: URI; the destination policy applies',
      tags,
      auth: 'admin',
      params: ScriptParams,
      body: z.object({
        source: Source.describe('The draft text to run (not saved)'),
        destination: z
          .string()
          .min(1)
          .max(256)
          .describe('A phone number as people type it, or a sip: URI (only if telephony.allowSipUriDial)'),
        country: z
          .string()
          .regex(/^[A-Za-z]{2}$/)
          .optional()
          .describe('Country for numbers without + (default: homeCountry)'),
        extension: z.string().max(32).optional().describe('Extension dialled as DTMF after answer'),
        language: z.string().max(35).default('sv-SE'),
      }),
      responses: {
        202: {
          description:
            'The call is queued; follow it at /api/v1/attempts/{attemptId} (its scriptHash is `draft:<sha256 of the text>`).',
          schema: AttemptAccepted,
        },
        404: notFound,
        422: {
          description:
            'The draft is invalid (the problems), or the destination policy refused the destination (reasonCode).',
          schema: Refused.or(ErrorBody),
        },
        429: { description: 'Over a rate limit; see Retry-After. No call is placed.', schema: ErrorBody },
        503: unavailable,
      },
      handler: ({ params, body, principal, lang }) => {
        const draft = saved(svc().testCallDraft(params.scriptId, body.source, body.language), lang);
        return startResultToHttp(
          ctx.verification.startDraftTest({
            destination: body.destination,
            country: (body.country ?? svc().homeCountry).toUpperCase(),
            ...(body.extension ? { extension: body.extension } : {}),
            draft,
            requestedBy: actorOf(principal),
          }),
          lang,
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts/:scriptId/prompts/:key/:language/audio',
      operationId: 'playPrompt',
      summary: 'A prompt of the running version as WAV (its recording, else TTS of its text)',
      tags,
      auth: 'admin',
      params: PromptParams,
      responses: { 200: wav, 404: notFound, 503: unavailable },
      handler: async ({ params, lang }) => {
        const r = unwrap(await svc().promptWav(params.scriptId, params.key, params.language), lang);
        return { status: 200, body: r.wav, contentType: 'audio/wav' };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/prompts/:key/:language/audio',
      operationId: 'playDraftPrompt',
      summary: 'A prompt of a draft as WAV (for previews before saving)',
      tags,
      auth: 'admin',
      params: PromptParams,
      body: z.object({ source: Source }),
      responses: { 200: wav, 404: notFound, 422: invalid, 503: unavailable },
      handler: async ({ params, body, lang }) => {
        const r = unwrap(await svc().promptWav(params.scriptId, params.key, params.language, body.source), lang);
        return { status: 200, body: r.wav, contentType: 'audio/wav' };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/tts',
      operationId: 'renderTts',
      summary: 'Render a text with espeak-ng as a prompt WAV (optionally with a script’s voice settings)',
      tags,
      auth: 'admin',
      body: z.object({ text: z.string(), language: z.string().max(35), scriptId: ScriptId.optional() }),
      responses: { 200: wav, 422: invalid, 503: unavailable },
      handler: async ({ body, lang }) => {
        const r = unwrap(await svc().ttsWav(body.text, body.language, body.scriptId), lang);
        return { status: 200, body: r, contentType: 'audio/wav' };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts/:scriptId/recordings',
      operationId: 'listRecordings',
      summary: 'Uploaded recordings of the script’s prompts',
      tags,
      auth: 'admin',
      params: ScriptParams,
      responses: {
        200: { description: 'Recordings.', schema: z.object({ recordings: z.array(Recording) }) },
        503: unavailable,
      },
      handler: ({ params }) => ok({ recordings: svc().recordings(params.scriptId) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/scripts/:scriptId/prompts/:key/:language/recording',
      operationId: 'uploadRecording',
      summary: 'Upload (or replace) the recording of a prompt in a language: WAV, MP3, Ogg, FLAC; converted once',
      tags,
      auth: 'admin',
      params: PromptParams,
      rawBody: {
        contentTypes: [
          'audio/wav',
          'audio/x-wav',
          'audio/wave',
          'audio/mpeg',
          'audio/ogg',
          'audio/flac',
          'application/octet-stream',
        ],
        maxBytes,
      },
      query: z.object({ filename: z.string().max(200).optional() }),
      responses: {
        201: { description: 'Stored; calls use it from now on.', schema: Recording },
        404: notFound,
        413: { description: 'Far larger than the limit.', schema: ErrorBody },
        422: {
          description: 'Refused: unreadable, silent, clipped, too long or too large (the reason).',
          schema: ErrorBody,
        },
        503: unavailable,
      },
      handler: async ({ params, query, request, principal, lang }) => {
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const r = await svc().uploadRecording(
          params.scriptId,
          params.key,
          params.language,
          bytes,
          query.filename ?? '',
          actorOf(principal),
        );
        return ok(unwrap(r, lang), 201);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/scripts/:scriptId/prompts/:key/:language/recording',
      operationId: 'getRecording',
      summary: 'The stored (converted) recording',
      tags,
      auth: 'admin',
      params: PromptParams,
      responses: { 200: wav, 404: notFound, 503: unavailable },
      handler: ({ params }) => {
        const w = svc().recordingWav(params.scriptId, params.key, params.language);
        if (!w) throw new ApiError(404, 'not-found', 'recording not found');
        return { status: 200, body: w, contentType: 'audio/wav' };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/scripts/:scriptId/prompts/:key/:language/recording',
      operationId: 'deleteRecording',
      summary: 'Remove a recording (the prompt is spoken by TTS again)',
      tags,
      auth: 'admin',
      params: PromptParams,
      responses: { 204: { description: 'Removed.' }, 404: notFound, 503: unavailable },
      handler: ({ params, principal }) => {
        if (!svc().removeRecording(params.scriptId, params.key, params.language, actorOf(principal)))
          throw new ApiError(404, 'not-found', 'recording not found');
        return { status: 204 };
      },
    }),
  ];
}
