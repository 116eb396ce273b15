/**
 * A test identity provider: the npm `oidc-provider` (a certified OpenID Provider), run as its own
 * process by test/support/peers/oidc-idp.ts. Its login is oidc-provider's development interaction
 * (a login name and any password; only the accounts in the config exist); their claims come from
 * the config. `POST /__test/tamper` turns on an attacker in the middle of the token response: it
 * rewrites the ID token's `iss` or `nonce` (re-signed with the IdP's real key, so only the claim
 * check can catch it), or breaks its signature. Configuration comes as JSON in IDP_CONFIG.
 */
import { createServer } from 'node:http';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.IDP_CONFIG);
const accounts = cfg.accounts; // { [login]: { preferred_username?, email?, groups? } }
let tamper = 'none';

const provider = new Provider(cfg.issuer, {
  clients: [
    {
      client_id: cfg.clientId,
      client_secret: cfg.clientSecret,
      redirect_uris: cfg.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [cfg.privateJwk] },
  cookies: { keys: ['idp-cookie-key-for-tests-only'] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const a = accounts[id];
    if (!a) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, name: id, ...a }) };
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper' && ctx.method === 'POST') {
    tamper = new URL(ctx.href).searchParams.get('mode') ?? 'none';
    ctx.body = { tamper };
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token && tamper !== 'none') {
    ctx.body = { ...ctx.body, id_token: await corrupt(ctx.body.id_token) };
  }
});

async function corrupt(jwt) {
  const header = decodeProtectedHeader(jwt);
  const claims = decodeJwt(jwt);
  if (tamper === 'signature') {
    const [h, p, s] = jwt.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[0] ^= 0xff;
    return `${h}.${p}.${sig.toString('base64url')}`;
  }
  if (tamper === 'iss') claims.iss = 'https://evil.example.com';
  if (tamper === 'nonce') claims.nonce = 'a-nonce-fyrkant-never-sent';
  const key = await importJWK(cfg.privateJwk, header.alg);
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

const server = createServer(provider.callback());
server.listen(cfg.port, '127.0.0.1', () => process.stdout.write(`IDP READY ${cfg.port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
