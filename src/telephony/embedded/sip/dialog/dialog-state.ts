/**
 * Dialog state (RFC 3261 §12): identifiers, sequence numbers, remote target and route set, and
 * construction of in-dialog requests (§12.2.1.1, loose routing per §16.12).
 */
import { parseNameAddr, parseUri, SipRequest, type SipResponse, type SipUri } from '../message';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

export class DialogState {
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: string;
  readonly routeSet: readonly string[];

  constructor(
    readonly id: DialogId,
    /** Our From value (with our tag). */
    readonly local: string,
    /** Their To value (with their tag). */
    readonly remote: string,
    localSeq: number,
    remoteTarget: string,
    routeSet: readonly string[],
  ) {
    this.localSeq = localSeq;
    this.remoteTarget = remoteTarget;
    this.routeSet = routeSet;
  }

  /** UAC side (§12.1.2): route set = Record-Route reversed, remote target = Contact of the response. */
  static fromUac(request: SipRequest, response: SipResponse): DialogState | undefined {
    const remoteTag = response.toTag;
    const localTag = request.fromTag;
    if (!remoteTag || !localTag) return undefined;
    const contact = response.contacts()[0];
    const target = contact ? contact.uri.text : request.uri;
    const routes = response.getAll('record-route').reverse();
    return new DialogState(
      { callId: request.callId, localTag, remoteTag },
      request.get('from') ?? '',
      response.get('to') ?? '',
      request.cseq.seq,
      target,
      routes,
    );
  }

  /** Update the remote target from a target-refresh request or response (§12.2). */
  refreshTarget(msg: { contacts(): ReadonlyArray<{ uri: { text: string } } | undefined> }): void {
    const c = msg.contacts()[0];
    if (c) this.remoteTarget = c.uri.text;
  }

  /** A new in-dialog request with the next CSeq (ACK and CANCEL reuse numbers; pass `seq`). */
  createRequest(method: string, seq?: number): SipRequest {
    let requestUri = this.remoteTarget;
    let routes = this.routeSet;
    const first = routes[0] ? parseNameAddr(routes[0]) : undefined;
    if (first && first.uri.kind === 'sip' && !first.uri.params.has('lr')) {
      // Strict router (RFC 2543 style): it becomes the Request-URI, the remote target goes last.
      requestUri = first.uri.text;
      routes = [...routes.slice(1), `<${this.remoteTarget}>`];
    }
    const req = new SipRequest(method, requestUri);
    for (const r of routes) req.add('Route', r);
    req.add('From', this.local);
    req.add('To', this.remote);
    req.add('Call-ID', this.id.callId);
    if (seq === undefined) {
      this.localSeq++;
      seq = this.localSeq;
    }
    req.add('CSeq', `${seq} ${method}`);
    req.add('Max-Forwards', '70');
    return req;
  }

  /** Where in-dialog requests go: the first route, else the remote target. */
  nextHop(): SipUri | undefined {
    const first = this.routeSet[0] ? parseNameAddr(this.routeSet[0]) : undefined;
    const uri = first ? first.uri : parseUri(this.remoteTarget);
    return uri && uri.kind === 'sip' ? uri : undefined;
  }

  /**
   * Check an incoming request's CSeq (§12.2.2): lower than the last one is out of order (500).
   * Returns false for out-of-order requests.
   */
  acceptRemoteSeq(seq: number, method: string): boolean {
    if (method === 'ACK' || method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }
}
