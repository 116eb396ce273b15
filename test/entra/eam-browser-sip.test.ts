/**
 * The Entra ID External Authentication Method door, end to end with real protocol and real peers.
 * Entra is played by the test (test/support/entra-stand-in.ts): its RSA key as a JWKS over loopback
 * HTTPS (a self-signed CA fyrkant trusts by config), id_token_hints issued expired as Entra does, a
 * start page whose form headless Chromium posts to fyrkant's authorization endpoint, and the reply
 * endpoint that receives fyrkant's form POST. sipp is the office phone.
 *
 * The id_token is checked with jose against fyrkant's OWN discovery document and JWKS, fetched over
 * HTTP like Entra does: issuer exact, RS256, x5c present and carrying the same key, amr exactly ["tel"].
 * Every refused request is checked to have placed no call: no attempt recorded and no INVITE
 * arriving at the phone's port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet, importX509, type JWK, jwtVerify } from 'jose';
import type { Page } from 'playwright-core';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import {
  addPhoneMethod,
  createApiKey,
  createUser,
  getFraudReportForAttempt,
  listAttempts,
  listAudit,
  markPhoneMethodVerified,
} from '../../src/store';
import { setEntraIdentity } from '../../src/store/repo/entra-identities';
import { launchChromium, type TestBrowser } from '../support/browser';
import { type EntraStandIn, makeEntraKey, startEntraStandIn } from '../support/entra-stand-in';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { rfc2833Scenario, ringOutScenario } from '../support/peers/sipp-media-scenarios';
import { response, scenario } from '../support/peers/sipp-scenarios';
import { freeEvenPortPair, freePort } from '../support/ports';
import { requireTool } from '../support/tools';

jest.setTimeout(180_000);

const TENANT = '14c2f153-90a7-4689-9db7-9543bf084dad';
const FOREIGN_TENANT = '9122040d-6c67-4c5b-b112-36a304b66dad';
const APP_ID = '600b719b-3766-4dc5-95a6-3c4a8dc31885';
const CLIENT_ID = 'fyrkant-eam-test-client';
const CLAIMS = JSON.stringify({
  id_token: {
    acr: { essential: true, values: ['possessionorinherence'] },
    amr: {
      essential: true,
      values: ['face', 'fido', 'fpt', 'hwk', 'iris', 'otp', 'pop', 'retina', 'sc', 'sms', 'swk', 'tel', 'vbm'],
    },
  },
});

let dir: string;
let entra: EntraStandIn;
let chrome: TestBrowser;

interface Door {
  app: RunningApp;
  sippPort: number;
  issuer: string;
}

async function startDoor(timeoutSeconds: number): Promise<Door> {
  const sippPort = await freePort();
  const quietTrunk = await freePort();
  const httpPort = await freePort();
  const rtp = await freePort();
  const data = mkdtempSync(join(dir, 'door-'));
  const issuer = `http://127.0.0.1:${httpPort}/oidc`;
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir: join(data, 'data'),
      database: { path: join(data, 'data', 'fyrkant.db') },
      log: { level: 'warn' },
      http: { address: '127.0.0.1', port: httpPort, publicUrl: `http://127.0.0.1:${httpPort}` },
      telephony: { backend: 'embedded', ringTimeoutSeconds: 60 },
      sip: { address: '127.0.0.1', port: 0, trunk: { uri: `sip:127.0.0.1:${quietTrunk}`, keepaliveSeconds: 0 } },
      dialPlan: { requestUri: `sip:{e164}@127.0.0.1:${sippPort};user=phone` },
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: Math.min(65534, rtp + 200) },
      ivr: { promptCacheDir: join(dir, 'prompts') },
      verification: { retry: { maxRetries: 0, backoffSeconds: 60 } },
      entraEam: {
        enabled: true,
        issuer,
        clients: [{ clientId: CLIENT_ID, appId: APP_ID, tenants: [TENANT], hintAudiences: null }],
        extraRedirectUris: [entra.replyUrl],
        entra: {
          jwksUrl: entra.jwksUrl,
          issuerTemplates: [`${entra.authority}/{tenantId}/v2.0`],
          caFile: entra.caFile,
        },
        timeoutSeconds,
        keys: {
          encryptionKey: 'test-encryption-key-0123456789abcdef-0123456789',
          encryptionKeyFile: null,
          rotationDelayHours: 48,
        },
      },
    },
  });
  const app = await startApp(config, { logger: createLogger({ level: 'warn' }) });
  return { app, sippPort, issuer };
}

/** A user with a verified office phone, linked to an Entra object id. */
function enroll(door: Door, username: string, language: string, e164: string, oid: string): void {
  const db = door.app.ctx.store.db;
  const u = createUser(db, { username, displayName: `${username} Testsson`, language });
  const pm = addPhoneMethod(db, { userId: u.id, kind: 'office', country: 'SE', e164, extension: null });
  markPhoneMethodVerified(db, pm.id);
  setEntraIdentity(db, u.id, { tenantId: TENANT, objectId: oid, upn: `${username}@contoso.example` });
}

function authParams(hint: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    client_id: CLIENT_ID,
    redirect_uri: entra.replyUrl,
    nonce: `nonce-${Math.random().toString(36).slice(2)}`,
    state: `state-${Math.random().toString(36).slice(2)}`,
    id_token_hint: hint,
    claims: CLAIMS,
    'client-request-id': '5c1b2f33-2a33-4c76-a7a4-9a2b2c7d0e11',
    ...over,
  };
}

/** Chromium on Entra's start page, posting the request to fyrkant (as Entra's page does). */
async function signIn(door: Door, params: Record<string, string>, locale: string): Promise<Page> {
  const ctx = await chrome.newContext({ locale, acceptLanguage: locale });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(entra.startUrl(`${door.issuer}/authorize`, params));
  await page.click('#entra-continue');
  return page;
}

async function phone(door: Door, xml: string): Promise<SippPeer> {
  return startSippUas({ scenarioXml: xml, port: door.sippPort, mediaPort: await freeEvenPortPair(), timeoutS: 60 });
}

/** What fyrkant's discovery and JWKS say, fetched the way Entra fetches them. */
async function providerMetadata(door: Door) {
  const res = await fetch(`${door.issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-length')).not.toBeNull();
  const meta = (await res.json()) as Record<string, unknown>;
  const jwks = (await (await fetch(String(meta.jwks_uri))).json()) as { keys: JWK[] };
  return { meta, jwks };
}

async function validateIdToken(door: Door, idToken: string, expected: { sub: string; nonce: string }) {
  const { meta, jwks } = await providerMetadata(door);
  expect(meta.issuer).toBe(door.issuer);
  const { payload, protectedHeader } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: door.issuer,
    audience: CLIENT_ID,
    algorithms: ['RS256'],
  });
  const key = jwks.keys.find((k) => k.kid === protectedHeader.kid);
  expect(key?.x5c?.length).toBeGreaterThan(0);
  // The certificate in x5c holds the same key: the token verifies with it too.
  const cert = `-----BEGIN CERTIFICATE-----\n${key!.x5c![0]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
  await compactVerify(idToken, await importX509(cert, 'RS256'));
  expect(payload.sub).toBe(expected.sub);
  expect(payload.nonce).toBe(expected.nonce);
  expect(payload.acr).toBe('possessionorinherence');
  expect(payload.amr).toEqual(['tel']);
  expect(typeof payload.iat).toBe('number');
  expect((payload.exp as number) - (payload.iat as number)).toBeGreaterThan(0);
  expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(600);
}

beforeAll(async () => {
  requireTool('sipp', 'sip-tester');
  requireTool('espeak-ng', 'espeak-ng');
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-eam-'));
  entra = await startEntraStandIn(dir);
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await entra?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Entra EAM door (long window)', () => {
  let door: Door;

  beforeAll(async () => {
    door = await startDoor(240);
    enroll(door, 'anna', 'sv-SE', '+46812345671', '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae1');
    enroll(door, 'bob', 'en-GB', '+46812345672', '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae2');
    enroll(door, 'carl', 'en-GB', '+46812345673', '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae3');
    enroll(door, 'dora', 'sv-SE', '+46812345674', '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae4');
  });
  afterAll(async () => {
    await door?.app.stop();
  });

  describe('refused requests place no call', () => {
    let sock: Socket;
    const invites: string[] = [];
    let attemptsBefore = 0;

    beforeAll(async () => {
      sock = createSocket('udp4');
      sock.on('message', (msg) => {
        if (msg.toString('utf8').startsWith('INVITE ')) invites.push(msg.toString('utf8'));
      });
      await new Promise<void>((r) => sock.bind(door.sippPort, '127.0.0.1', () => r()));
    });
    afterAll(async () => {
      await new Promise<void>((r) => sock.close(() => r()));
    });
    beforeEach(() => {
      attemptsBefore = listAttempts(door.app.ctx.store.db, { limit: 1000 }).length;
    });
    afterEach(async () => {
      // Nothing may reach the phone; a call would have been sent well within this time.
      await new Promise((r) => setTimeout(r, 300));
      expect(invites).toEqual([]);
      expect(listAttempts(door.app.ctx.store.db, { limit: 1000 }).length).toBe(attemptsBefore);
    });

    async function post(params: Record<string, string>, lang = 'en') {
      const res = await fetch(`${door.issuer}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': lang },
        body: new URLSearchParams(params).toString(),
        redirect: 'manual',
      });
      return { status: res.status, html: await res.text() };
    }

    function errorFields(html: string): Record<string, string> {
      const form = html.match(/<form method="post" action="([^"]+)" id="eam-response"[^>]*>([\s\S]*?)<\/form>/);
      if (!form) return {};
      const out: Record<string, string> = { action: form[1]!.replace(/&amp;/g, '&') };
      for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
        out[m[1]!] = m[2]!
          .replace(/&amp;/g, '&')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'");
      return out;
    }

    const anna = { tid: TENANT, oid: '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae1', sub: 'anna-sub' };

    it('refuses a hint signed with a key Entra does not publish under that kid (wrong signature)', async () => {
      const forged = await makeEntraKey(entra.key.kid);
      const params = authParams(await entra.hint(anna, APP_ID, forged));
      const r = await post(params);
      expect(r.status).toBe(200);
      expect(r.html).toContain('We could not check this sign-in request');
      expect(r.html).toContain('hint-signature');
      const f = errorFields(r.html);
      expect(f).toMatchObject({ action: entra.replyUrl, error: 'access_denied', state: params.state });
    });

    it('refuses a hint from a tenant that is not allowed', async () => {
      const r = await post(authParams(await entra.hint({ ...anna, tid: FOREIGN_TENANT }, APP_ID)), 'sv');
      expect(r.html).toContain('Vi kunde inte kontrollera inloggningsbegäran');
      expect(r.html).toContain('hint-tenant');
      expect(errorFields(r.html).error).toBe('access_denied');
    });

    it('refuses a hint for another audience', async () => {
      const r = await post(authParams(await entra.hint(anna, 'another-app-id')));
      expect(r.html).toContain('hint-audience');
      expect(errorFields(r.html).error).toBe('access_denied');
    });

    it('refuses a hint whose issuer is not the tenant’s Entra issuer', async () => {
      const r = await post(
        authParams(await entra.hint({ ...anna, iss: `https://evil.example/${TENANT}/v2.0` }, APP_ID)),
      );
      expect(r.html).toContain('hint-issuer');
    });

    it('refuses a hint issued too long ago (expiry is ignored, iat is not)', async () => {
      const r = await post(
        authParams(await entra.hint({ ...anna, iat: Math.floor(Date.now() / 1000) - 3600 }, APP_ID)),
      );
      expect(r.html).toContain('hint-iat');
    });

    it('refuses a hint that lacks required claims (oid), in Swedish', async () => {
      const { oid: _drop, ...noOid } = anna;
      const r = await post(authParams(await entra.hint(noOid, APP_ID)), 'sv');
      expect(r.html).toContain('hint-claims');
      expect(r.html).toContain('oid');
      expect(r.html).toContain('<html lang="sv">');
    });

    it('refuses a redirect_uri that is not on the allow-list, without redirecting anywhere', async () => {
      const r = await post(
        authParams(await entra.hint(anna, APP_ID), { redirect_uri: 'https://evil.example/collect' }),
      );
      expect(r.status).toBe(400);
      expect(r.html).toContain('This sign-in request cannot be used');
      expect(errorFields(r.html)).toEqual({});
      expect(r.html).not.toContain('evil.example/collect"');
    });

    it('refuses an unknown client_id without redirecting', async () => {
      const r = await post(authParams(await entra.hint(anna, APP_ID), { client_id: 'who-knows' }));
      expect(r.status).toBe(400);
      expect(errorFields(r.html)).toEqual({});
    });

    it('refuses missing parameters (no nonce) with invalid_request back to Entra', async () => {
      const { nonce: _n, ...params } = authParams(await entra.hint(anna, APP_ID));
      const r = await post(params);
      expect(errorFields(r.html)).toMatchObject({ error: 'invalid_request', state: params.state });
    });

    it('refuses an acr it cannot meet, and an amr list without tel', async () => {
      const knowledge = JSON.stringify({ id_token: { acr: { essential: true, values: ['knowledge'] } } });
      let r = await post(authParams(await entra.hint(anna, APP_ID), { claims: knowledge }));
      expect(errorFields(r.html).error).toBe('access_denied');
      const noTel = JSON.stringify({ id_token: { amr: { essential: true, values: ['fido'] } } });
      r = await post(authParams(await entra.hint(anna, APP_ID), { claims: noTel }));
      expect(errorFields(r.html).error).toBe('access_denied');
    });

    it('shows an unknown user "not enrolled" (sv, in Chromium) and sends access_denied back to Entra', async () => {
      const hint = await entra.hint(
        { tid: TENANT, oid: '11111111-2222-3333-4444-555555555555', preferred_username: 'nobody@contoso.example' },
        APP_ID,
      );
      const params = authParams(hint);
      const page = await signIn(door, params, 'sv-SE');
      await page
        .getByRole('heading', { level: 1, name: 'Du är inte registrerad för inloggning med telefon' })
        .waitFor();
      const before = entra.received.length;
      await page.getByRole('button', { name: 'Tillbaka till Microsoft-inloggningen' }).click();
      const got = await entra.waitForPost(before + 1, 10_000);
      expect(got.fields).toMatchObject({ error: 'access_denied', state: params.state });
      expect(got.fields.id_token).toBeUndefined();
      await page.context().close();
    });

    it('refuses a replayed nonce and a replayed state', async () => {
      // The first use (an unknown user, so no call) consumes the nonce and the state.
      const first = authParams(await entra.hint({ tid: TENANT, oid: '11111111-2222-3333-4444-666666666666' }, APP_ID));
      expect((await post(first)).html).toContain('not enrolled');
      const sameNonce = await post(authParams(await entra.hint(anna, APP_ID), { nonce: first.nonce! }));
      expect(sameNonce.html).toContain('This sign-in request was already used');
      expect(errorFields(sameNonce.html).error).toBe('invalid_request');
      const sameState = await post(authParams(await entra.hint(anna, APP_ID), { state: first.state! }));
      expect(sameState.html).toContain('already used');
      const audit = listAudit(door.app.ctx.store.db, { action: 'eam.sign-in.refused', limit: 5 });
      expect(audit.some((a) => (a.detail as { code?: string }).code === 'replayed')).toBe(true);
    });
  });

  describe('a call approves or denies the sign-in', () => {
    const peers: SippPeer[] = [];
    afterEach(async () => {
      await Promise.all(peers.splice(0).map((p) => p.stop()));
    });

    async function approve(
      locale: string,
      who: { oid: string; sub: string },
      texts: { heading: string; status: string },
    ) {
      const sipp = await phone(door, rfc2833Scenario(['dtmf_2833_pound.pcap'], 3000));
      peers.push(sipp);
      const params = authParams(await entra.hint({ tid: TENANT, ...who }, APP_ID));
      const before = entra.received.length;
      const page = await signIn(door, params, locale);
      await page.getByRole('heading', { level: 1, name: texts.heading }).waitFor();
      // The live status (SSE) shows the call before it is approved.
      await page.waitForSelector(`[data-part="status"]`);
      const got = await entra.waitForPost(before + 1, 90_000);
      expect(got.fields.error).toBeUndefined();
      expect(got.fields.state).toBe(params.state);
      await validateIdToken(door, got.fields.id_token!, { sub: who.sub, nonce: params.nonce! });
      await page.waitForSelector('#entra-received:text("id_token received")');
      expect(await sipp.finished()).toBe(0);
      await page.context().close();
      return got;
    }

    it('approves in Swedish: sipp presses #, Entra receives a valid id_token', async () => {
      await approve(
        'sv-SE',
        { oid: '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae1', sub: 'mBfcvuhSHkDWVgV72x2ruIYdSsPSvcj2R0qfc6mGEAA' },
        {
          heading: 'Godkänn din inloggning',
          status: '',
        },
      );
      const audit = listAudit(door.app.ctx.store.db, { action: 'eam.sign-in.approved', limit: 1 })[0];
      const attemptId = (audit!.detail as { attemptId?: string }).attemptId;
      expect(listAttempts(door.app.ctx.store.db, { limit: 10 }).find((a) => a.id === attemptId)?.outcome).toBe(
        'approved',
      );
    });

    it('approves in English', async () => {
      await approve(
        'en-GB',
        { oid: '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae2', sub: 'bob-pairwise-sub' },
        {
          heading: 'Approve your sign-in',
          status: '',
        },
      );
    });

    it('answers access_denied when the callee presses 0# and records the fraud report', async () => {
      const sipp = await phone(door, rfc2833Scenario(['dtmf_2833_0.pcap', 'dtmf_2833_pound.pcap'], 3000));
      peers.push(sipp);
      const params = authParams(
        await entra.hint({ tid: TENANT, oid: '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae3', sub: 'carl-sub' }, APP_ID),
      );
      const before = entra.received.length;
      const page = await signIn(door, params, 'en-GB');
      const got = await entra.waitForPost(before + 1, 90_000);
      expect(got.fields).toMatchObject({ error: 'access_denied', state: params.state });
      expect(got.fields.error_description).toContain('fraud');
      expect(got.fields.id_token).toBeUndefined();
      const audit = listAudit(door.app.ctx.store.db, { action: 'eam.sign-in.denied', limit: 1 })[0];
      const attemptId = (audit!.detail as { attemptId: string }).attemptId;
      expect(getFraudReportForAttempt(door.app.ctx.store.db, attemptId)).toBeDefined();
      await page.context().close();
    });

    it('answers access_denied when the line is busy (486), in Swedish', async () => {
      const sipp = await phone(
        door,
        scenario('busy', `  <recv request="INVITE"/>\n${response(486, 'Busy Here')}  <recv request="ACK"/>\n`),
      );
      peers.push(sipp);
      const params = authParams(
        await entra.hint({ tid: TENANT, oid: '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae4', sub: 'dora-sub' }, APP_ID),
      );
      const before = entra.received.length;
      const page = await signIn(door, params, 'sv-SE');
      const got = await entra.waitForPost(before + 1, 60_000);
      expect(got.fields).toMatchObject({
        error: 'access_denied',
        state: params.state,
        error_description: 'The phone was busy',
      });
      await page.context().close();
    });
    it('shows the admin the exact values for Entra, the keys, and the sign-ins linked to their calls', async () => {
      const adminKey = createApiKey(door.app.ctx.store.db, { name: 'eam admin', scopes: ['admin'] }).key;
      const ctx = await chrome.newContext({ locale: 'en-GB', acceptLanguage: 'en-GB' });
      const page = await ctx.newPage();
      await page.goto(`${door.app.url}/admin/login`);
      await page.getByLabel('API key').fill(adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Entra ID' }).click();
      await page.getByRole('heading', { level: 1, name: 'Entra ID (External Authentication Method)' }).waitFor();
      expect(await page.locator('#discovery-url').textContent()).toBe(
        `${door.issuer}/.well-known/openid-configuration`,
      );
      expect(await page.locator('#reply-url').textContent()).toBe(`${door.issuer}/authorize`);
      expect(await page.locator('#client-id-0').textContent()).toBe(CLIENT_ID);
      expect(await page.locator('#app-id-0').textContent()).toBe(APP_ID);
      const graph = JSON.parse((await page.locator('#graph-0').textContent()) ?? '{}');
      expect(graph).toMatchObject({
        appId: APP_ID,
        openIdConnectSetting: { clientId: CLIENT_ID, discoveryUrl: `${door.issuer}/.well-known/openid-configuration` },
      });
      const { jwks } = await providerMetadata(door);
      expect(await page.locator('#keys-title ~ .table-wrap tbody tr').count()).toBe(jwks.keys.length);
      const approved = listAudit(door.app.ctx.store.db, { action: 'eam.sign-in.approved', limit: 1 })[0]!;
      const attemptId = (approved.detail as { attemptId: string }).attemptId;
      await page.locator(`a[href="/admin/attempts/${attemptId}"]`).first().click();
      await page.waitForURL(`**/admin/attempts/${attemptId}`);
      await ctx.close();
    });
  });
});

describe('Entra EAM door (short window)', () => {
  let door: Door;
  beforeAll(async () => {
    door = await startDoor(6);
    enroll(door, 'erik', 'en-GB', '+46812345675', '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae5');
  });
  afterAll(async () => {
    await door?.app.stop();
  });

  it('answers access_denied when nobody approves within the window, and stops ringing', async () => {
    const sipp = await phone(door, ringOutScenario());
    try {
      const params = authParams(
        await entra.hint({ tid: TENANT, oid: '951ddb04-b16d-45f3-bbf7-b0fa18fa7ae5', sub: 'erik-sub' }, APP_ID),
      );
      const before = entra.received.length;
      const page = await signIn(door, params, 'en-GB');
      await page.getByRole('heading', { level: 1, name: 'Approve your sign-in' }).waitFor();
      const got = await entra.waitForPost(before + 1, 60_000);
      expect(got.fields).toMatchObject({ error: 'access_denied', state: params.state });
      expect(got.fields.error_description).toContain('in time');
      // The ringing call was cancelled (sipp's ring-out scenario ends on our CANCEL).
      expect(await sipp.finished()).toBe(0);
      await page.context().close();
    } finally {
      await sipp.stop();
    }
  });
});
