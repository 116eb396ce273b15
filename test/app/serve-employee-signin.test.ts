/**
 * `fyrkant serve` with employee sign-in turned on by configuration (issue 18a): the real
 * composition root builds the OpenID Connect and LDAP doors from `employeeSignIn`, the sign-in page
 * offers both, the OIDC door redirects to a real oidc-provider with PKCE, and without a configured
 * `http.sessionSecret` one is made once in the data dir (0600) and kept across restarts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { type OidcIdp, startOidcIdp } from '../support/peers/oidc-idp';
import { freeEvenPortPair, freePort } from '../support/ports';

jest.setTimeout(90_000);

let dir: string;
let idp: OidcIdp;
let port: number;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-serve-signin-'));
  port = await freePort();
  idp = await startOidcIdp({ redirectUris: [`http://127.0.0.1:${port}/me/signin/oidc/callback`], accounts: {} });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await waitForExit(child).catch(() => {});
  }
  await idp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(): Promise<string> {
  const rtp = await freeEvenPortPair();
  child = spawnCli(['serve'], {
    env: {
      FYRKANT_DATA_DIR: join(dir, 'data'),
      FYRKANT_DATABASE__PATH: join(dir, 'data', 'fyrkant.db'),
      FYRKANT_IVR__PROMPT_CACHE_DIR: join(dir, 'data', 'prompts'),
      FYRKANT_HTTP__PORT: String(port),
      FYRKANT_HTTP__PUBLIC_URL: `http://127.0.0.1:${port}`,
      FYRKANT_SIP__PORT: String(await freePort()),
      FYRKANT_MEDIA__RTP_PORT_MIN: String(rtp),
      FYRKANT_MEDIA__RTP_PORT_MAX: String(rtp + 1),
      FYRKANT_SIP__TRUNK__KEEPALIVE_SECONDS: '0',
      FYRKANT_EMPLOYEE_SIGN_IN__OIDC__ENABLED: 'true',
      FYRKANT_EMPLOYEE_SIGN_IN__OIDC__ISSUER: idp.issuer,
      FYRKANT_EMPLOYEE_SIGN_IN__OIDC__CLIENT_ID: idp.clientId,
      FYRKANT_EMPLOYEE_SIGN_IN__OIDC__CLIENT_SECRET: idp.clientSecret,
      FYRKANT_EMPLOYEE_SIGN_IN__LDAP__ENABLED: 'true',
      FYRKANT_EMPLOYEE_SIGN_IN__LDAP__URL: 'ldap://127.0.0.1:1',
      FYRKANT_EMPLOYEE_SIGN_IN__LDAP__BIND_DN_TEMPLATE: 'uid={username},ou=people,dc=example,dc=test',
    },
  });
  const up = await waitForJsonLine<{ url: string }>(child, (o) => o.fyrkant === 'listening', 45_000);
  return up.url;
}

async function stop(): Promise<void> {
  child?.kill('SIGTERM');
  if (child) expect(await waitForExit(child, 15_000)).toBe(0);
}

describe('fyrkant serve with employeeSignIn', () => {
  it('offers both doors, redirects to the IdP with PKCE, and keeps its session secret', async () => {
    const url = await serve();
    const page = await (await fetch(`${url}/me/signin?lang=en`)).text();
    expect(page).toContain('id="signin-oidc"');
    expect(page).toContain('action="/me/signin/ldap"');
    expect(page).toContain('Example AB'); // companyName in the header

    const go = await fetch(`${url}/me/signin/oidc`, { redirect: 'manual' });
    expect(go.status).toBe(303);
    const to = new URL(go.headers.get('location') ?? '');
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/me/signin/oidc/callback`);
    expect(to.searchParams.get('client_id')).toBe(idp.clientId);
    expect(to.searchParams.get('nonce')).toBeTruthy();
    expect(go.headers.getSetCookie().some((c) => c.startsWith('fyrkant_oidc='))).toBe(true);

    const secretFile = join(dir, 'data', 'session-secret');
    const secret = readFileSync(secretFile, 'utf8');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    await stop();
    await serve();
    expect(readFileSync(secretFile, 'utf8')).toBe(secret);
    await stop();
  });
});
