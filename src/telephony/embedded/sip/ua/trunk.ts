/**
 * The trunk/PBX relationship: OPTIONS probes and keep-alive (health), optional REGISTER with refresh
 * before expiry and digest re-auth (RFC 3261 §10).
 */
import { EventEmitter } from 'node:events';
import { DigestSession } from '../auth';
import { parseUri, SipRequest, type SipResponse, type SipUri } from '../message';
import type { TransportAddress } from '../transport';
import type { SipCore } from './core';
import { newCallId, newTag } from './ids';
import type { TrunkIdentity } from './invite-client';

export type TrunkHealth = 'reachable' | 'unreachable' | 'unknown';

export type RegistrationState =
  | { readonly state: 'disabled' }
  | { readonly state: 'registering' }
  | { readonly state: 'registered'; readonly expires: number; readonly at: number }
  | { readonly state: 'failed'; readonly status: number; readonly reason: string; readonly at: number };

export interface TrunkConfig {
  readonly uri: string;
  readonly register?: { readonly expires: number };
  readonly keepaliveIntervalMs?: number;
}

export interface TrunkEvents {
  health: [TrunkHealth];
  registration: [RegistrationState];
}

export class Trunk extends EventEmitter<TrunkEvents> {
  health: TrunkHealth = 'unknown';
  registration: RegistrationState;
  private keepalive: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private readonly regCallId: string;
  private readonly regTag = newTag();
  private regSeq = 0;
  private readonly uri: SipUri | undefined;
  private running = false;

  constructor(
    private readonly core: SipCore,
    private readonly identity: TrunkIdentity,
    private readonly config: TrunkConfig,
  ) {
    super();
    const u = parseUri(config.uri);
    this.uri = u && u.kind === 'sip' ? u : undefined;
    this.regCallId = newCallId(core.config.contactHost);
    this.registration = config.register ? { state: 'registering' } : { state: 'disabled' };
  }

  private destination(): TransportAddress | undefined {
    const proxy = this.identity.outboundProxy ? parseUri(this.identity.outboundProxy) : undefined;
    const hop = proxy && proxy.kind === 'sip' ? proxy : this.uri;
    return hop ? this.core.destination(hop) : undefined;
  }

  start(): void {
    this.running = true;
    if (this.config.register) void this.register();
    const every = this.config.keepaliveIntervalMs;
    if (every && every > 0) {
      const tick = () => {
        void this.probe().finally(() => {
          if (!this.running) return;
          this.keepalive = setTimeout(tick, every);
          this.keepalive.unref?.();
        });
      };
      tick();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.keepalive) clearTimeout(this.keepalive);
    if (this.refresh) clearTimeout(this.refresh);
    if (this.registration.state === 'registered') await this.register(0);
  }

  /** OPTIONS to the trunk; resolves with the status (0 = no answer / not routable). */
  async probe(): Promise<number> {
    const dest = this.destination();
    if (!dest || !this.uri) return this.setHealth(0);
    const req = this.outOfDialog('OPTIONS', this.uri.text, newCallId(this.core.config.contactHost), newTag(), 1);
    req.add('Accept', 'application/sdp');
    const res = await this.transact(req, dest);
    return this.setHealth(res?.status ?? 0);
  }

  private setHealth(status: number): number {
    // Any response, even 4xx/5xx, proves the trunk is there and speaking SIP.
    const h: TrunkHealth = status > 0 ? 'reachable' : 'unreachable';
    if (h !== this.health) {
      this.health = h;
      this.emit('health', h);
    }
    return status;
  }

  /** REGISTER (expires 0 = unregister), answering digest challenges within the policy of DigestSession. */
  async register(expiresOverride?: number): Promise<RegistrationState> {
    const dest = this.destination();
    if (!dest || !this.uri || !this.config.register) return this.registration;
    const expires = expiresOverride ?? this.config.register.expires;
    const auth = new DigestSession(this.identity.credentials);
    const registrar = `sip:${this.uri.host}${this.uri.port ? `:${this.uri.port}` : ''}`;
    let authHeader: { header: string; value: string } | undefined;
    for (let round = 0; round < 4; round++) {
      const aor = `sip:${this.identity.credentials?.username ?? this.identity.fromUser}@${this.identity.fromDomain}`;
      const req = this.outOfDialog('REGISTER', registrar, this.regCallId, this.regTag, ++this.regSeq, aor);
      req.add(
        'Contact',
        `<${this.core.contactUri(this.identity.credentials?.username ?? this.identity.fromUser, dest.transport)}>`,
      );
      req.add('Expires', String(expires));
      if (authHeader) req.add(authHeader.header, authHeader.value);
      const res = await this.transact(req, dest);
      if (!res)
        return this.setRegistration({ state: 'failed', status: 0, reason: 'no response', at: Date.now() }, expires);
      if (res.status === 401 || res.status === 407) {
        const d = auth.respond(res, 'REGISTER', registrar);
        if (d.action === 'fail') {
          return this.setRegistration(
            { state: 'failed', status: res.status, reason: d.reason, at: Date.now() },
            expires,
          );
        }
        authHeader = { header: d.header, value: d.value };
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        const granted = grantedExpires(res, expires);
        return this.setRegistration({ state: 'registered', expires: granted, at: Date.now() }, granted);
      }
      return this.setRegistration({ state: 'failed', status: res.status, reason: res.reason, at: Date.now() }, expires);
    }
    return this.setRegistration({ state: 'failed', status: 0, reason: 'authentication loop', at: Date.now() }, expires);
  }

  private setRegistration(state: RegistrationState, expires: number): RegistrationState {
    this.registration = expires === 0 ? { state: 'disabled' } : state;
    this.emit('registration', this.registration);
    if (this.refresh) clearTimeout(this.refresh);
    if (this.running && expires > 0) {
      // Refresh before expiry: at 80 % of the interval, or retry in 30 s after a failure.
      const ms = state.state === 'registered' ? Math.max(1, expires * 800) : 30_000;
      this.refresh = setTimeout(() => void this.register(), ms);
      this.refresh.unref?.();
    }
    return this.registration;
  }

  private outOfDialog(
    method: string,
    uri: string,
    callId: string,
    tag: string,
    seq: number,
    toUri?: string,
  ): SipRequest {
    const id = this.identity;
    const req = new SipRequest(method, uri);
    if (id.outboundProxy) req.add('Route', `<${id.outboundProxy}${/;lr/i.test(id.outboundProxy) ? '' : ';lr'}>`);
    const from = toUri ?? `sip:${id.fromUser}@${id.fromDomain}`;
    req.add('From', `<${from}>;tag=${tag}`);
    req.add('To', `<${toUri ?? uri}>`);
    req.add('Call-ID', callId);
    req.add('CSeq', `${seq} ${method}`);
    req.add('Max-Forwards', '70');
    return req;
  }

  private transact(req: SipRequest, dest: TransportAddress): Promise<SipResponse | undefined> {
    return new Promise((resolve) => {
      this.core.request(req, dest, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
        onTimeout: () => resolve(undefined),
        onTransportError: () => resolve(undefined),
      });
    });
  }
}

function grantedExpires(res: SipResponse, asked: number): number {
  for (const c of res.contacts()) {
    const e = c?.params.get('expires');
    if (e) {
      const n = Number.parseInt(e, 10);
      if (Number.isInteger(n) && n > 0) return n;
    }
  }
  const h = Number.parseInt(res.get('expires') ?? '', 10);
  return Number.isInteger(h) && h > 0 ? h : asked;
}
