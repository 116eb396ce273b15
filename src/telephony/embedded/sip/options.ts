/** Options of the SIP core: a plain typed object (the app maps its config onto it). */
import type { SipLimits } from './limits';
import type { TimerConfig } from './transaction';
import type { TransportName } from './transport';

export interface SipTrunkOptions {
  /** Where calls go: the PBX/trunk, e.g. `sip:pbx.example.com:5060` (also the REGISTER/OPTIONS target). */
  readonly uri: string;
  /** Send every out-of-dialog request through this proxy (a pre-loaded `Route: <...;lr>`). */
  readonly outboundProxy?: string;
  readonly username?: string;
  readonly password?: string;
  /** User part of our From (our identity toward the trunk). */
  readonly fromUser: string;
  /** Host of our From; the trunk's host when absent. */
  readonly fromDomain?: string;
  readonly displayName?: string;
  /** Caller ID for networks that honour it (RFC 3325), e.g. `<sip:+4681234@pbx>`. */
  readonly pAssertedIdentity?: string;
  /** Register our Contact with the trunk/PBX and keep it refreshed. */
  readonly register?: { readonly expires: number };
  /** Send OPTIONS this often to track trunk health (0/absent: only on demand via probeTrunk). */
  readonly keepaliveIntervalMs?: number;
}

export interface SipCoreOptions {
  readonly listen: { readonly host: string; readonly port: number };
  /** Default transport for requests we originate (both UDP and TCP are always listened on). */
  readonly transport: TransportName;
  readonly timers?: Partial<Pick<TimerConfig, 't1' | 't2' | 't4' | 'timerD'>>;
  /** User-Agent (requests) / Server (responses) value; absent or null = no such header. */
  readonly userAgent?: string | null;
  /** Resource limits (see ./limits.ts); missing fields take DEFAULT_SIP_LIMITS. */
  readonly limits?: Partial<SipLimits>;
  /** Largest message accepted (bytes); bigger datagrams are dropped, TCP connections closed. */
  readonly maxMessageSize?: number;
  readonly trunk: SipTrunkOptions;
  /** Host we put in Via/Contact (defaults to the listen host). */
  readonly contactHost?: string;
  /**
   * RFC 4028: the Session-Expires we ask for (seconds, ≥ 90). Absent: we only say `Supported: timer`
   * and honour what the far end asks for.
   */
  readonly sessionExpires?: number;
  /**
   * Requests per source IP (token bucket; out of and inside dialogs in separate buckets); excess is
   * dropped silently. Overrides limits.requestsPerSecond/requestBurst; `now` is the bucket's clock
   * (default `Date.now`; tests pass a manual one).
   */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number; readonly now?: () => number };
}

export const DEFAULT_MAX_MESSAGE_SIZE = 65_535;
