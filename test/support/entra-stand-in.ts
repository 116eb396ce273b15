/**
 * Entra ID played by the test, over real HTTP(S) on 127.0.0.1:
 *  - its signing key (RSA, RS256) published as a JWKS over HTTPS with a certificate from a
 *    self-signed test CA (fyrkant trusts that CA through `entraEam.entra.caFile`);
 *  - id_token_hints shaped like the ones Entra's EAM documentation shows (MicrosoftDocs/entra-docs,
 *    concept-authentication-external-method-provider.md): `ver` 2.0, `iss` the tenant's v2 issuer,
 *    `aud` the EAM app id, `tid`, `oid`, `sub`, `preferred_username`, and `exp` one second BEFORE
 *    `iat` (issued expired, as Entra does);
 *  - a start page that posts the authorization request as a form (as Entra's login page does), and
 *    the reply endpoint (`…/common/federation/externalauthprovider`) that records what fyrkant posts back.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, type KeyLike, SignJWT } from 'jose';
import forge from 'node-forge';

export interface TestCa {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
export function makeTestCa(): TestCa {
  const caKeys = forge.pki.rsa.generateKeyPair(2048);
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = '01';
  ca.validity.notBefore = new Date(Date.now() - 3600_000);
  ca.validity.notAfter = new Date(Date.now() + 86_400_000);
  const caName = [{ name: 'commonName', value: 'fyrkant test CA (Entra stand-in)' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '02';
  cert.validity.notBefore = ca.validity.notBefore;
  cert.validity.notAfter = ca.validity.notAfter;
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

export interface EntraKey {
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly jwk: JWK;
}

export async function makeEntraKey(kid = `test-${randomUUID().slice(0, 8)}`): Promise<EntraKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

export interface HintClaims {
  readonly tid: string;
  readonly oid?: string;
  readonly sub?: string;
  readonly aud?: string;
  readonly iss?: string;
  readonly preferred_username?: string;
  readonly iat?: number;
}

export interface PostedForm {
  readonly at: number;
  readonly fields: Record<string, string>;
}

export interface EntraStandIn {
  /** `https://127.0.0.1:<port>`: issuer authority and JWKS host. */
  readonly authority: string;
  readonly jwksUrl: string;
  readonly caFile: string;
  /** The reply URL (allowed by the test's config as an extra redirect URI). */
  readonly replyUrl: string;
  /** The key hints are signed with (the newest published). */
  readonly key: EntraKey;
  /** Rolls Entra's key: a new key is published beside the old ones and signs from now on. */
  rollKey(): Promise<EntraKey>;
  /** Signs an id_token_hint as Entra does (expired on issue) with `key` (or another key). */
  hint(claims: HintClaims, appId: string, signWith?: EntraKey): Promise<string>;
  /** A page that form-POSTs these parameters to `action` (click the button, as Entra's page auto-posts). */
  startUrl(action: string, params: Readonly<Record<string, string>>): string;
  /** Forms fyrkant posted to the reply URL, oldest first. */
  readonly received: PostedForm[];
  /** JWKS fetches served (to see the cache and the refetch on an unknown kid). */
  jwksFetches(): number;
  waitForPost(count: number, timeoutMs: number): Promise<PostedForm>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export async function startEntraStandIn(dir: string): Promise<EntraStandIn> {
  const ca = makeTestCa();
  const caFile = join(dir, 'entra-test-ca.pem');
  writeFileSync(caFile, ca.caPem);
  let key = await makeEntraKey();
  const published: EntraKey[] = [key];
  let fetches = 0;
  const jwksServer = createHttpsServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    if (req.url === '/common/discovery/v2.0/keys') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
      return;
    }
    res.writeHead(404).end();
  });
  const jwksPort = await listen(jwksServer);
  const authority = `https://127.0.0.1:${jwksPort}`;

  const received: PostedForm[] = [];
  const waiters: (() => void)[] = [];
  const starts = new Map<string, { action: string; params: Readonly<Record<string, string>> }>();
  const web = createHttpServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/common/federation/externalauthprovider') {
        const fields = Object.fromEntries(new URLSearchParams(await readBody(req)));
        received.push({ at: Date.now(), fields });
        for (const w of waiters.splice(0)) w();
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Entra</title><h1 id="entra-received">${fields.id_token ? 'id_token received' : `error ${escapeAttr(fields.error ?? '')}`}</h1>`,
        );
        return;
      }
      const start = url.pathname.startsWith('/start/') ? starts.get(url.pathname.slice(7)) : undefined;
      if (req.method === 'GET' && start) {
        const inputs = Object.entries(start.params)
          .map(([k, v]) => `<input type="hidden" name="${escapeAttr(k)}" value="${escapeAttr(v)}">`)
          .join('');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Microsoft</title><form method="post" action="${escapeAttr(start.action)}">${inputs}<button type="submit" id="entra-continue">Continue</button></form>`,
        );
        return;
      }
      res.writeHead(404).end();
    })();
  });
  const webPort = await listen(web);
  const webBase = `http://127.0.0.1:${webPort}`;

  return {
    authority,
    jwksUrl: `${authority}/common/discovery/v2.0/keys`,
    caFile,
    replyUrl: `${webBase}/common/federation/externalauthprovider`,
    get key() {
      return key;
    },
    async rollKey() {
      key = await makeEntraKey();
      published.push(key);
      return key;
    },
    received,
    jwksFetches: () => fetches,
    async hint(c, appId, signWith?: EntraKey) {
      const signer = signWith ?? key;
      const iat = c.iat ?? Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        ver: '2.0',
        iss: c.iss ?? `${authority}/${c.tid}/v2.0`,
        sub: c.sub ?? `sub-${randomUUID()}`,
        aud: c.aud ?? appId,
        exp: iat - 1,
        iat,
        nbf: iat,
        name: 'Test User',
        preferred_username: c.preferred_username ?? 'test.user@contoso.example',
        tid: c.tid,
      };
      if (c.oid !== undefined) payload.oid = c.oid;
      return new SignJWT(payload)
        .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: signer.kid })
        .sign(signer.privateKey);
    },
    startUrl(action, params) {
      const id = randomUUID();
      starts.set(id, { action, params });
      return `${webBase}/start/${id}`;
    },
    waitForPost(count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`Entra stand-in: no form post #${count} within ${timeoutMs} ms (got ${received.length})`)),
          timeoutMs,
        );
        const check = () => {
          const got = received[count - 1];
          if (got) {
            clearTimeout(timer);
            resolve(got);
          } else waiters.push(check);
        };
        check();
      });
    },
    async close() {
      jwksServer.closeAllConnections();
      web.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => jwksServer.close(() => r())),
        new Promise<void>((r) => web.close(() => r())),
      ]);
    },
  };
}
