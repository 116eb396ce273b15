/**
 * One call's RTP socket: sends to the negotiated remote address, latches onto the address the peer
 * really sends from (symmetric RTP, RFC 4961 — NATs and SBCs often rewrite it), keeps receive
 * statistics and hands valid packets to the media session. RTCP and garbage datagrams are counted
 * and dropped, never thrown.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { newRtpHeader, parseRtp, type RtpHeader } from './packet';
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
}

export class RtpEndpoint {
  readonly stats = new RtpReceiveStats();
  readonly port: number;
  sent = 0;
  sentBytes = 0;
  sendErrors = 0;
  private remoteAddress = '';
  private remotePort = 0;
  private latched = false;
  private closed = false;
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

  get isLatched(): boolean {
    return this.latched;
  }

  /** Where to send (from SDP). A new address from a re-INVITE re-arms latching. */
  setRemote(address: string, port: number): void {
    if (address === this.remoteAddress && port === this.remotePort) return;
    this.remoteAddress = address;
    this.remotePort = port;
    this.latched = false;
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
    const h = this.header;
    if (!parseRtp(msg, msg.length, h) || this.accepted[h.payloadType] !== 1) {
      this.stats.ignored++;
      return;
    }
    if (!this.latched) {
      // Latch once per remote description: the first valid RTP tells us where the peer really is.
      this.latched = true;
      this.remoteAddress = rinfo.address;
      this.remotePort = rinfo.port;
    } else if (rinfo.port !== this.remotePort || rinfo.address !== this.remoteAddress) {
      // Packets from anywhere else after latching are not our peer's (or a stale stream): drop.
      this.stats.ignored++;
      return;
    }
    const arrival = this.now();
    this.stats.update(h.ssrc, h.sequence, h.timestamp, Math.round(arrival * 8));
    this.onPacket(h, msg, arrival);
  }
}
