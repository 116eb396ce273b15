/**
 * The id_token_hint check against Entra's JWKS served over loopback HTTPS by the test's Entra
 * stand-in (self-signed CA trusted through `caFile`): the keys are cached, fetched again when a
 * hint names an unknown kid (Entra rolled its key), and an untrusted certificate is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntraHintVerifier } from '../../src/integrations/entra/entra-hint';
import type { EamClient } from '../../src/integrations/entra/settings';
import { type EntraStandIn, startEntraStandIn } from '../support/entra-stand-in';

const TENANT = '14c2f153-90a7-4689-9db7-9543bf084dad';
const APP_ID = '600b719b-3766-4dc5-95a6-3c4a8dc31885';
const OID = '951ddb04-b16d-45f3-bbf7-b0fa18fa7aee';
const client: EamClient = { clientId: 'c', appId: APP_ID, tenants: [TENANT], hintAudiences: [APP_ID] };

let dir: string;
let entra: EntraStandIn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-hint-'));
  entra = await startEntraStandIn(dir);
});
afterAll(async () => {
  await entra.close();
  rmSync(dir, { recursive: true, force: true });
});

function verifier(caFile: string | null = entra.caFile): EntraHintVerifier {
  return new EntraHintVerifier({
    jwksUrl: entra.jwksUrl,
    issuerTemplates: [`${entra.authority}/{tenantId}/v2.0`],
    maxAgeMs: 600_000,
    caFile,
    refetchCooldownMs: 0,
  });
}

it('accepts an expired-on-issue hint, caches the keys, and fetches again for an unknown kid', async () => {
  const v = verifier();
  const start = entra.jwksFetches();
  const first = await v.verify(await entra.hint({ tid: TENANT, oid: OID, sub: 's1' }, APP_ID), client, Date.now());
  expect(first).toMatchObject({ ok: true, claims: { tid: TENANT, oid: OID, sub: 's1' } });
  await v.verify(await entra.hint({ tid: TENANT, oid: OID }, APP_ID), client, Date.now());
  expect(entra.jwksFetches()).toBe(start + 1);

  await entra.rollKey();
  const rolled = await v.verify(await entra.hint({ tid: TENANT, oid: OID, sub: 's2' }, APP_ID), client, Date.now());
  expect(rolled).toMatchObject({ ok: true, claims: { sub: 's2' } });
  expect(entra.jwksFetches()).toBe(start + 2);
});

it('refuses Entra keys served with a certificate it does not trust', async () => {
  const r = await verifier(null).verify(await entra.hint({ tid: TENANT, oid: OID }, APP_ID), client, Date.now());
  expect(r).toMatchObject({ ok: false, code: 'entra-keys-unavailable' });
});

it('refuses a token that is not a JWS and one signed with HS256', async () => {
  const v = verifier();
  expect(await v.verify('not-a-jwt', client, Date.now())).toMatchObject({ ok: false, code: 'hint-malformed' });
  const { SignJWT } = await import('jose');
  const hs = await new SignJWT({ tid: TENANT, oid: OID })
    .setProtectedHeader({ alg: 'HS256', kid: entra.key.kid })
    .sign(new TextEncoder().encode('0123456789abcdef0123456789abcdef'));
  expect(await v.verify(hs, client, Date.now())).toMatchObject({ ok: false, code: 'hint-signature' });
});
