/**
 * A non-INVITE or re-INVITE request inside a dialog (BYE, INFO, UPDATE, PRACK, refresh re-INVITE)
 * that answers a 401/407 digest challenge (RFC 3261 §22.2, §12.2.1.1): the request is built again
 * with the next CSeq and the credentials, under the same retry policy as the INVITE (once; again only
 * for `stale=true`). PBXs challenge BYE too; without this the line stays up.
 */
import { type Credentials, DigestSession } from '../auth';
import type { SipRequest, SipResponse } from '../message';
import type { TransportAddress } from '../transport';
import type { SipCore } from './core';

export interface AuthedRequestUser {
  /** The final response (the last one after any challenge), or undefined on timeout / transport error. */
  onFinal(res: SipResponse | undefined, req: SipRequest): void;
}

/** Send `make()` to `dest`; a challenge is answered by sending `make()` again with credentials. */
export function requestWithAuth(
  core: SipCore,
  credentials: Credentials | undefined,
  make: () => SipRequest,
  dest: TransportAddress,
  user: AuthedRequestUser,
): void {
  const auth = new DigestSession(credentials);
  const attempt = (authorization?: { header: string; value: string }) => {
    const req = make();
    if (authorization) req.add(authorization.header, authorization.value);
    core.request(req, dest, {
      onResponse: (res) => {
        if (res.status < 200) return;
        if ((res.status === 401 || res.status === 407) && credentials) {
          const decision = auth.respond(res, req.method, req.uri);
          if (decision.action === 'retry') {
            attempt(decision);
            return;
          }
        }
        user.onFinal(res, req);
      },
      onTimeout: () => user.onFinal(undefined, req),
      onTransportError: () => user.onFinal(undefined, req),
    });
  };
  attempt();
}
