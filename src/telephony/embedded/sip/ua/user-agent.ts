/**
 * The SIP core as the embedded backend sees it: `Signalling` (see ../../signalling.ts).
 * Owns the core (transport + transactions), the dialogs, the outgoing attempts and the trunk.
 */
import type { Signalling } from '../../signalling';
import { type DialogId, dialogKey } from '../dialog';
import type { SipLogger } from '../logger';
import type { SipRequest, SipResponse } from '../message';
import type { ServerTransaction } from '../transaction';
import type { SipCore } from './core';
import { InviteClient, type TrunkIdentity } from './invite-client';
import type { SipDialog } from './sip-dialog';
import type { Trunk } from './trunk';

export class SipSignalling implements Signalling {
  private readonly dialogs = new Map<string, SipDialog>();
  private readonly invites = new Map<string, InviteClient>();
  private started = false;

  constructor(
    readonly core: SipCore,
    readonly identity: TrunkIdentity,
    readonly trunk: Trunk,
    readonly logger: SipLogger,
  ) {
    core.host = {
      onDialogRequest: (req, tx) => this.onDialogRequest(req, tx),
      onStrayResponse: (res) => this.onStrayResponse(res),
    };
  }

  /** The port we listen on (UDP and TCP); useful when configured as 0. */
  get port(): number {
    return this.core.port;
  }

  /** Counters for health/metrics: messages, invalid ones answered/dropped, scanners, rate limiting. */
  stats(): Readonly<SipCore['transport']['stats'] & SipCore['counters'] & { activeDialogs: number }> {
    return { ...this.core.transport.stats, ...this.core.counters, activeDialogs: this.dialogs.size };
  }

  get activeDialogs(): number {
    return this.dialogs.size;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.core.start();
    this.started = true;
    this.trunk.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all([...this.dialogs.values()].map((d) => withTimeout(d.bye('shutdown'), 2000)));
    await withTimeout(this.trunk.stop(), 2000);
    await this.core.stop();
  }

  invite(options: Parameters<Signalling['invite']>[0]): Promise<SipDialog> {
    try {
      return new InviteClient(this, options).run();
    } catch (err) {
      // e.g. a Request-URI we cannot route: always a rejected promise, never a synchronous throw.
      return Promise.reject(err);
    }
  }

  probeTrunk(): Promise<number> {
    return this.trunk.probe();
  }

  setDraining(retryAfterSeconds: number | undefined): void {
    this.core.drainingRetryAfter =
      retryAfterSeconds === undefined ? undefined : Math.max(0, Math.round(retryAfterSeconds));
  }

  addDialog(d: SipDialog): void {
    this.dialogs.set(d.key, d);
  }

  removeDialog(d: SipDialog): void {
    if (this.dialogs.get(d.key) === d) this.dialogs.delete(d.key);
    // Keep the trace a little longer so the final response to our BYE still lands in it.
    const t = setTimeout(() => this.core.trace.unregister(d.callId), 64 * this.core.config.timers.t1);
    t.unref?.();
  }

  trackInvite(callId: string, client: InviteClient | undefined): void {
    if (client) this.invites.set(callId, client);
    else this.invites.delete(callId);
  }

  private onDialogRequest(req: SipRequest, tx: ServerTransaction | undefined): boolean {
    const id: DialogId = { callId: req.callId, localTag: req.toTag ?? '', remoteTag: req.fromTag ?? '' };
    const d = this.dialogs.get(dialogKey(id));
    if (!d) return false;
    d.onRequest(req, tx);
    return true;
  }

  private onStrayResponse(res: SipResponse): void {
    if (res.status >= 200 && res.status < 300 && res.cseq.method === 'INVITE') {
      this.invites.get(res.callId)?.on2xx(res);
    }
  }
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}
