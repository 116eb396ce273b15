/**
 * The password check of `password-then-call`: an LDAP simple bind as the user (Active Directory,
 * OpenLDAP) with `ldapts`. Either the DN comes from a template, or it is searched for first (bound
 * as a service account, or anonymously). A wrong password is `wrong`; a directory that cannot be
 * reached or answers oddly is an error, never a pass.
 */
import { Client, EqualityFilter, InvalidCredentialsError } from 'ldapts';
import type { Logger } from 'pino';
import type { PasswordCheck, PasswordChecker } from './ports';

export interface LdapOptions {
  readonly url: string;
  readonly bindDnTemplate: string | null;
  readonly searchBase: string | null;
  readonly searchFilter: string;
  readonly searchBindDn: string | null;
  readonly searchBindPassword: string | null;
  readonly timeoutMs: number;
}

/** RFC 4514 §2.4: escape a value placed in a DN. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ')
    .replace(/\0/g, '\\00');
}

/** RFC 4515 §3: escape a value placed in a search filter. */
export function escapeFilterValue(value: string): string {
  return new EqualityFilter({ attribute: 'x', value }).escape(value);
}

export class LdapPasswordChecker implements PasswordChecker {
  constructor(
    private readonly o: LdapOptions,
    private readonly log: Logger,
  ) {}

  async check(username: string, password: string): Promise<PasswordCheck> {
    // An empty password would be an unauthenticated bind, which many servers "accept" (RFC 4513 §5.1.2).
    if (!password) return 'wrong';
    const client = new Client({ url: this.o.url, timeout: this.o.timeoutMs, connectTimeout: this.o.timeoutMs });
    try {
      const dn = await this.userDn(client, username);
      if (!dn) return 'wrong';
      await client.bind(dn, password);
      return 'ok';
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return 'wrong';
      this.log.warn({ err, url: this.o.url }, 'LDAP password check failed');
      return { error: err instanceof Error ? err.message : String(err) };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async userDn(client: Client, username: string): Promise<string | undefined> {
    if (this.o.bindDnTemplate) return this.o.bindDnTemplate.replaceAll('{username}', escapeDnValue(username));
    if (!this.o.searchBase) throw new Error('radius.ldap: neither bindDnTemplate nor searchBase is set');
    if (this.o.searchBindDn) await client.bind(this.o.searchBindDn, this.o.searchBindPassword ?? '');
    const filter = this.o.searchFilter.replaceAll('{username}', escapeFilterValue(username));
    const { searchEntries } = await client.search(this.o.searchBase, {
      scope: 'sub',
      filter,
      attributes: ['dn'],
      sizeLimit: 2,
    });
    // Zero or several matches: no single person to check the password of.
    return searchEntries.length === 1 ? searchEntries[0]?.dn : undefined;
  }
}
