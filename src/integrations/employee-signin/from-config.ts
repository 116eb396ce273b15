/** Builds the configured employee sign-in doors (issue 18a) and the rule that matches a name to a user. */
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema';
import type { Db } from '../../store/open';
import { getUserByUsername } from '../../store/repo/users';
import { users } from '../../store/schema';
import type { EmployeeSignIn } from './types';

// openid-client and ldapts are loaded only where a door is configured (start-up time of every other serve).
type OidcModule = typeof import('./oidc');
type LdapModule = typeof import('./ldap');

/** Exact username first, then the same name in any letter case (IdPs often upper-case UPNs). */
export function matchUserByName(db: Db, name: string): string | undefined {
  const exact = getUserByUsername(db, name);
  if (exact) return exact.id;
  const folded = db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.username}) = lower(${name})`)
    .limit(2)
    .all();
  return folded.length === 1 ? folded[0]?.id : undefined;
}

export function employeeSignInFromConfig(config: Config, db: Db, log: Logger, publicUrl: string): EmployeeSignIn {
  const { oidc, ldap } = config.employeeSignIn;
  const doors: { -readonly [K in keyof EmployeeSignIn]?: EmployeeSignIn[K] } = {};
  if (oidc.enabled && oidc.issuer && oidc.clientId) {
    doors.oidc = new (require('./oidc') as OidcModule).OidcSignIn(
      {
        issuer: oidc.issuer,
        clientId: oidc.clientId,
        clientSecret: oidc.clientSecret,
        redirectUri: oidc.redirectUri ?? new URL('/me/signin/oidc/callback', publicUrl).href,
        scopes: oidc.scopes.includes('openid') ? oidc.scopes : ['openid', ...oidc.scopes],
        userClaim: oidc.userClaim,
        requiredGroup: oidc.requiredGroup,
        groupsClaim: oidc.groupsClaim,
        label: oidc.displayName,
        timeoutMs: oidc.timeoutSeconds * 1000,
      },
      log,
    );
  }
  if (ldap.enabled && ldap.url) {
    if (!ldap.rejectUnauthorized)
      log.warn('employeeSignIn.ldap.rejectUnauthorized is false: the directory certificate is not checked');
    doors.ldap = new (require('./ldap') as LdapModule).LdapSignIn(
      {
        url: ldap.url,
        bindDnTemplate: ldap.bindDnTemplate,
        searchBase: ldap.searchBase,
        searchFilter: ldap.searchFilter,
        searchBindDn: ldap.searchBindDn,
        searchBindPassword: ldap.searchBindPassword,
        userAttribute: ldap.userAttribute,
        startTls: ldap.startTls,
        caFile: ldap.caFile,
        rejectUnauthorized: ldap.rejectUnauthorized,
        timeoutMs: ldap.timeoutSeconds * 1000,
      },
      log,
    );
  }
  return { ...doors, matchUser: (name) => matchUserByName(db, name) };
}
