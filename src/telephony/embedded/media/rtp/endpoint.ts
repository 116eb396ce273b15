/**
 * One call's RTP socket: sends to the negotiated remote address, accepts packets only from the
 * source the RTP source policy allows (`./source-policy.ts`: the SDP address, or another one adopted
 * after probation — then we send there too, symmetric RTP, RFC 4961), keeps receive statistics and
 * hands accepted packets to the media session. RTCP, garbage and strangers' datagrams are counted
 * and dropped, never thrown.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { newRtpHeader, parseRtp, type RtpHeader } from './packet';
import { type RtpSourceChange, type RtpSourceMode, RtpSourcePolicy } from './source-policy';
import { SrtpReceiver, SrtpSender } from './srtp';
import { RtpReceiveStats } from './stats';

export type RtpPacketHandler = (header: RtpHeader, datagram: Buffer, arrivalMs: number) => void;

export interface RtpEndpointOptions {
  readonly socket: Socket;
  readonly port: number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly onPacket: RtpPacketHandler;
  /** Payload types we accept (codec + telephone-event); others are counted as ignored. */
  acceptedPayloadTypes?: readonly number[];
  /** Which sources are accepted (config `media.rtpSource`); default `same-host`. */
  readonly rtpSource?: RtpSourceMode;
  /** Every change of accepted source (for the call trace). */
  readonly onSourceChange?: (change: RtpSourceChange) => void;
}

export class RtpEndpoint {
  readonly stats = new RtpReceiveStats();
  readonly port: number;
  sent = 0;
  sentBytes = 0;
  sendErrors = 0;
  /** Who may send to us; its counters say what was dropped and why. */
  readonly policy: RtpSourcePolicy;
  private remoteAddress = '';
  private remotePort = 0;
  private closed = false;
  /** SRTP (SDES) when negotiated: every packet is protected on the way out and must authenticate on the way in. */
  private srtp: { sendKey: Buffer; receiveKey: Buffer; tx: SrtpSender; rx: SrtpReceiver } | undefined;
  private readonly header = newRtpHeader();
  private accepted = new Uint8Array(128);
  private readonly socket: Socket;
  private readonly now: () => number;
  private readonly onPacket: RtpPacketHandler;

  constructor(options: RtpEndpointOptions) {
    this.socket = options.socket;
    this.port = options.port;
    this.now = options.now;
    this.onPacket = options.onPacket;
    const onSourceChange = options.onSourceChange;
    this.policy = new RtpSourcePolicy({
      mode: options.rtpSource ?? 'same-host',
      onChange: (change) => {
        // Send where the accepted source is (or back to the SDP address after a new description).
        this.remoteAddress = this.policy.targetAddress;
        this.remotePort = this.policy.targetPort;
        onSourceChange?.(change);
      },
    });
    this.setAcceptedPayloadTypes(options.acceptedPayloadTypes ?? [0, 8]);
    this.socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    // A send to an unreachable port surfaces as an error event on some platforms: count, never crash.
    this.socket.on('error', () => {
      this.sendErrors++;
    });
  }

  get remote(): { address: string; port: number } {
    return { address: this.remoteAddress, port: this.remotePort };
  }

  /** Has a source been accepted since the last remote description? */
  get isLatched(): boolean {
    return this.policy.hasSource;
  }

  /** Where the peer's SDP says its media is. A new address (re-INVITE, UPDATE) wins at once. */
  setRemote(address: string, port: number): void {
    this.policy.setSignalled(address, port);
  }

  /** SRTP keys from the SDP (absent: plain RTP). The same keys again keep the running crypto state. */
  setSrtp(keys: { readonly sendKey: Buffer; readonly receiveKey: Buffer } | undefined): void {
    if (!keys) {
      this.srtp = undefined;
      return;
    }
    const s = this.srtp;
    if (s?.sendKey.equals(keys.sendKey) && s.receiveKey.equals(keys.receiveKey)) return;
    this.srtp = {
      sendKey: keys.sendKey,
      receiveKey: keys.receiveKey,
      tx: new SrtpSender(keys.sendKey),
      rx: new SrtpReceiver(keys.receiveKey),
    };
  }

  get srtpActive(): boolean {
    return this.srtp !== undefined;
  }

  /** SRTP packets dropped: failed authentication, replays, too short (0 without SRTP). */
  get srtpRejected(): number {
    const st = this.srtp?.rx.stats;
    return st ? st.authFailed + st.replayed + st.short : 0;
  }

  setAcceptedPayloadTypes(types: readonly number[]): void {
    this.accepted = new Uint8Array(128);
    for (const t of types) if (t >= 0 && t < 128) this.accepted[t] = 1;
  }

  /** Send `length` bytes of `packet`. The buffer is reused by the caller on the next frame. */
  send(packet: Buffer, length: number): void {
    if (this.closed || this.remotePort === 0) return;
    this.sent++;
    this.sentBytes += length;
    if (this.srtp) {
      const out = this.srtp.tx.protect(packet, length);
      this.socket.send(out, this.remotePort, this.remoteAddress);
      return;
    }
    // No callback: errors arrive as the socket's 'error' event (counted above), and a callback would
    // cost a closure call per packet.
    // The offset/length form makes dgram slice a new Buffer per packet; exact-size buffers avoid it.
    if (length === packet.length) this.socket.send(packet, this.remotePort, this.remoteAddress);
    else this.socket.send(packet, 0, length, this.remotePort, this.remoteAddress);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.removeAllListeners('message');
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    if (this.srtp) {
      // Authenticate before anything else looks at it: without the peer's key nobody gets further.
      const b1 = msg.length > 1 ? msg[1]! : 0;
      const plain = b1 >= 192 && b1 <= 223 ? undefined : this.srtp.rx.unprotect(msg);
      if (!plain) {
        this.stats.ignored++;
        return;
      }
      msg = plain;
    }
    const h = this.header;
    if (!parseRtp(msg, msg.length, h) || this.accepted[h.payloadType] !== 1) {
      this.stats.ignored++;
      return;
    }
    const arrival = this.now();
    // Only the peer's stream reaches the media (and so the DTMF receivers); the policy counts the rest.
    if (!this.policy.check(rinfo.address, rinfo.port, h.ssrc, h.sequence, arrival)) return;
    this.stats.update(h.ssrc, h.sequence, h.timestamp, Math.round(arrival * 8));
    this.onPacket(h, msg, arrival);
  }
}
