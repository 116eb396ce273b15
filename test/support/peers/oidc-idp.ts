/**
 * Starts test/support/peers/oidc-idp.mjs (npm oidc-provider) as a separate process on a free port:
 * a real OpenID Provider with discovery, JWKS, authorization code + PKCE and signed ID tokens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../ports';
import { makeTempDir, type PeerProcess, retryOnPortClash, spawnPeer, tcpPortListening, waitUntil } from './process';

export interface IdpAccount {
  readonly preferred_username?: string;
  readonly email?: string;
  readonly groups?: readonly string[];
}

export interface OidcIdp extends PeerProcess {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Turns the attacker in the middle of the token response on (`iss`, `nonce`, `signature`) or off. */
  tamper(mode: 'none' | 'iss' | 'nonce' | 'signature'): Promise<void>;
}

export interface IdpOptions {
  readonly redirectUris: readonly string[];
  readonly accounts: Readonly<Record<string, IdpAccount>>;
}

export function startOidcIdp(o: IdpOptions): Promise<OidcIdp> {
  return retryOnPortClash(() => startOnce(o));
}

async function startOnce(o: IdpOptions): Promise<OidcIdp> {
  const port = await freePort();
  const dir = makeTempDir('oidc-idp');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'fyrkant-test';
  const clientSecret = 'idp-client-secret-for-tests';
  const config = {
    issuer,
    port,
    clientId,
    clientSecret,
    redirectUris: o.redirectUris,
    accounts: o.accounts,
    privateJwk,
  };
  const script = join(__dirname, 'oidc-idp.mjs');
  // cwd is the temp dir (stop() removes it); the script finds oidc-provider from its own location.
  const peer = spawnPeer('oidc-idp', process.execPath, [script], dir, {
    IDP_CONFIG: JSON.stringify(config),
    NODE_ENV: 'test',
  });
  await waitUntil(peer, () => tcpPortListening(port), 15_000).catch(async (err: unknown) => {
    await peer.stop();
    throw err;
  });
  return {
    ...peer,
    issuer,
    clientId,
    clientSecret,
    tamper: async (mode) => {
      const r = await fetch(`${issuer}/__test/tamper?mode=${mode}`, { method: 'POST' });
      if (!r.ok) throw new Error(`IdP tamper switch answered ${r.status}`);
    },
  };
}
