/**
 * App passwords: random, readable, typed into legacy mail/VPN clients by hand.
 *
 * 16 characters from a 31-symbol alphabet without look-alikes (no 0/o, 1/l/i) ≈ 79 bits from the
 * CSPRNG, shown in groups of four: `k7mq-x3vd-9hrt-2pwe`. Checking ignores case, spaces and dashes so
 * a password copied with different grouping still works.
 */
import { randomInt } from 'node:crypto';

export const APP_PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const LENGTH = 16;
const GROUP = 4;

export function generateAppPassword(): string {
  let raw = '';
  // randomInt is uniform (rejection sampling), so no symbol is more likely than another.
  for (let i = 0; i < LENGTH; i++) raw += APP_PASSWORD_ALPHABET[randomInt(APP_PASSWORD_ALPHABET.length)];
  return raw.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-');
}

/** The form that is hashed and compared. */
export function normaliseAppPassword(input: string): string {
  return input.toLowerCase().replace(/[\s-]+/g, '');
}

/** Cheap shape check before spending a slow hash on obvious garbage. */
export function looksLikeAppPassword(input: string): boolean {
  const n = normaliseAppPassword(input);
  return n.length === LENGTH && [...n].every((c) => APP_PASSWORD_ALPHABET.includes(c));
}

/** The name fyrkant gives the app password it issues when an enrollment call is approved. */
export const ENROLLMENT_APP_PASSWORD_NAME = 'enrollment';
