/**
 * The provider's signing keys: stored encrypted, published with x5c and a stable kid, and rolled
 * over as Entra asks (publish first, sign after the delay, both in the JWKS meanwhile). Time comes
 * from an injected clock; the CLI's `oidc keys rotate` is run as a child process on the same file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet, importX509, SignJWT } from 'jose';
import { KeyDecryptionError } from '../../src/integrations/entra/key-crypto';
import { SigningKeys } from '../../src/integrations/entra/signing-keys';
import { openStore, type Store } from '../../src/store';
import { oidcSigningKeys } from '../../src/store/schema';
import { runCli } from '../support/cli';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const HOUR = 3_600_000;

let dir: string;
let store: Store;
let now: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-keys-'));
  store = openStore({ path: join(dir, 'f.db') });
  now = Date.UTC(2026, 11, 1, 12, 0, 0);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function keys(secret = SECRET): SigningKeys {
  return new SigningKeys(store.db, {
    secret,
    rotationDelayMs: 48 * HOUR,
    commonName: 'mfa.example.test',
    now: () => now,
  });
}

async function sign(k: SigningKeys): Promise<string> {
  const { kid, key } = await k.signingKey();
  return new SignJWT({ x: 1 }).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

async function kidOf(token: string): Promise<string> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
}

it('creates one key with x5c, a thumbprint kid, and the private key encrypted at rest', async () => {
  const k = keys();
  await k.ensure();
  await k.ensure();
  const { keys: published } = k.jwks();
  expect(published).toHaveLength(1);
  const jwk = published[0]!;
  expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
  expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(jwk.x5c).toHaveLength(1);
  expect(jwk).not.toHaveProperty('d');
  // The certificate carries the same public key as the JWK.
  const token = await sign(k);
  const pem = `-----BEGIN CERTIFICATE-----\n${jwk.x5c![0]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
  await compactVerify(token, await importX509(pem, 'RS256'));
  await compactVerify(token, createLocalJWKSet({ keys: published }));
  const row = store.db.select().from(oidcSigningKeys).get()!;
  expect(row.privateKeyEnc).toMatch(/^v1\./);
  expect(row.privateKeyEnc).not.toContain('PRIVATE KEY');
  expect(() => keys('another-secret-that-is-long-enough-987654321').verifySecret()).toThrow(KeyDecryptionError);
});

it('rotates: new key published at once, signing switches after the delay, old key leaves after another delay', async () => {
  const k = keys();
  await k.ensure();
  const oldKid = k.jwks().keys[0]!.kid!;
  now += HOUR;
  const { kid: newKid, signingFrom } = await k.rotate();
  expect(signingFrom).toBe(now + 48 * HOUR);
  expect(k.jwks().keys.map((j) => j.kid)).toEqual([oldKid, newKid]);
  expect(await kidOf(await sign(k))).toBe(oldKid);

  now = signingFrom - 1;
  expect(await kidOf(await sign(k))).toBe(oldKid);
  expect(k.jwks().keys).toHaveLength(2);

  now = signingFrom;
  expect(await kidOf(await sign(k))).toBe(newKid);
  expect(k.jwks().keys.map((j) => j.kid)).toEqual([oldKid, newKid]);

  now = signingFrom + 48 * HOUR - 1;
  expect(k.jwks().keys).toHaveLength(2);
  now = signingFrom + 48 * HOUR;
  expect(k.jwks().keys.map((j) => j.kid)).toEqual([newKid]);
  // The kid of a key never changes.
  expect(k.list().map((x) => x.kid)).toEqual([oldKid, newKid]);
});

it('`fyrkant oidc keys rotate` publishes a key that signs after the configured delay', async () => {
  const k = keys();
  await k.ensure();
  store.close();
  const env = {
    FYRKANT_DATABASE__PATH: join(dir, 'f.db'),
    FYRKANT_DATA_DIR: dir,
    FYRKANT_ENTRA_EAM__KEYS__ENCRYPTION_KEY: SECRET,
    FYRKANT_ENTRA_EAM__KEYS__ROTATION_DELAY_HOURS: '24',
  };
  const before = Date.now();
  const r = await runCli(['oidc', 'keys', 'rotate', '--json'], { env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { kid: string; signingFrom: string };
  const from = Date.parse(out.signingFrom);
  expect(from).toBeGreaterThanOrEqual(before + 24 * HOUR);
  expect(from).toBeLessThan(Date.now() + 24 * HOUR + 1000);
  const list = await runCli(['oidc', 'keys', 'list', '--json'], { env });
  const keysNow = JSON.parse(list.stdout) as { kid: string; signing: boolean }[];
  expect(keysNow).toHaveLength(2);
  expect(keysNow.find((x) => x.kid === out.kid)?.signing).toBe(false);
  const wrong = await runCli(['oidc', 'keys', 'rotate'], {
    env: { ...env, FYRKANT_ENTRA_EAM__KEYS__ENCRYPTION_KEY: 'wrong-wrong-wrong-wrong-wrong-wrong-wrong' },
  });
  expect(wrong.code).not.toBe(0);
  expect(wrong.stderr).toContain('not the key it was encrypted with');
  store = openStore({ path: join(dir, 'f.db') });
});
