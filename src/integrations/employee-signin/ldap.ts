/**
 * LDAP / Active Directory sign-in for employees with `ldapts`: bind as the user (DN from a template,
 * or searched for with an RFC 4515-escaped filter, as a service account or anonymously), optionally
 * after StartTLS, then read the user's own entry for the attribute that names the fyrkant user.
 * A wrong password is `wrong-password`; a directory that cannot be reached is `unavailable`, never a pass.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import type { Logger } from 'pino';
import { escapeDnValue, escapeFilterValue } from '../../radius/ldap';
import type { IdentityResult, LdapSignInPort } from './types';

export interface LdapSignInOptions {
  readonly url: string;
  readonly bindDnTemplate: string | null;
  readonly searchBase: string | null;
  readonly searchFilter: string;
  readonly searchBindDn: string | null;
  readonly searchBindPassword: string | null;
  readonly userAttribute: string;
  readonly startTls: boolean;
  readonly caFile: string | null;
  readonly rejectUnauthorized: boolean;
  readonly timeoutMs: number;
}

export class LdapSignIn implements LdapSignInPort {
  private readonly tls: ConnectionOptions;

  constructor(
    private readonly o: LdapSignInOptions,
    private readonly log: Logger,
  ) {
    this.tls = {
      rejectUnauthorized: o.rejectUnauthorized,
      ...(o.caFile ? { ca: readFileSync(o.caFile) } : {}),
    };
  }

  async check(username: string, password: string): Promise<IdentityResult> {
    // An empty password is an unauthenticated bind that many servers "accept" (RFC 4513 §5.1.2).
    if (!username || !password) return { ok: false, reason: 'wrong-password', detail: 'name or password empty' };
    const client = new Client({
      url: this.o.url,
      timeout: this.o.timeoutMs,
      connectTimeout: this.o.timeoutMs,
      ...(this.o.url.startsWith('ldaps:') ? { tlsOptions: this.tls } : {}),
    });
    try {
      if (this.o.startTls) await client.startTLS(this.tls);
      const dn = await this.userDn(client, username);
      if (!dn) return { ok: false, reason: 'wrong-password', detail: 'no single directory entry for that name' };
      await client.bind(dn, password);
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [this.o.userAttribute] });
      const raw = searchEntries[0]?.[this.o.userAttribute];
      const value = Array.isArray(raw) ? raw[0] : raw;
      const name = Buffer.isBuffer(value) ? value.toString('utf8') : value;
      if (typeof name !== 'string' || !name)
        return { ok: false, reason: 'no-name', detail: `the entry has no ${this.o.userAttribute} attribute` };
      return { ok: true, name };
    } catch (err) {
      if (err instanceof InvalidCredentialsError)
        return { ok: false, reason: 'wrong-password', detail: 'invalid credentials' };
      const detail = err instanceof Error ? err.message : String(err);
      this.log.warn({ url: this.o.url, error: detail }, 'employee sign-in: LDAP directory not usable');
      return { ok: false, reason: 'unavailable', detail };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async userDn(client: Client, username: string): Promise<string | undefined> {
    if (this.o.bindDnTemplate) return this.o.bindDnTemplate.replaceAll('{username}', escapeDnValue(username));
    if (!this.o.searchBase) throw new Error('employeeSignIn.ldap: neither bindDnTemplate nor searchBase is set');
    if (this.o.searchBindDn) await client.bind(this.o.searchBindDn, this.o.searchBindPassword ?? '');
    const { searchEntries } = await client.search(this.o.searchBase, {
      scope: 'sub',
      filter: this.o.searchFilter.replaceAll('{username}', escapeFilterValue(username)),
      attributes: ['dn'],
      sizeLimit: 2,
    });
    // Zero or several matches: no single person to check the password of.
    return searchEntries.length === 1 ? searchEntries[0]?.dn : undefined;
  }
}
