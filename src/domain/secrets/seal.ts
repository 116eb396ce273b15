/**
 * Sealing a short secret so only holders of the same shared secret can read it: AES-256-GCM from
 * node:crypto under a key derived with HKDF-SHA256, a random 12-byte IV per seal, and associated
 * data that binds the ciphertext to where it is kept (a sealed value moved to another key opens as
 * nothing). Used for the one-time app password waiting in the database for its pickup (issue 19).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte key for `purpose` from a secret every node shares (never logged, never stored). */
export function deriveSealKey(sharedSecret: string, purpose: string): Buffer {
  if (sharedSecret.length === 0) throw new Error('deriveSealKey: the shared secret is empty');
  return Buffer.from(hkdfSync('sha256', sharedSecret, 'fyrkant seal', purpose, 32));
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url) of `plaintext`, bound to `associated`. */
export function seal(key: Buffer, plaintext: string, associated: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The plaintext, or undefined when `sealed` is malformed, under another key or for other associated data. */
export function unseal(key: Buffer, sealed: string, associated: string): string | undefined {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [iv, tag, body] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !body) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
