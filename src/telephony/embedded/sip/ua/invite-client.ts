/**
 * One outgoing call attempt (UAC, RFC 3261 §13.2): INVITE → provisional/early dialogs → 2xx + ACK,
 * digest challenges, CANCEL (only after a provisional, §9.1), 2xx racing a CANCEL, forked 2xx,
 * reliable provisionals with PRACK (RFC 3262), SDP in multipart bodies (RFC 5621).
 */
import { InviteFailure, type InviteOptions, type SessionBody } from '../../signalling';
import { DigestSession } from '../auth';
import { DialogState } from '../dialog';
import { parseUri, quote, SipRequest, type SipResponse, sessionBodyOf } from '../message';
import { type ClientTransaction, InviteClientTransaction } from '../transaction';
import { formatAddress, type TransportAddress } from '../transport';
import { requestWithAuth } from './authed-request';
import type { SipCore } from './core';
import { newCallId, newTag } from './ids';
import { ReliableProvisionals } from './reliable-provisionals';
import { SipDialog } from './sip-dialog';

export interface TrunkIdentity {
  readonly fromUser: string;
  readonly fromDomain: string;
  readonly displayName?: string;
  readonly pAssertedIdentity?: string;
  readonly outboundProxy?: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly sessionExpires?: number;
}

export interface InviteHost {
  readonly core: SipCore;
  readonly identity: TrunkIdentity;
  addDialog(d: SipDialog): void;
  removeDialog(d: SipDialog): void;
  /** Keep the attempt reachable for stray 2xx (retransmissions, forks) by Call-ID. */
  trackInvite(callId: string, client: InviteClient | undefined): void;
}

type CancelKind = 'cancelled' | 'timeout';

export class InviteClient {
  readonly callId: string;
  private readonly fromTag = newTag();
  private seq = 1;
  private request!: SipRequest;
  private tx: ClientTransaction | undefined;
  private readonly dest: TransportAddress;
  private readonly auth: DigestSession;
  private provisionalSeen = false;
  private cancelKind: CancelKind | undefined;
  private cancelSent = false;
  private settled = false;
  private dialog: SipDialog | undefined;
  private ringTimer: NodeJS.Timeout | undefined;
  private cancelGuard: NodeJS.Timeout | undefined;
  private resolve!: (d: SipDialog) => void;
  private reject!: (e: InviteFailure) => void;
  private triedMinSE = false;
  /** Early dialogs (RFC 3261 §12.1.2): one per To tag of a 1xx; dropped at the final response. */
  readonly earlyDialogs = new Map<string, DialogState>();
  /** SDP from a 1xx per To tag: the answer when the 2xx carries none (reliable 183, RFC 3262 §5). */
  private readonly earlyBodies = new Map<string, SessionBody>();
  private readonly reliable = new ReliableProvisionals();
  private sessionExpires: number | undefined;

  constructor(
    private readonly host: InviteHost,
    private readonly options: InviteOptions,
  ) {
    const core = host.core;
    this.callId = newCallId(core.config.contactHost);
    this.auth = new DigestSession(host.identity.credentials);
    this.sessionExpires = host.identity.sessionExpires;
    const proxy = host.identity.outboundProxy ? parseUri(host.identity.outboundProxy) : undefined;
    const ruri = parseUri(options.requestUri);
    const hop = proxy ?? ruri;
    if (hop?.kind !== 'sip')
      throw new InviteFailure(0, `cannot route to ${options.requestUri}`, 'transport', this.callId);
    this.dest = core.destination(hop);
  }

  run(): Promise<SipDialog> {
    return new Promise<SipDialog>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const { options } = this;
      this.host.core.trace.register(this.callId, options.trace);
      this.host.trackInvite(this.callId, this);
      if (options.signal?.aborted) {
        this.fail(0, 'aborted before sending', 'cancelled');
        return;
      }
      options.signal?.addEventListener('abort', () => this.cancel('cancelled'), { once: true });
      this.ringTimer = setTimeout(() => this.cancel('timeout'), options.ringTimeoutMs);
      this.ringTimer.unref?.();
      this.send();
    });
  }

  private buildRequest(): SipRequest {
    const { identity, core } = this.host;
    const o = this.options;
    const req = new SipRequest('INVITE', o.requestUri);
    if (identity.outboundProxy) req.add('Route', `<${withLr(identity.outboundProxy)}>`);
    const user = o.callerId?.user ?? identity.fromUser;
    const display = o.callerId?.displayName ?? identity.displayName;
    const fromUri = `sip:${user}@${identity.fromDomain}`;
    req.add('From', `${display ? `${quote(display)} ` : ''}<${fromUri}>;tag=${this.fromTag}`);
    req.add('To', `<${o.requestUri}>`);
    req.add('Call-ID', this.callId);
    req.add('CSeq', `${this.seq} INVITE`);
    req.add('Max-Forwards', '70');
    req.add('Contact', `<${core.contactUri(user, this.dest.transport)}>`);
    if (identity.pAssertedIdentity) req.add('P-Asserted-Identity', identity.pAssertedIdentity);
    req.add('Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE');
    req.add('Supported', '100rel, timer');
    if (this.sessionExpires) {
      req.add('Session-Expires', String(this.sessionExpires));
      req.add('Min-SE', String(Math.min(90, this.sessionExpires)));
    }
    for (const [k, v] of Object.entries(o.headers ?? {})) req.add(k, v.replace(/[\r\n]/g, ' '));
    req.add('Content-Type', o.offer.contentType);
    req.body = Buffer.from(o.offer.content, 'utf8');
    return req;
  }

  private send(extra?: { header: string; value: string }): void {
    this.request = this.buildRequest();
    if (extra) this.request.add(extra.header, extra.value);
    this.tx = this.host.core.request(this.request, this.dest, {
      onResponse: (res) => this.onResponse(res),
      // Timer B: nothing came back at all — the PBX or trunk is down or unreachable, nobody "did not answer".
      onTimeout: () => this.fail(0, 'no response to INVITE (Timer B)', this.cancelKind ?? 'no-response'),
      onTransportError: (err) => this.fail(0, `transport error: ${err.message}`, 'transport'),
    });
  }

  /** Abort or ring timeout: CANCEL now if a provisional came, else as soon as one does. */
  cancel(kind: CancelKind): void {
    if (this.settled || this.cancelKind) return;
    this.cancelKind = kind;
    if (this.provisionalSeen) this.sendCancel();
  }

  private sendCancel(): void {
    if (this.cancelSent || !this.tx) return;
    this.cancelSent = true;
    const inv = this.request;
    const cancel = new SipRequest('CANCEL', inv.uri);
    for (const r of inv.getAll('route')) cancel.add('Route', r);
    cancel.add('From', inv.get('from') ?? '');
    cancel.add('To', inv.get('to') ?? '');
    cancel.add('Call-ID', inv.callId);
    cancel.add('CSeq', `${inv.cseq.seq} CANCEL`);
    cancel.add('Max-Forwards', '70');
    const core = this.host.core;
    // The CANCEL must carry the INVITE's branch (RFC 3261 §9.1), so it bypasses core.request's fresh Via.
    cancel.add('Via', inv.getAll('via')[0] ?? '');
    core.transactions.request(cancel, this.tx.dest, {
      onResponse: () => {},
      onTimeout: () => {},
      onTransportError: () => {},
    });
    // If the INVITE never gets its final response, give up after 64*T1 (RFC 3261 §9.1).
    this.cancelGuard = setTimeout(() => {
      this.tx?.terminate();
      this.fail(0, 'no final response after CANCEL', this.cancelKind ?? 'cancelled');
    }, 64 * core.config.timers.t1);
    this.cancelGuard.unref?.();
  }

  private onResponse(res: SipResponse): void {
    const s = res.status;
    if (s < 200) {
      this.provisionalSeen = true;
      const reliable = this.reliable.check(res);
      if (reliable.kind === 'repeat') return;
      const tag = res.toTag;
      if (tag && s > 100 && !this.earlyDialogs.has(tag)) {
        const early = DialogState.fromUac(this.request, res);
        if (early) this.earlyDialogs.set(tag, early);
      }
      if (reliable.kind === 'new' && tag) this.prack(tag, reliable.rack);
      if (this.cancelKind) this.sendCancel();
      const body = sessionBodyOf(res);
      if (body && tag) this.earlyBodies.set(tag, body);
      if (!this.settled) {
        try {
          this.options.onProvisional?.(
            body ? { status: s, reason: res.reason, body } : { status: s, reason: res.reason },
          );
        } catch {
          // the media layer's callback must not break signalling
        }
      }
      return;
    }
    if (s < 300) {
      this.on2xx(res);
      return;
    }
    if ((s === 401 || s === 407) && !this.settled && !this.cancelKind) {
      const decision = this.auth.respond(res, 'INVITE', this.options.requestUri);
      if (decision.action === 'retry') {
        this.seq++;
        this.send({ header: decision.header, value: decision.value });
      } else {
        this.fail(s, decision.reason, decision.unsupported ? 'auth-unsupported' : 'auth-failed');
      }
      return;
    }
    if (s === 422 && !this.triedMinSE && !this.cancelKind) {
      const min = Number.parseInt(res.get('min-se') ?? '', 10);
      if (Number.isInteger(min) && min > 0) {
        this.triedMinSE = true;
        this.sessionExpires = min;
        this.seq++;
        this.send();
        return;
      }
    }
    this.fail(s, res.reason, this.cancelKind && s === 487 ? this.cancelKind : 'final-response');
  }

  /** 2xx through the transaction (first) or stray (retransmission / fork). */
  on2xx(res: SipResponse): void {
    if (res.cseq.method !== 'INVITE') return;
    const tag = res.toTag;
    // The early dialog of this To tag becomes the dialog: its CSeq space (PRACKs) carries on.
    const early = tag ? this.earlyDialogs.get(tag) : undefined;
    this.earlyDialogs.clear();
    if (this.dialog && tag === this.dialog.state.id.remoteTag) {
      this.dialog.resendAck(res);
      return;
    }
    const state = DialogState.fromUac(this.request, res);
    if (!state) return;
    if (early) state.localSeq = Math.max(state.localSeq, early.localSeq);
    const ack = state.createRequest('ACK', this.request.cseq.seq);
    for (const h of this.request.headers) {
      if (h.name === 'proxy-authorization' || h.name === 'authorization') ack.add(h.wireName, h.value);
    }
    const hop = state.nextHop();
    const ackDest = hop ? this.host.core.destination(hop) : this.dest;
    void this.host.core.sendAck(ack, ackDest);
    if (this.settled || this.cancelKind) {
      // A fork we do not want, or a 2xx that raced our CANCEL: ACK it, then BYE it (RFC 3261 §13.2.2.4, §15).
      this.byeUnwanted(state, ackDest);
      if (!this.settled) this.fail(487, 'Request Terminated', this.cancelKind ?? 'cancelled');
      return;
    }
    this.settled = true;
    this.clearTimers();
    const remoteBody = sessionBodyOf(res) ?? (tag ? this.earlyBodies.get(tag) : undefined);
    const core = this.host.core;
    const dialog = new SipDialog(
      core,
      state,
      {
        localBody: this.options.offer,
        remoteBody,
        peer: formatAddress(ackDest),
        trace: this.options.trace,
        ack,
        ackDest,
        contact: this.request.contacts()[0]?.uri.text ?? core.contactUri(undefined, ackDest.transport),
        response: res,
        state,
        credentials: this.host.identity.credentials,
      },
      (d) => this.host.removeDialog(d),
    );
    this.dialog = dialog;
    this.host.addDialog(dialog);
    this.lingerForRetransmissions();
    this.resolve(dialog);
  }

  /** PRACK a reliable provisional inside its early dialog (RFC 3262 §7.2), answering a challenge if one comes. */
  private prack(tag: string, rack: string): void {
    const early = this.earlyDialogs.get(tag);
    const hop = early?.nextHop();
    if (!early || !hop) return;
    const core = this.host.core;
    requestWithAuth(
      core,
      this.host.identity.credentials,
      () => {
        const req = early.createRequest('PRACK');
        req.add('RAck', rack);
        return req;
      },
      core.destination(hop),
      {
        onFinal: (res) => {
          if (res && res.status >= 300) core.logger.warn({ status: res.status, rack }, 'PRACK refused');
        },
      },
    );
  }

  private byeUnwanted(state: DialogState, dest: TransportAddress): void {
    const bye = state.createRequest('BYE');
    this.host.core.request(bye, dest, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
  }

  private fail(status: number, reason: string, kind: InviteFailure['kind']): void {
    if (this.settled) return;
    this.settled = true;
    this.earlyDialogs.clear();
    this.earlyBodies.clear();
    this.clearTimers();
    if (this.tx instanceof InviteClientTransaction && this.tx.state === 'calling' && kind !== 'timeout') {
      // Nothing came back yet; stop retransmitting.
      this.tx.terminate();
    }
    this.lingerForRetransmissions();
    this.reject(new InviteFailure(status, reason, kind, this.callId));
  }

  /** Stay reachable for 2xx retransmissions / late forks for 64*T1, then let go. */
  private lingerForRetransmissions(): void {
    const t = setTimeout(() => {
      this.host.trackInvite(this.callId, undefined);
      if (!this.dialog) this.host.core.trace.unregister(this.callId);
    }, 64 * this.host.core.config.timers.t1);
    t.unref?.();
  }

  private clearTimers(): void {
    if (this.ringTimer) clearTimeout(this.ringTimer);
    if (this.cancelGuard) clearTimeout(this.cancelGuard);
  }
}

function withLr(uri: string): string {
  return /;lr(?:[;=]|$)/i.test(uri) ? uri : `${uri};lr`;
}
