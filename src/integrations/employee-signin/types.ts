/** What an employee sign-in (OpenID Connect or LDAP) answers: the name it vouches for, or why not. */

/** Why a sign-in did not give a name; each has its own sv/en page text. */
export type SignInFailure =
  /** LDAP: wrong name or password. */
  | 'wrong-password'
  /** The IdP refused or the user cancelled (OAuth `error` in the callback). */
  | 'denied'
  /** Signed in, but not in `requiredGroup`. */
  | 'not-in-group'
  /** Signed in, but the configured claim/attribute is missing. */
  | 'no-name'
  /** The answer did not check out: state, nonce, issuer, audience, signature, expiry. */
  | 'invalid-response'
  /** The IdP or directory could not be reached or answered with an error. */
  | 'unavailable';

export type IdentityResult =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly reason: SignInFailure; readonly detail: string };

/** An OpenID Connect sign-in in flight: kept in a signed, short-lived cookie until the callback. */
export interface OidcPending {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export interface OidcSignInPort {
  /** Text on the sign-in button, or null for the default wording. */
  readonly label: string | null;
  begin(): Promise<{ readonly url: string; readonly pending: OidcPending } | { readonly error: string }>;
  /** Checks the callback (query parameters) against the pending request; never throws. */
  finish(callbackUrl: string, pending: OidcPending): Promise<IdentityResult>;
}

export interface LdapSignInPort {
  check(username: string, password: string): Promise<IdentityResult>;
}

/** The employee sign-in doors that are configured, and how a vouched name finds a fyrkant user. */
export interface EmployeeSignIn {
  readonly oidc?: OidcSignInPort;
  readonly ldap?: LdapSignInPort;
  /** The fyrkant user id for a name the IdP or directory vouched for, or undefined. */
  matchUser(name: string): string | undefined;
}
