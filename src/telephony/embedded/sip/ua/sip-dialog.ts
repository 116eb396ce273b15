/**
 * A confirmed INVITE dialog as the media layer sees it (`Dialog` of the signalling seam): BYE either
 * way, INFO both ways, re-INVITE/UPDATE answered through the offer handler (an offerless re-INVITE
 * gets our offer in the 2xx and its answer comes in the ACK), RFC 4028 session timers. Every request
 * we send in the dialog answers a digest challenge.
 */
import { EventEmitter } from 'node:events';
import type { TraceSink } from '../../../port';
import type { Dialog, DialogEvents, OfferHandler, SessionBody } from '../../signalling';
import type { Credentials } from '../auth';
import { type DialogState, dialogKey } from '../dialog';
import { createResponse, type SipRequest, type SipResponse, sessionBodyOf } from '../message';
import type { ServerTransaction } from '../transaction';
import type { TransportAddress } from '../transport';
import { requestWithAuth } from './authed-request';
import { ALLOW, type SipCore } from './core';
import { SessionTimer } from './session-timer';

export type DialogPhase = 'confirmed' | 'terminating' | 'terminated';

export interface DialogSetup {
  readonly state: DialogState;
  readonly localBody: SessionBody;
  readonly remoteBody: SessionBody | undefined;
  readonly peer: string;
  readonly trace: TraceSink;
  readonly ack: SipRequest;
  readonly ackDest: TransportAddress;
  readonly contact: string;
  /** The 2xx that confirmed the dialog (session timer negotiation). */
  readonly response: SipResponse;
  /** Trunk credentials for challenged in-dialog requests. */
  readonly credentials?: Credentials;
}

export class SipDialog extends EventEmitter<DialogEvents> implements Dialog {
  phase: DialogPhase = 'confirmed';
  readonly callId: string;
  readonly peer: string;
  remoteBody: SessionBody | undefined;
  private localBody: SessionBody;
  private offerHandler: OfferHandler | undefined;
  private byePromise: Promise<void> | undefined;
  /** ACKs we sent for 2xx, by CSeq number (the first INVITE's and re-INVITE refreshes'). */
  private readonly acks = new Map<number, SipRequest>();
  private readonly ackDest: TransportAddress;
  /** The far end's Allow from the 2xx: refresh with UPDATE only if it allows it (or says nothing). */
  private readonly peerAllowsUpdate: boolean;
  private readonly sessionTimer: SessionTimer;
  /** 2xx to a re-INVITE, retransmitted until its ACK (RFC 3261 §13.3.1.4). */
  private pending2xx: { seq: number; stop: () => void } | undefined;
  /** CSeq of a re-INVITE whose 2xx carried our offer: its ACK carries the answer (RFC 3261 §14.2). */
  private offerInAckSeq: number | undefined;
  private readonly credentials: Credentials | undefined;

  constructor(
    private readonly core: SipCore,
    readonly state: DialogState,
    setup: DialogSetup,
    private readonly onGone: (d: SipDialog) => void,
  ) {
    super();
    this.callId = state.id.callId;
    this.peer = setup.peer;
    this.localBody = setup.localBody;
    this.remoteBody = setup.remoteBody;
    this.acks.set(setup.ack.cseq.seq, setup.ack);
    this.ackDest = setup.ackDest;
    const allow = setup.response.getAll('allow').map((m) => m.toUpperCase());
    this.peerAllowsUpdate = allow.length === 0 || allow.includes('UPDATE');
    this.contact = setup.contact;
    this.credentials = setup.credentials;
    this.sessionTimer = new SessionTimer({
      refresh: () => this.refreshSession(),
      expired: () => this.expire(),
    });
    this.sessionTimer.fromResponse(setup.response);
  }

  private readonly contact: string;

  get key(): string {
    return dialogKey(this.state.id);
  }

  setOfferHandler(handler: OfferHandler): void {
    this.offerHandler = handler;
  }

  /** A retransmitted 2xx: our ACK was lost (RFC 3261 §13.2.2.4). */
  resendAck(res: SipResponse): void {
    const ack = this.acks.get(res.cseq.seq);
    if (ack) void this.core.sendAck(ack, this.ackDest);
  }

  private dest(): TransportAddress | undefined {
    const hop = this.state.nextHop();
    return hop ? this.core.destination(hop) : undefined;
  }

  /**
   * Send an in-dialog request built by `decorate` on a fresh CSeq (again, with credentials, after a
   * 401/407); resolves with the final response (undefined = timeout/transport).
   */
  private requestInDialog(
    method: string,
    decorate?: (req: SipRequest) => void,
    onFinal?: (res: SipResponse, req: SipRequest) => void,
  ): Promise<SipResponse | undefined> {
    const dest = this.dest();
    if (!dest) return Promise.resolve(undefined);
    const make = () => {
      const req = this.state.createRequest(method);
      req.add('Contact', `<${this.contact}>`);
      decorate?.(req);
      return req;
    };
    return new Promise((resolve) => {
      requestWithAuth(this.core, this.credentials, make, dest, {
        onFinal: (res, req) => {
          if (res) onFinal?.(res, req);
          resolve(res);
        },
      });
    });
  }

  async sendInfo(body: SessionBody): Promise<number> {
    if (this.phase !== 'confirmed') return 481;
    const res = await this.requestInDialog('INFO', (req) => {
      req.add('Content-Type', body.contentType);
      req.body = Buffer.from(body.content, 'utf8');
    });
    const status = res?.status ?? 0;
    // RFC 5057: 481/408 (or no answer) to a mid-dialog request ends the dialog.
    if (status === 481 || status === 408 || status === 0) this.terminate('error', `INFO got ${status || 'no answer'}`);
    return status;
  }

  bye(reason = 'hangup'): Promise<void> {
    if (this.phase === 'terminated') return Promise.resolve();
    if (this.byePromise) return this.byePromise;
    this.phase = 'terminating';
    this.sessionTimer.stop();
    this.pending2xx?.stop();
    this.byePromise = this.requestInDialog('BYE').then((res) => {
      this.terminate('local', reason, res?.status);
    });
    return this.byePromise;
  }

  /** Requests inside this dialog (the core matched Call-ID and tags). */
  onRequest(req: SipRequest, tx: ServerTransaction | undefined): void {
    if (req.method === 'ACK') {
      if (this.pending2xx && req.cseq.seq === this.pending2xx.seq) this.pending2xx.stop();
      if (this.offerInAckSeq === req.cseq.seq) this.onAckAnswer(req);
      return;
    }
    if (!tx) return;
    if (!this.state.acceptRemoteSeq(req.cseq.seq, req.method)) {
      this.core.respond(tx, 500, (r) => r.add('Retry-After', '1'), this.state.id.localTag);
      return;
    }
    switch (req.method) {
      case 'BYE': {
        this.core.respond(tx, 200, undefined, this.state.id.localTag);
        const reason = req.get('reason');
        this.emit('bye', reason !== undefined ? { reason } : {});
        this.terminate('remote', 'remote BYE');
        return;
      }
      case 'INFO':
        this.core.respond(tx, 200, undefined, this.state.id.localTag);
        this.emit('info', { contentType: req.get('content-type') ?? '', content: req.bodyText });
        return;
      case 'INVITE':
      case 'UPDATE':
        void this.answerOffer(req, tx);
        return;
      case 'OPTIONS':
        this.core.respond(tx, 200, (r) => r.add('Allow', ALLOW), this.state.id.localTag);
        return;
      default:
        this.core.respond(tx, 405, (r) => r.add('Allow', ALLOW), this.state.id.localTag);
    }
  }

  /** re-INVITE / UPDATE from the far end: the media layer decides the answer. */
  private async answerOffer(req: SipRequest, tx: ServerTransaction): Promise<void> {
    if (this.phase !== 'confirmed') {
      this.core.respond(tx, 481, undefined, this.state.id.localTag);
      return;
    }
    if (req.method === 'INVITE' && this.pending2xx) {
      // A re-INVITE while ours/theirs is still open: glare (RFC 3261 §14.2).
      this.core.respond(tx, 500, (r) => r.add('Retry-After', '1'), this.state.id.localTag);
      return;
    }
    if (req.method === 'INVITE') this.core.respond(tx, 100);
    const offer = sessionBodyOf(req);
    let answer: SessionBody;
    try {
      answer = this.offerHandler ? await this.offerHandler(offer) : this.localBody;
    } catch {
      this.core.respond(tx, 488, undefined, this.state.id.localTag);
      return;
    }
    if (offer) this.remoteBody = offer;
    this.localBody = answer;
    this.state.refreshTarget(req);
    const res = createResponse(req, 200, 'OK', this.state.id.localTag);
    res.add('Contact', `<${this.contact}>`);
    res.add('Allow', ALLOW);
    res.add('Supported', 'timer');
    this.sessionTimer.fromRefreshRequest(req, res);
    // An UPDATE without an offer needs no answer body.
    if (req.method === 'INVITE' || offer) {
      res.add('Content-Type', answer.contentType);
      res.body = Buffer.from(answer.content, 'utf8');
    }
    tx.respond(res);
    if (req.method === 'INVITE') {
      // No offer in the re-INVITE: ours went in the 2xx, the answer comes in the ACK.
      this.offerInAckSeq = offer ? undefined : req.cseq.seq;
      this.retransmit2xx(res, tx.dest, req.cseq.seq);
    }
  }

  /** The ACK to a 2xx that carried our offer (RFC 3261 §13.3.1, §14.2; RFC 3264 §5). */
  private onAckAnswer(ack: SipRequest): void {
    this.offerInAckSeq = undefined;
    const answer = sessionBodyOf(ack);
    if (!answer) {
      this.core.logger.warn({ callId: this.callId }, 'ACK without the SDP answer to our offer; media unchanged');
      return;
    }
    this.remoteBody = answer;
    this.emit('answer', answer);
  }

  private retransmit2xx(res: SipResponse, dest: TransportAddress, seq: number): void {
    const t = this.core.config.timers;
    let interval = t.t1;
    let elapsed = 0;
    let handle: NodeJS.Timeout | undefined;
    const stop = () => {
      if (handle) clearTimeout(handle);
      if (this.pending2xx?.seq === seq) this.pending2xx = undefined;
    };
    const tick = () => {
      elapsed += interval;
      if (elapsed >= 64 * t.t1) {
        stop();
        // No ACK: the dialog is broken (RFC 3261 §13.3.1.4).
        void this.bye('no ACK for 2xx');
        return;
      }
      void this.core.send(res, dest).catch(() => {});
      interval = Math.min(interval * 2, t.t2);
      handle = setTimeout(tick, interval);
      handle.unref?.();
    };
    this.pending2xx = { seq, stop };
    if (dest.transport === 'udp') {
      handle = setTimeout(tick, interval);
      handle.unref?.();
    } else {
      // Reliable transport: no retransmission, but still give up if no ACK comes.
      handle = setTimeout(() => {
        stop();
        void this.bye('no ACK for 2xx');
      }, 64 * t.t1);
      handle.unref?.();
    }
  }

  /**
   * We are the refresher (RFC 4028 §10): an UPDATE without a body keeps the session alive; a peer whose
   * Allow lacks UPDATE gets a re-INVITE with our current body instead.
   */
  private async refreshSession(): Promise<void> {
    if (this.phase !== 'confirmed') return;
    const res = this.peerAllowsUpdate ? await this.refreshWithUpdate() : await this.refreshWithReInvite();
    if (!res || res.status === 481 || res.status === 408) {
      this.terminate('error', 'session refresh failed');
      return;
    }
    if (res.status < 300) this.sessionTimer.fromResponse(res);
  }

  private refreshWithUpdate(): Promise<SipResponse | undefined> {
    return this.requestInDialog('UPDATE', (req) => this.sessionTimer.decorateRefresh(req));
  }

  private refreshWithReInvite(): Promise<SipResponse | undefined> {
    const body = this.localBody;
    const decorate = (req: SipRequest) => {
      req.add('Allow', ALLOW);
      this.sessionTimer.decorateRefresh(req);
      req.add('Content-Type', body.contentType);
      req.body = Buffer.from(body.content, 'utf8');
    };
    return this.requestInDialog('INVITE', decorate, (res, req) => {
      if (res.status >= 300) return;
      // 2xx to our re-INVITE: ACK end to end (non-2xx are ACKed by the transaction).
      const dest = this.dest();
      const ack = this.state.createRequest('ACK', req.cseq.seq);
      this.acks.set(req.cseq.seq, ack);
      if (dest) void this.core.sendAck(ack, dest);
      const answer = sessionBodyOf(res);
      if (answer) this.remoteBody = answer;
    });
  }

  private expire(): void {
    if (this.phase !== 'confirmed') return;
    void this.bye('session timer expired').then(() => {});
    this.terminateReason = { by: 'error', reason: 'session timer expired' };
  }

  private terminateReason: { by: 'local' | 'remote' | 'error'; reason: string } | undefined;

  /** End the dialog and tell the listeners exactly once. */
  terminate(by: 'local' | 'remote' | 'error', reason: string, status?: number): void {
    if (this.phase === 'terminated') return;
    this.phase = 'terminated';
    this.sessionTimer.stop();
    this.pending2xx?.stop();
    const final = this.terminateReason ?? { by, reason };
    this.onGone(this);
    this.emit('terminated', status !== undefined ? { ...final, status } : final);
  }
}
