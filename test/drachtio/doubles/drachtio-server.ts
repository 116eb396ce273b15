/**
 * A drachtio-server test double: the admin-protocol side over real TCP, with in-process SIP peers
 * behind it instead of a SIP network.
 *
 * What it speaks (as drachtio-srf 5.x's drachtio-agent.js / wire-protocol.js expect from 0.9.x):
 * - framing `<decimal byte length>#<payload>`, payload `<msgId>|<type>|…`, header line ends at the
 *   first CR, SIP text after `\r\n`;
 * - `authenticate|<secret>|<tags>` → `response|<id>|OK|<transport/host:port>|<version>` or `NO|…`;
 *   `route|<verb>` and `ping` → `OK`;
 * - `sip|<txnId>|<dialogId>[|<proxy>]\r\n<SIP>` from the app: new requests (INVITE, OPTIONS) get Via,
 *   From tag, To, Call-ID, CSeq, Max-Forwards, Contact filled in and are echoed back as
 *   `response|<id>|OK|application|<bytes>|udp|<addr>|<port>|<time>|<txnId>|<dialogId>\r\n<SIP>`;
 *   CANCEL (by transaction id), in-dialog requests and ACK (by dialog id), and responses to requests
 *   the peers sent (by transaction id);
 * - toward the app: `<uuid>|sip|network|<bytes>|udp|<addr>|<port>|<time>|<txnId>|<dialogId>\r\n<SIP>`
 *   for responses and for in-dialog requests from a peer (BYE, INFO …).
 *
 * What it does NOT emulate: no SIP sockets, no retransmissions or timers (B/F/H), no forking, no
 * record-route/route sets, no PRACK/100rel, no TLS, no CDRs, no outbound connections (`listen` mode),
 * no request routing to the app for out-of-dialog network requests. A request to an address with no
 * peer gets a 503 as if the transport failed. Peers are objects in the test process (see `SipPeer`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import {
  getHeader,
  hostportOf,
  newBranch,
  newTag,
  parseSip,
  responseTo,
  type SipMsg,
  serialize,
  setHeader,
  tagOf,
} from './sip-text';

/** A request as a peer sees it, with the means to answer it (answers to ACK are ignored). */
export interface PeerTxn {
  readonly request: SipMsg;
  /** Set for in-dialog requests and ACKs. */
  readonly dialog?: DialogRecord;
  respond(status: number, reason: string, opts?: { headers?: Array<[string, string]>; body?: string }): void;
  /** True once a final response was sent (or the transaction was cancelled and answered 487). */
  readonly completed: boolean;
}

/** An in-process SIP UA "on the network" behind the double (the PBX, FreeSWITCH's sofia profile). */
export interface SipPeer {
  readonly hostport: string;
  onRequest(txn: PeerTxn): void;
  /** The app CANCELled an INVITE that has no final response yet. Default: answer it 487. */
  onCancel?(txn: PeerTxn): void;
}

export interface DialogRecord {
  readonly id: string;
  readonly callId: string;
  /** The app's side (UAC) and the peer's side. */
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localFrom: string;
  readonly remoteTo: string;
  readonly localContact: string;
  readonly remoteTarget: string;
  readonly peer: SipPeer;
  readonly conn: Conn;
  localCseq: number;
  remoteCseq: number;
  readonly inviteCseq: number;
}

interface ClientTxn {
  readonly id: string;
  readonly request: SipMsg;
  readonly peer: SipPeer;
  readonly conn: Conn;
  readonly dialog?: DialogRecord;
  toTag?: string;
  completed: boolean;
  peerTxn?: PeerTxn;
}

interface ServerTxn {
  readonly request: SipMsg;
  readonly resolve: (res: SipMsg) => void;
}

interface Conn {
  readonly socket: Socket;
  authenticated: boolean;
  buffer: Buffer;
  readonly routes: string[];
}

export interface WireLogEntry {
  readonly dir: 'to-app' | 'from-app';
  readonly payload: string;
}

export class DrachtioServerDouble {
  private server: Server | undefined;
  private readonly conns = new Set<Conn>();
  private readonly peers = new Map<string, SipPeer>();
  private readonly clientTxns = new Map<string, ClientTxn>();
  private readonly serverTxns = new Map<string, ServerTxn>();
  readonly dialogs = new Map<string, DialogRecord>();
  /** Every framed message in both directions, for assertions. */
  readonly wire: WireLogEntry[] = [];
  /** Count of `authenticate` requests seen (reconnect tests). */
  authentications = 0;
  /** `host:port` drachtio claims its SIP endpoint listens on (no socket: there is no SIP network here). */
  readonly sipHostport: string;

  constructor(
    readonly port: number,
    readonly secret: string,
    sipPort: number,
  ) {
    this.sipHostport = `127.0.0.1:${sipPort}`;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
      this.server = server;
    });
  }

  /** Closes the listener and every client connection. */
  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Drops every client connection (the app should reconnect). */
  dropClients(): void {
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
  }

  get clientCount(): number {
    return [...this.conns].filter((c) => c.authenticated).length;
  }

  addPeer(peer: SipPeer): void {
    this.peers.set(peer.hostport, peer);
  }

  removePeer(peer: SipPeer): void {
    this.peers.delete(peer.hostport);
  }

  // ---------------------------------------------------------------------------------------------
  // Framing

  private accept(socket: Socket): void {
    const conn: Conn = { socket, authenticated: false, buffer: Buffer.alloc(0), routes: [] };
    this.conns.add(conn);
    socket.on('data', (chunk) => this.onData(conn, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.conns.delete(conn));
  }

  private onData(conn: Conn, chunk: Buffer): void {
    conn.buffer = Buffer.concat([conn.buffer, chunk]);
    for (;;) {
      const hash = conn.buffer.indexOf('#');
      if (hash <= 0) return;
      const len = Number(conn.buffer.toString('utf8', 0, hash));
      if (!Number.isInteger(len) || len <= 0) {
        conn.socket.destroy();
        return;
      }
      if (conn.buffer.length < hash + 1 + len) return;
      const payload = conn.buffer.toString('utf8', hash + 1, hash + 1 + len);
      conn.buffer = conn.buffer.subarray(hash + 1 + len);
      this.wire.push({ dir: 'from-app', payload });
      try {
        this.onMessage(conn, payload);
      } catch (err) {
        // A double must not die on what it does not understand; say so on the wire like the server would.
        const msgId = payload.split('|', 1)[0] ?? '';
        this.send(conn, `${randomUUID()}|response|${msgId}|NO|${(err as Error).message.replace(/[|\r\n]/g, ' ')}`);
      }
    }
  }

  private send(conn: Conn, payload: string): void {
    this.wire.push({ dir: 'to-app', payload });
    if (!conn.socket.destroyed) conn.socket.write(`${Buffer.byteLength(payload, 'utf8')}#${payload}`);
  }

  private reply(conn: Conn, msgId: string, rest: string): void {
    this.send(conn, `${randomUUID()}|response|${msgId}|${rest}`);
  }

  private onMessage(conn: Conn, payload: string): void {
    const cr = payload.indexOf('\r');
    const leader = cr === -1 ? payload : payload.slice(0, cr);
    const sip = cr === -1 ? '' : payload.slice(cr + 2);
    const tokens = leader.split('|');
    const [msgId = '', type = ''] = tokens;
    if (type === 'authenticate') {
      this.authentications++;
      if (tokens[2] === this.secret) {
        conn.authenticated = true;
        this.reply(conn, msgId, `OK|udp/${this.sipHostport}|v0.9.10-double`);
      } else {
        this.reply(conn, msgId, 'NO|authentication failed');
      }
      return;
    }
    if (!conn.authenticated) {
      this.reply(conn, msgId, 'NO|not authenticated');
      return;
    }
    switch (type) {
      case 'route':
        conn.routes.push(tokens[2] ?? '');
        this.reply(conn, msgId, 'OK');
        return;
      case 'ping':
        this.reply(conn, msgId, 'OK');
        return;
      case 'sip':
        this.onSipFromApp(conn, msgId, tokens[2] ?? '', tokens[3] ?? '', tokens[4], parseSip(sip));
        return;
      default:
        this.reply(conn, msgId, `NO|unknown message type ${type}`);
    }
  }

  private echo(conn: Conn, msgId: string, msg: SipMsg, txnId: string, dialogId: string, peer?: SipPeer): void {
    const text = serialize(msg);
    const [addr, port] = (peer?.hostport ?? this.sipHostport).split(':');
    this.send(
      conn,
      `${randomUUID()}|response|${msgId}|OK|application|${Buffer.byteLength(text)}|udp|${addr}|${port}|${Date.now()}|${txnId}|${dialogId}\r\n${text}`,
    );
  }

  private toApp(conn: Conn, msg: SipMsg, peer: SipPeer, txnId: string, dialogId: string): void {
    const text = serialize(msg);
    const [addr, port] = peer.hostport.split(':');
    this.send(
      conn,
      `${randomUUID()}|sip|network|${Buffer.byteLength(text)}|udp|${addr}|${port}|${Date.now()}|${txnId}|${dialogId}\r\n${text}`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // SIP from the app

  private onSipFromApp(
    conn: Conn,
    msgId: string,
    txnId: string,
    dialogId: string,
    proxy: string | undefined,
    msg: SipMsg,
  ): void {
    if (msg.status !== undefined) {
      this.onResponseFromApp(conn, msgId, txnId, msg);
      return;
    }
    if (msg.method === 'CANCEL') {
      this.onCancelFromApp(conn, msgId, txnId, msg);
      return;
    }
    if (dialogId) {
      this.onInDialogFromApp(conn, msgId, dialogId, msg);
      return;
    }
    this.onNewRequestFromApp(conn, msgId, proxy, msg);
  }

  private onNewRequestFromApp(conn: Conn, msgId: string, proxy: string | undefined, msg: SipMsg): void {
    const uri = msg.uri ?? '';
    const method = msg.method ?? '';
    const via = `SIP/2.0/UDP ${this.sipHostport};rport;branch=${newBranch()}`;
    msg.headers.unshift(['Via', via]);
    let from = getHeader(msg, 'from') ?? `<sip:drachtio@${this.sipHostport}>`;
    from = from.replace(/@localhost\b/, `@${this.sipHostport.split(':')[0]}`);
    if (!tagOf(from)) from = `${from};tag=${newTag()}`;
    setHeader(msg, 'From', from);
    if (!getHeader(msg, 'to')) setHeader(msg, 'To', `<${uri}>`);
    if (!getHeader(msg, 'call-id')) setHeader(msg, 'Call-ID', `${randomUUID()}@${this.sipHostport.split(':')[0]}`);
    if (!getHeader(msg, 'cseq')) setHeader(msg, 'CSeq', `1 ${method}`);
    if (!getHeader(msg, 'max-forwards')) setHeader(msg, 'Max-Forwards', '70');
    const contact = getHeader(msg, 'contact');
    if (!contact || /@localhost\b/.test(contact)) setHeader(msg, 'Contact', `<sip:${this.sipHostport}>`);
    if (msg.body && !getHeader(msg, 'content-type')) setHeader(msg, 'Content-Type', 'application/sdp');
    const txnId = randomUUID();
    const target = proxy ? hostportOf(proxy) : hostportOf(uri);
    const peer = this.peers.get(target);
    const fallback: SipPeer = { hostport: target, onRequest: () => undefined };
    this.echo(conn, msgId, msg, txnId, '', peer ?? fallback);
    const txn: ClientTxn = { id: txnId, request: msg, peer: peer ?? fallback, conn, completed: false };
    this.clientTxns.set(txnId, txn);
    const peerTxn = this.peerTxnFor(txn);
    txn.peerTxn = peerTxn;
    if (!peer) {
      setImmediate(() => peerTxn.respond(503, 'Service Unavailable'));
      return;
    }
    setImmediate(() => peer.onRequest(peerTxn));
  }

  /** The peer's handle on a client transaction: its responses go back to the app. */
  private peerTxnFor(txn: ClientTxn): PeerTxn {
    const self = this;
    const isInvite = txn.request.method === 'INVITE';
    return {
      request: txn.request,
      ...(txn.dialog ? { dialog: txn.dialog } : {}),
      get completed() {
        return txn.completed;
      },
      respond(status, reason, opts = {}) {
        if (txn.completed || txn.request.method === 'ACK') return;
        if (status >= 200) txn.completed = true;
        if (status > 100 && !txn.toTag) txn.toTag = tagOf(getHeader(txn.request, 'to')) ?? newTag();
        const headers = [...(opts.headers ?? [])];
        if (isInvite && status > 100 && status < 300 && !headers.some(([n]) => /^contact$/i.test(n))) {
          headers.push(['Contact', `<sip:${txn.peer.hostport}>`]);
        }
        if (opts.body && !headers.some(([n]) => /^content-type$/i.test(n))) {
          headers.push(['Content-Type', 'application/sdp']);
        }
        const res = responseTo(txn.request, status, reason, {
          ...(status > 100 && txn.toTag ? { toTag: txn.toTag } : {}),
          headers,
          ...(opts.body ? { body: opts.body } : {}),
        });
        let dialogId = txn.dialog?.id ?? '';
        if (isInvite && !txn.dialog && status >= 200 && status < 300) {
          dialogId = self.createDialog(txn, res).id;
        }
        if (txn.dialog && txn.request.method === 'BYE' && status >= 200) self.dialogs.delete(txn.dialog.id);
        if (status >= 200) self.clientTxns.delete(txn.id);
        self.toApp(txn.conn, res, txn.peer, txn.id, dialogId);
      },
    };
  }

  private createDialog(txn: ClientTxn, res: SipMsg): DialogRecord {
    const req = txn.request;
    const callId = getHeader(req, 'call-id') ?? '';
    const localFrom = getHeader(req, 'from') ?? '';
    const localTag = tagOf(localFrom) ?? '';
    const contact = getHeader(res, 'contact') ?? `<sip:${txn.peer.hostport}>`;
    const dialog: DialogRecord = {
      id: `${callId};from-tag=${localTag}`,
      callId,
      localTag,
      remoteTag: txn.toTag ?? '',
      localFrom,
      remoteTo: getHeader(res, 'to') ?? '',
      localContact: getHeader(req, 'contact') ?? `<sip:${this.sipHostport}>`,
      remoteTarget: contact.replace(/^.*<([^>]+)>.*$/, '$1'),
      peer: txn.peer,
      conn: txn.conn,
      localCseq: Number((getHeader(req, 'cseq') ?? '1').split(' ')[0]),
      remoteCseq: 0,
      inviteCseq: Number((getHeader(req, 'cseq') ?? '1').split(' ')[0]),
    };
    this.dialogs.set(dialog.id, dialog);
    return dialog;
  }

  private onCancelFromApp(conn: Conn, msgId: string, txnId: string, msg: SipMsg): void {
    const invite = this.clientTxns.get(txnId);
    this.echo(conn, msgId, msg, randomUUID(), '', invite?.peer);
    if (!invite || invite.completed || !invite.peerTxn) return;
    const peerTxn = invite.peerTxn;
    setImmediate(() => {
      if (peerTxn.completed) return;
      if (invite.peer.onCancel) invite.peer.onCancel(peerTxn);
      else peerTxn.respond(487, 'Request Terminated');
    });
  }

  private onInDialogFromApp(conn: Conn, msgId: string, dialogId: string, msg: SipMsg): void {
    const dialog = this.dialogs.get(dialogId);
    const txnId = randomUUID();
    if (!dialog) {
      this.reply(conn, msgId, 'NO|unable to find dialog');
      return;
    }
    const method = msg.method ?? '';
    const extra = msg.headers.filter(
      ([n]) => !/^(via|from|to|call-id|cseq|max-forwards|contact|content-length)$/i.test(n),
    );
    const cseq = method === 'ACK' ? dialog.inviteCseq : ++dialog.localCseq;
    if (method === 'INVITE') (dialog as { inviteCseq: number }).inviteCseq = cseq;
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/UDP ${this.sipHostport};rport;branch=${newBranch()}`],
      ['Max-Forwards', '70'],
      ['From', dialog.localFrom],
      ['To', dialog.remoteTo],
      ['Call-ID', dialog.callId],
      ['CSeq', `${cseq} ${method}`],
      ...(method === 'INVITE' ? ([['Contact', dialog.localContact]] as Array<[string, string]>) : []),
      ...extra,
    ];
    if (msg.body && !headers.some(([n]) => /^content-type$/i.test(n)))
      headers.push(['Content-Type', 'application/sdp']);
    const req: SipMsg = {
      startLine: `${method} ${dialog.remoteTarget} SIP/2.0`,
      method,
      uri: dialog.remoteTarget,
      headers,
      body: msg.body,
    };
    this.echo(conn, msgId, req, txnId, dialog.id, dialog.peer);
    const txn: ClientTxn = { id: txnId, request: req, peer: dialog.peer, conn, dialog, completed: method === 'ACK' };
    if (method !== 'ACK') this.clientTxns.set(txnId, txn);
    const peerTxn = this.peerTxnFor(txn);
    txn.peerTxn = peerTxn;
    setImmediate(() => dialog.peer.onRequest(peerTxn));
  }

  private onResponseFromApp(conn: Conn, msgId: string, txnId: string, msg: SipMsg): void {
    const st = this.serverTxns.get(txnId);
    if (!st) {
      this.reply(conn, msgId, 'NO|unknown transaction');
      return;
    }
    const full = responseTo(st.request, msg.status ?? 500, msg.reason ?? '', {
      headers: msg.headers.filter(([n]) => !/^(via|from|to|call-id|cseq|content-length)$/i.test(n)),
      body: msg.body,
    });
    this.echo(conn, msgId, full, txnId, '');
    if ((msg.status ?? 0) >= 200) {
      this.serverTxns.delete(txnId);
      st.resolve(full);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // SIP from a peer

  /**
   * An in-dialog request from the peer side (BYE, INFO, …) to the app. Resolves with the app's final
   * response; rejects if the app does not answer within `timeoutMs`.
   */
  requestFromPeer(
    dialogId: string,
    method: string,
    opts: { headers?: Array<[string, string]>; body?: string } = {},
    timeoutMs = 5000,
  ): Promise<SipMsg> {
    const dialog = this.dialogs.get(dialogId);
    if (!dialog) return Promise.reject(new Error(`no dialog ${dialogId}`));
    const target = dialog.localContact.replace(/^.*<([^>]+)>.*$/, '$1');
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/UDP ${dialog.peer.hostport};rport;branch=${newBranch()}`],
      ['Max-Forwards', '70'],
      ['From', dialog.remoteTo],
      ['To', dialog.localFrom],
      ['Call-ID', dialog.callId],
      ['CSeq', `${++dialog.remoteCseq + 100} ${method}`],
      ['Contact', `<${dialog.remoteTarget}>`],
      ...(opts.headers ?? []),
    ];
    const req: SipMsg = {
      startLine: `${method} ${target} SIP/2.0`,
      method,
      uri: target,
      headers,
      body: opts.body ?? '',
    };
    const txnId = randomUUID();
    if (method === 'BYE') this.dialogs.delete(dialogId);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.serverTxns.delete(txnId);
        reject(new Error(`the app did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.serverTxns.set(txnId, {
        request: req,
        resolve: (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      });
      this.toApp(dialog.conn, req, dialog.peer, txnId, dialogId);
    });
  }

  /** Dialogs between the app and this peer (leak checks). */
  dialogsWith(peer: SipPeer): DialogRecord[] {
    return [...this.dialogs.values()].filter((d) => d.peer === peer);
  }
}
