/**
 * Encryption at rest for the provider's private keys: AES-256-GCM with a key derived (scrypt, fixed
 * application salt) from the configured secret. Format `v1.<iv>.<tag>.<ciphertext>`, base64url.
 * A wrong secret fails loudly (GCM tag) instead of producing a garbage key.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

const SALT = 'fyrkant oidc signing keys v1';

export class KeyDecryptionError extends Error {
  override readonly name = 'KeyDecryptionError';
}

function derive(secret: string): Buffer {
  if (secret.length < 32)
    throw new Error('entraEam.keys.encryptionKey must be at least 32 characters (e.g. `openssl rand -base64 48`)');
  return scryptSync(secret, SALT, 32);
}

export function encryptPrivateKey(plain: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derive(secret), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decryptPrivateKey(sealed: string, secret: string): string {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || !data) throw new KeyDecryptionError('unknown format of a stored signing key');
  try {
    const d = createDecipheriv('aes-256-gcm', derive(secret), Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
  } catch {
    throw new KeyDecryptionError(
      'cannot decrypt the stored OIDC signing key: entraEam.keys.encryptionKey is not the key it was encrypted with',
    );
  }
}
