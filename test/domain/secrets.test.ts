import fc from 'fast-check';
import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey, scopeAllows } from '../../src/domain/api-keys/key';
import {
  APP_PASSWORD_ALPHABET,
  generateAppPassword,
  looksLikeAppPassword,
  normaliseAppPassword,
} from '../../src/domain/app-passwords/generate';
import { backoffDelay } from '../../src/domain/retry/backoff';
import { hashSecret, verifySecret } from '../../src/domain/secrets/slow-hash';
import { signWebhook, verifyWebhookSignature } from '../../src/domain/webhooks/signature';

describe('app passwords', () => {
  it('are readable groups from the look-alike-free alphabet and all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = generateAppPassword();
      expect(p).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(p).not.toMatch(/[01ilo]/);
      seen.add(p);
    }
    expect(seen.size).toBe(2000);
  });

  it('uses every symbol of the alphabet (no bias toward a subset)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++)
      for (const c of normaliseAppPassword(generateAppPassword())) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(APP_PASSWORD_ALPHABET.length);
    // 48,000 symbols over 31: ~1548 each; a biased generator would be far off.
    for (const n of counts.values()) expect(Math.abs(n - 48000 / 31)).toBeLessThan(250);
  });

  it('normalising ignores case, spaces and dashes', () => {
    expect(normaliseAppPassword('ABCD efgh-JKMN  pqrs')).toBe('abcdefghjkmnpqrs');
    expect(looksLikeAppPassword('abcd-efgh-jkmn-pqrs')).toBe(true);
    expect(looksLikeAppPassword('abcd-efgh-jkmn-pqr0')).toBe(false);
    expect(looksLikeAppPassword('short')).toBe(false);
  });
});

describe('scrypt hashes', () => {
  it('verify the right secret only, with a fresh salt each time', async () => {
    const a = await hashSecret('k7mqx3vd9hrt2pwe', { logN: 10, r: 8, p: 1 });
    const b = await hashSecret('k7mqx3vd9hrt2pwe', { logN: 10, r: 8, p: 1 });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(await verifySecret('k7mqx3vd9hrt2pwe', a)).toBe(true);
    expect(await verifySecret('k7mqx3vd9hrt2pwf', a)).toBe(false);
  });

  it('never match a malformed stored value (and never throw)', async () => {
    for (const bad of ['', 'scrypt$', 'bcrypt$1$2$3$4$5', 'scrypt$99$8$1$aa$bb', 'scrypt$10$8$1$aa$short'])
      expect(await verifySecret('x', bad)).toBe(false);
  });
});

describe('API keys', () => {
  it('have a findable prefix and match only their own hash', () => {
    const k = generateApiKey();
    expect(k.key).toMatch(/^fyk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyPrefix(k.key)).toBe(k.prefix);
    expect(k.hash).toBe(hashApiKey(k.key));
    expect(apiKeyMatches(k.key, k.hash)).toBe(true);
    expect(apiKeyMatches(generateApiKey().key, k.hash)).toBe(false);
    expect(apiKeyMatches(k.key, 'abc')).toBe(false);
  });

  it('reject anything that is not key-shaped without a lookup', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = apiKeyPrefix(s);
        return p === undefined || s.startsWith(`fyk_${p}_`);
      }),
      { numRuns: 2000 },
    );
    expect(apiKeyPrefix('Bearer fyk_x')).toBeUndefined();
  });

  it('admin scope includes integration, not the other way round', () => {
    expect(scopeAllows(['admin'], 'integration')).toBe(true);
    expect(scopeAllows(['integration'], 'admin')).toBe(false);
    expect(scopeAllows(['integration'], 'integration')).toBe(true);
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = JSON.stringify({ type: 'attempt.ended', attempt: { id: 'a1', outcome: 'approved' } });

  it('sign HMAC-SHA256 over timestamp and body, and verify', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, body, header, 1_700_000_010)).toEqual({ ok: true });
  });

  it('detect a changed body, a wrong secret, a stale timestamp and garbage', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(verifyWebhookSignature(secret, `${body} `, header, 1_700_000_000)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhookSignature('other', body, header, 1_700_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(secret, body, header, 1_700_001_000)).toEqual({ ok: false, reason: 'too-old' });
    expect(verifyWebhookSignature(secret, body, 'nonsense', 1_700_000_000)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('backoff', () => {
  const policy = { initialMs: 1000, factor: 2, maxMs: 5000, maxTries: 5 };
  it('grows exponentially up to the cap and stops after maxTries', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n))).toEqual([
      undefined,
      1000,
      2000,
      4000,
      5000,
      undefined,
    ]);
  });
  it('jitter only ever delays, by at most 25 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, j) => {
        const base = backoffDelay(policy, n)!;
        const d = backoffDelay(policy, n, () => j)!;
        return d >= base && d <= Math.round(base * 1.25);
      }),
    );
  });
});
