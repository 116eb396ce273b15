/**
 * The EAM service's call handling on the real verification service (fake telephony port, real
 * SQLite): "call me again" and "use my backup phone" replace the ringing call without its
 * cancellation being taken as the answer, calls per sign-in are capped, the window's timeout
 * (injected clock) cancels the call and answers access_denied, the answer is given exactly once and
 * only to the browser holding the request's cookie secret. The hint check is stubbed here (it has
 * its own tests against a real HTTPS JWKS); everything after it is real.
 */
import { decodeJwt } from 'jose';
import pino from 'pino';
import { EamService } from '../../src/integrations/entra/eam-service';
import type { EamSettings } from '../../src/integrations/entra/settings';
import { SigningKeys } from '../../src/integrations/entra/signing-keys';
import { addPhoneMethod, createUser, getAttempt, listAudit, markPhoneMethodVerified } from '../../src/store';
import { setEntraIdentity } from '../../src/store/repo/entra-identities';
import { afterPrompt, press } from '../support/fake-telephony';
import { createHarness, type Harness } from '../support/service-harness';

const TENANT = '14c2f153-90a7-4689-9db7-9543bf084dad';
const OID = '951ddb04-b16d-45f3-bbf7-b0fa18fa7aee';
const REPLY = 'https://login.microsoftonline.com/common/federation/externalauthprovider';

let h: Harness;
let now: number;
let eam: EamService;
let userId: string;

const settings: EamSettings = {
  issuer: 'https://mfa.example.test/oidc',
  clients: [{ clientId: 'client-1', appId: 'app-1', tenants: [TENANT], hintAudiences: ['app-1'] }],
  redirectUris: [REPLY],
  entraJwksUrl: 'https://unused.example/keys',
  entraIssuerTemplates: ['https://login.microsoftonline.com/{tenantId}/v2.0'],
  entraCaFile: null,
  userLinking: 'object-id',
  timeoutMs: 240_000,
  hintMaxAgeMs: 600_000,
  idTokenLifetimeS: 300,
  maxCalls: 3,
  encryptionKey: 'x'.repeat(40),
  rotationDelayMs: 48 * 3_600_000,
};

beforeEach(async () => {
  h = createHarness({ settings: { ringTimeoutMs: 60_000, backupPhone: false } });
  now = Date.now();
  const u = createUser(h.store.db, { username: 'anna' });
  userId = u.id;
  markPhoneMethodVerified(
    h.store.db,
    addPhoneMethod(h.store.db, { userId, kind: 'office', country: 'SE', e164: '+46812345671', extension: null }).id,
  );
  markPhoneMethodVerified(
    h.store.db,
    addPhoneMethod(h.store.db, { userId, kind: 'mobile', country: 'SE', e164: '+46701234567', extension: null }).id,
  );
  setEntraIdentity(h.store.db, userId, { tenantId: TENANT, objectId: OID });
  const keys = new SigningKeys(h.store.db, {
    secret: settings.encryptionKey,
    rotationDelayMs: settings.rotationDelayMs,
    commonName: 'mfa.example.test',
    now: () => now,
  });
  eam = new EamService({
    store: h.store,
    verification: h.service,
    bus: h.bus,
    hints: { verify: async () => ({ ok: true, claims: { iss: 'x', sub: 'pairwise-sub', tid: TENANT, oid: OID } }) },
    keys,
    settings,
    log: pino({ level: 'silent' }),
    now: () => now,
  });
});
afterEach(async () => {
  eam.stop();
  await h.close();
});

async function authorize(nonce = `n-${Math.random()}`) {
  const r = await eam.authorize(
    {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      client_id: 'client-1',
      redirect_uri: REPLY,
      state: `s-${nonce}`,
      nonce,
      id_token_hint: 'stubbed',
    },
    'en',
  );
  if (r.kind !== 'calling') throw new Error(`expected a call, got ${JSON.stringify(r)}`);
  return r;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('"call me again" cancels the ringing call and the new call approves the sign-in', async () => {
  h.backend.enqueue({ dial: { kind: 'never' } }, { steps: [press('#', afterPrompt(), 5)] });
  const r = await authorize('again');
  await until(() => h.backend.dials.length === 1, 'the first dial');
  const first = eam.view(r.requestId, r.browserSecret)!.request.attemptId!;
  expect(eam.callAgain(r.requestId, r.browserSecret, 'same')).toEqual({ ok: true });
  await h.ended(first);
  expect(getAttempt(h.store.db, first)?.outcome).toBe('cancelled');
  await until(() => eam.view(r.requestId, r.browserSecret)!.final, 'the request to end');
  const v = eam.view(r.requestId, r.browserSecret)!;
  expect(v.request.status).toBe('approved');
  expect(h.backend.dials.map((d) => d.requestUri)).toEqual(['sip:+46812345671@pbx.test', 'sip:+46812345671@pbx.test']);
  const answer = await eam.respond(r.requestId, r.browserSecret);
  if (typeof answer !== 'object') throw new Error(String(answer));
  const claims = decodeJwt(answer.fields.id_token!);
  expect(claims).toMatchObject({
    iss: settings.issuer,
    aud: 'client-1',
    sub: 'pairwise-sub',
    nonce: 'again',
    amr: ['tel'],
  });
  expect(await eam.respond(r.requestId, r.browserSecret)).toBe('already-answered');
  expect(listAudit(h.store.db, { action: 'eam.call-again' })).toHaveLength(1);
});

it('"use my backup phone" calls the other verified phone', async () => {
  h.backend.enqueue({ dial: { kind: 'never' } }, { steps: [press('#', afterPrompt(), 5)] });
  const r = await authorize('backup');
  await until(() => h.backend.dials.length === 1, 'the first dial');
  expect(eam.view(r.requestId, r.browserSecret)!.hasBackupPhone).toBe(true);
  expect(eam.callAgain(r.requestId, r.browserSecret, 'backup')).toEqual({ ok: true });
  await until(() => eam.view(r.requestId, r.browserSecret)!.final, 'the request to end');
  expect(h.backend.dials[1]?.requestUri).toBe('sip:+46701234567@pbx.test');
  expect(eam.view(r.requestId, r.browserSecret)!.request.status).toBe('approved');
});

it('caps the calls per sign-in', async () => {
  h.backend.enqueue({ dial: { kind: 'never' } }, { dial: { kind: 'never' } }, { dial: { kind: 'never' } });
  const r = await authorize('cap');
  expect(eam.callAgain(r.requestId, r.browserSecret, 'same')).toEqual({ ok: true });
  expect(eam.callAgain(r.requestId, r.browserSecret, 'backup')).toEqual({ ok: true });
  expect(eam.callAgain(r.requestId, r.browserSecret, 'same')).toEqual({ ok: false, reason: 'no-calls-left' });
  expect(h.backend.dials.length).toBeLessThanOrEqual(3);
});

it('answers access_denied when the window ends, and stops the call', async () => {
  h.backend.enqueue({ dial: { kind: 'never' } });
  const r = await authorize('timeout');
  await until(() => h.backend.dials.length === 1, 'the dial');
  const attemptId = eam.view(r.requestId, r.browserSecret)!.request.attemptId!;
  now += settings.timeoutMs - 1;
  expect(eam.view(r.requestId, r.browserSecret)!.final).toBe(false);
  now += 1;
  const v = eam.view(r.requestId, r.browserSecret)!;
  expect(v.final).toBe(true);
  await h.ended(attemptId);
  const answer = await eam.respond(r.requestId, r.browserSecret);
  if (typeof answer !== 'object') throw new Error(String(answer));
  expect(answer.fields).toMatchObject({ error: 'access_denied', state: 's-timeout' });
  expect(answer.fields.id_token).toBeUndefined();
});

it('shows and answers a request only to the browser holding its secret', async () => {
  h.backend.enqueue({ steps: [press('#', afterPrompt(), 5)] });
  const r = await authorize('owner');
  expect(eam.view(r.requestId, undefined)).toBeUndefined();
  expect(eam.view(r.requestId, 'someone-else')).toBeUndefined();
  expect(await eam.respond(r.requestId, 'someone-else')).toBeUndefined();
  expect(eam.callAgain(r.requestId, 'someone-else', 'same')).toEqual({ ok: false, reason: 'not-calling' });
});
