/**
 * The EAM authorization request (OIDC implicit, form_post), checked in the order that decides where
 * an error may go: client and redirect_uri first — until both are known, nothing is sent back to
 * the redirect_uri (an open redirector otherwise); after that, errors go back to Entra as
 * `error=…` with the state.
 */
import { isAllowedRedirect } from './redirects';
import type { EamClient, EamSettings } from './settings';

/** acr values a phone call satisfies (possession), in the order fyrkant prefers them. */
export const SATISFIABLE_ACR = [
  'possessionorinherence',
  'possession',
  'knowledgeorpossession',
  'knowledgeorpossessionorinherence',
] as const;

export const AMR = 'tel';

export interface ValidRequest {
  readonly client: EamClient;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly idTokenHint: string;
  readonly acr: string;
  readonly clientRequestId: string | null;
}

export type RefusalCode =
  | 'unknown-client'
  | 'redirect-not-allowed'
  | 'invalid-request'
  | 'unsupported-claims'
  | 'replayed'
  | 'hint-invalid'
  | 'unknown-user'
  | 'no-phone'
  | 'call-refused';

export interface Refusal {
  readonly code: RefusalCode;
  /** For the log/audit and the error page's detail (English, technical). */
  readonly detail: string;
  /** Present when the redirect is trusted: what goes back to Entra. */
  readonly redirect?: {
    readonly uri: string;
    readonly state: string | null;
    readonly error: 'invalid_request' | 'access_denied' | 'unsupported_response_type' | 'temporarily_unavailable';
    readonly description: string;
  };
}

type Params = Readonly<Record<string, string | undefined>>;

function claimValues(claims: unknown, name: 'acr' | 'amr'): string[] | undefined {
  if (!claims || typeof claims !== 'object') return undefined;
  const idToken = (claims as Record<string, unknown>).id_token;
  if (!idToken || typeof idToken !== 'object') return undefined;
  const c = (idToken as Record<string, unknown>)[name];
  if (!c || typeof c !== 'object') return undefined;
  const r = c as { value?: unknown; values?: unknown };
  if (Array.isArray(r.values)) return r.values.filter((v): v is string => typeof v === 'string');
  if (typeof r.value === 'string') return [r.value];
  return undefined;
}

export function checkAuthorizeRequest(
  p: Params,
  s: EamSettings,
): { ok: true; req: ValidRequest } | { ok: false; refusal: Refusal } {
  const clientId = p.client_id ?? '';
  const client = s.clients.find((c) => c.clientId === clientId);
  if (!client)
    return {
      ok: false,
      refusal: { code: 'unknown-client', detail: `client_id "${clientId.slice(0, 100)}" is not registered` },
    };
  const redirectUri = p.redirect_uri ?? '';
  if (!isAllowedRedirect(redirectUri, s.redirectUris))
    return {
      ok: false,
      refusal: {
        code: 'redirect-not-allowed',
        detail: `redirect_uri "${redirectUri.slice(0, 200)}" is not on the allow-list`,
      },
    };
  const state = p.state ?? '';
  const back = (error: NonNullable<Refusal['redirect']>['error'], code: RefusalCode, detail: string) => ({
    ok: false as const,
    refusal: { code, detail, redirect: { uri: redirectUri, state: state || null, error, description: detail } },
  });
  const scopes = (p.scope ?? '').split(/\s+/);
  if (!scopes.includes('openid')) return back('invalid_request', 'invalid-request', 'scope must include openid');
  if (p.response_type !== 'id_token')
    return back('unsupported_response_type', 'invalid-request', 'response_type must be id_token');
  if (p.response_mode !== undefined && p.response_mode !== 'form_post')
    return back('invalid_request', 'invalid-request', 'response_mode must be form_post');
  const missing = ['state', 'nonce', 'id_token_hint'].filter((k) => !p[k]);
  if (missing.length) return back('invalid_request', 'invalid-request', `missing parameters: ${missing.join(', ')}`);
  if (state.length > 2048 || (p.nonce ?? '').length > 2048)
    return back('invalid_request', 'invalid-request', 'state or nonce is too long');
  let acr: string = SATISFIABLE_ACR[0];
  if (p.claims) {
    let claims: unknown;
    try {
      claims = JSON.parse(p.claims);
    } catch {
      return back('invalid_request', 'invalid-request', 'claims is not JSON');
    }
    const acrs = claimValues(claims, 'acr');
    if (acrs) {
      const pick = SATISFIABLE_ACR.find((a) => acrs.includes(a));
      if (!pick)
        return back(
          'access_denied',
          'unsupported-claims',
          `none of the requested acr values (${acrs.join(', ')}) is met by a phone call`,
        );
      acr = pick;
    }
    const amrs = claimValues(claims, 'amr');
    if (amrs && !amrs.includes(AMR))
      return back('access_denied', 'unsupported-claims', `the requested amr values do not include ${AMR}`);
  }
  return {
    ok: true,
    req: {
      client,
      redirectUri,
      state,
      nonce: p.nonce as string,
      idTokenHint: p.id_token_hint as string,
      acr,
      clientRequestId: p['client-request-id']?.slice(0, 100) ?? null,
    },
  };
}
