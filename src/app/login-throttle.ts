/**
 * The login throttles `fyrkant serve` uses (issue 19): the domain's rules over counts kept in the
 * database, so every node on it counts the same failed passwords and keys — a spray spread over the
 * nodes slows down after the same number of tries as on one. Sources and accounts are stored as
 * HMACs under a key derived from the session secret the nodes already share.
 */
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, type ThrottleClock } from '../domain/login-throttle';
import { StoreThrottleState, throttleHashKey } from '../store';
import { sessionSecret } from '../web/session-secret';
import type { AppContext } from './context';

/** Which throttle: the web UI (admin keys, employee LDAP sign-in) or app-password checks. */
export type ThrottleScope = 'web' | 'app-passwords';

/** A throttle with default rules whose counts are shared by every node on `ctx`'s database. */
export function sharedLoginThrottle(ctx: AppContext, scope: ThrottleScope, clock?: ThrottleClock): LoginThrottle {
  const state = new StoreThrottleState(ctx.store.db, {
    hashKey: throttleHashKey(sessionSecret(ctx.config.http.sessionSecret, ctx.config.dataDir)),
    scope,
    windowMs: DEFAULT_LOGIN_THROTTLE.windowMs,
    maxEntries: DEFAULT_LOGIN_THROTTLE.maxEntries,
  });
  return new LoginThrottle(DEFAULT_LOGIN_THROTTLE, clock, state);
}
