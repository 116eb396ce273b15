/**
 * Pure rules about RADIUS clients shared by the configuration schema and the RADIUS server: the
 * modes a client can be in, and how a client's source address (an IP or a CIDR) is read.
 */
import { isIP } from 'node:net';

/**
 * - `second-factor`: the User-Name alone picks the fyrkant user (another server checked the password).
 * - `password-then-call`: the PAP password is checked by an LDAP/AD bind first, then the call.
 * - `challenge`: Access-Challenge first (State + Reply-Message), the second Access-Request completes.
 */
export const RADIUS_MODES = ['second-factor', 'password-then-call', 'challenge'] as const;
export type RadiusMode = (typeof RADIUS_MODES)[number];

export interface AddressRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `10.0.0.5` → /32, `10.0.0.0/24`, `::1`, `fd00::/8`; undefined when it is neither. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length) return undefined;
  const v = isIP(address);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export function isAddressOrCidr(text: string): boolean {
  return parseAddressRange(text) !== undefined;
}

/** `anna@example.com` and `EXAMPLE\anna` → `anna` (for clients that send the realm along). */
export function stripRealm(username: string): string {
  const backslash = username.lastIndexOf('\\');
  const name = backslash >= 0 ? username.slice(backslash + 1) : username;
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}
