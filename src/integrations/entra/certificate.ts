/**
 * A self-signed X.509 certificate for a signing key, so every JWK can carry `x5c` as Entra requires.
 * Entra trusts the key through the discovery document, not through a CA, so self-signed is what
 * providers publish. node-forge builds the certificate; the key pair comes from node:crypto.
 */
import { createHash, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyCertificate {
  /** Base64 DER (the `x5c` entry). */
  readonly x5c: string;
  /** Base64url SHA-1 of the DER (`x5t`). */
  readonly x5t: string;
}

export function selfSignedCertificate(o: {
  publicKeyPem: string;
  privateKeyPem: string;
  commonName: string;
  notBefore: Date;
  years: number;
}): KeyCertificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(o.publicKeyPem);
  // Positive serial: clear the top bit.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = o.notBefore;
  const until = new Date(o.notBefore);
  until.setUTCFullYear(until.getUTCFullYear() + o.years);
  cert.validity.notAfter = until;
  const name = [{ name: 'commonName', value: o.commonName.slice(0, 64) }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(o.privateKeyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { x5c: der.toString('base64'), x5t: createHash('sha1').update(der).digest('base64url') };
}
