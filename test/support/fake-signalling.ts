/**
 * A scripted `Signalling` for unit-testing the embedded backend's media half without the SIP core.
 * It is a test double of our own seam (src/telephony/embedded/signalling.ts), not of a real peer:
 * end-to-end tests use sipp/baresip/kamailio through the real SIP core.
 */
import { EventEmitter } from 'node:events';
import {
  type Dialog,
  type DialogEvents,
  InviteFailure,
  type InviteOptions,
  type OfferHandler,
  type SessionBody,
  type Signalling,
} from '../../src/telephony/embedded/signalling';

export class FakeDialog extends EventEmitter<DialogEvents> implements Dialog {
  readonly peer = 'udp:127.0.0.1:5060';
  offerHandler: OfferHandler | undefined;
  readonly infos: SessionBody[] = [];
  byeCount = 0;
  constructor(
    readonly callId: string,
    readonly remoteBody: SessionBody | undefined,
  ) {
    super();
  }
  setOfferHandler(handler: OfferHandler): void {
    this.offerHandler = handler;
  }
  async sendInfo(body: SessionBody): Promise<number> {
    this.infos.push(body);
    return 200;
  }
  async bye(reason?: string): Promise<void> {
    this.byeCount++;
    if (this.byeCount === 1) this.emit('terminated', { by: 'local', reason: reason ?? 'bye' });
  }
  /** The far end hangs up. */
  remoteBye(): void {
    this.emit('bye', {});
    this.emit('terminated', { by: 'remote', reason: 'BYE' });
  }
}

export type InviteScript = (options: InviteOptions) => Promise<FakeDialog>;

export class FakeSignalling implements Signalling {
  readonly invites: InviteOptions[] = [];
  started = false;
  private n = 0;
  constructor(public script: InviteScript) {}
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.started = false;
  }
  invite(options: InviteOptions): Promise<Dialog> {
    this.invites.push(options);
    return this.script(options);
  }
  async probeTrunk(): Promise<number> {
    return 200;
  }
  get activeDialogs(): number {
    return 0;
  }
  /** What the backend last said: the Retry-After while draining, undefined while accepting. */
  drainingRetryAfter: number | undefined;
  setDraining(retryAfterSeconds: number | undefined): void {
    this.drainingRetryAfter = retryAfterSeconds;
  }
  nextCallId(): string {
    return `fake-${++this.n}`;
  }
}

export function answerSdp(port: number, formats: string, extra: string[] = []): SessionBody {
  const lines = ['v=0', 'o=peer 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  lines.push(`m=audio ${port} RTP/AVP ${formats}`, ...extra);
  return { contentType: 'application/sdp', content: `${lines.join('\r\n')}\r\n` };
}

export { InviteFailure };
