/**
 * The provider's RS256 signing keys. Stored in the database with the private key encrypted at rest.
 *
 * Rollover as Entra asks (it caches metadata ~24 h): `rotate` publishes a new key at once but signs
 * with it only from `signingFrom` = now + delay; the old key keeps signing until then, and stays in
 * the JWKS for another `delay` after it stops signing. So the JWKS always shows both keys while
 * either may be in use, and `kid` (the RFC 7638 thumbprint) never changes for a key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK, type KeyLike } from 'jose';
import type { Db } from '../../store/open';
import { type OidcSigningKeyRow, oidcSigningKeys } from '../../store/schema';
import { selfSignedCertificate } from './certificate';
import { decryptPrivateKey, encryptPrivateKey } from './key-crypto';

export interface SigningKeyOptions {
  readonly secret: string;
  readonly rotationDelayMs: number;
  /** Subject of the self-signed certificate (the issuer's host). */
  readonly commonName: string;
  readonly now?: () => number;
}

export interface PublishedKey {
  readonly kid: string;
  readonly jwk: JWK;
  readonly signingFrom: number;
  /** Until when it is published (undefined = no successor yet). */
  readonly publishedUntil?: number;
  readonly signing: boolean;
}

export class SigningKeys {
  private readonly now: () => number;
  private readonly privateCache = new Map<string, KeyLike>();

  constructor(
    private readonly db: Db,
    private readonly o: SigningKeyOptions,
  ) {
    this.now = o.now ?? Date.now;
  }

  private rows(): OidcSigningKeyRow[] {
    return this.db.select().from(oidcSigningKeys).orderBy(asc(oidcSigningKeys.signingFrom)).all();
  }

  /** Creates the first key if there is none (signing at once). */
  async ensure(): Promise<void> {
    if (this.rows().length === 0) await this.create(this.now());
  }

  /** Publishes a new key now; it signs from now + the rotation delay. */
  async rotate(): Promise<{ kid: string; signingFrom: number }> {
    await this.ensure();
    return this.create(this.now() + this.o.rotationDelayMs);
  }

  private async create(signingFrom: number): Promise<{ kid: string; signingFrom: number }> {
    const at = this.now();
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const base = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(base, 'sha256');
    const cert = selfSignedCertificate({
      publicKeyPem,
      privateKeyPem,
      commonName: this.o.commonName,
      notBefore: new Date(at - 60_000),
      years: 10,
    });
    const jwk: JWK = {
      kty: 'RSA',
      use: 'sig',
      alg: 'RS256',
      kid,
      x5t: cert.x5t,
      n: base.n,
      e: base.e,
      x5c: [cert.x5c],
    };
    this.db
      .insert(oidcSigningKeys)
      .values({
        kid,
        publicJwk: JSON.stringify(jwk),
        privateKeyEnc: encryptPrivateKey(privateKeyPem, this.o.secret),
        createdAt: at,
        signingFrom,
      })
      .run();
    return { kid, signingFrom };
  }

  /** Every key with its window, oldest first. */
  list(at = this.now()): PublishedKey[] {
    const rows = this.rows();
    const signingKid = this.signingRow(rows, at)?.kid;
    return rows.map((r, i) => {
      const successor = rows.slice(i + 1).find((n) => n.signingFrom > r.signingFrom);
      const publishedUntil = r.retiredAt ?? (successor ? successor.signingFrom + this.o.rotationDelayMs : undefined);
      return {
        kid: r.kid,
        jwk: JSON.parse(r.publicJwk) as JWK,
        signingFrom: r.signingFrom,
        ...(publishedUntil !== undefined ? { publishedUntil } : {}),
        signing: r.kid === signingKid,
      };
    });
  }

  /** The JWKS: keys not past their publication window. */
  jwks(at = this.now()): { keys: JWK[] } {
    return {
      keys: this.list(at)
        .filter((k) => k.publishedUntil === undefined || k.publishedUntil > at)
        .map((k) => k.jwk),
    };
  }

  private signingRow(rows: OidcSigningKeyRow[], at: number): OidcSigningKeyRow | undefined {
    return rows.filter((r) => r.signingFrom <= at && (r.retiredAt === null || r.retiredAt > at)).at(-1);
  }

  /** The key that signs now (its kid and private key). */
  async signingKey(at = this.now()): Promise<{ kid: string; key: KeyLike }> {
    await this.ensure();
    const row = this.signingRow(this.rows(), at);
    if (!row) throw new Error('no OIDC signing key is active (run `fyrkant oidc keys list`)');
    let key = this.privateCache.get(row.kid);
    if (!key) {
      key = await importPKCS8(decryptPrivateKey(row.privateKeyEnc, this.o.secret), 'RS256');
      this.privateCache.set(row.kid, key);
    }
    return { kid: row.kid, key };
  }

  /** Checks the configured secret opens every stored key (start-up check). */
  verifySecret(): void {
    for (const r of this.rows()) decryptPrivateKey(r.privateKeyEnc, this.o.secret);
  }

  retire(kid: string, at = this.now()): boolean {
    return this.db.update(oidcSigningKeys).set({ retiredAt: at }).where(eq(oidcSigningKeys.kid, kid)).run().changes > 0;
  }
}
