/**
 * Which datagrams arriving at a call's RTP port are the peer's (issue 13: before this, the first
 * valid RTP packet from *anyone* captured the call, so a stranger who could reach the port could
 * press '#').
 *
 * Pure decision logic, no I/O and no Node APIs: the RTP endpoint asks `check()` for every parsed
 * packet and only feeds the media (RFC 4733 receiver, in-band detector) what is accepted. It runs
 * unchanged wherever the media runs (main thread or a worker).
 *
 * The rules (compare Asterisk's `strictrtp` learning and FreeSWITCH's RTP auto-adjust):
 *   - Packets from the address *and* port in the peer's SDP are always accepted, and that source
 *     is taken back at once when it speaks (after any adoption).
 *   - A new remote description (answer, re-INVITE, UPDATE) replaces the signalled address at once
 *     and forgets any source adopted under the old one.
 *   - Another source is adopted only if the mode allows its address (`strict`: never; `same-host`:
 *     the signalled IP with another port; `learn`: any address), after a probation of
 *     `probationPackets` consecutive packets with one SSRC and sequence numbers that each follow the
 *     last, while nothing arrives from the signalled or the current source for `quietMs`. A stream
 *     that is still alive therefore cannot be taken over.
 *   - From the accepted source, the stream (SSRC + sequence) must stay sane: an SSRC change needs
 *     two packets in sequence to be believed, a sequence jump beyond RFC 3550's MAX_DROPOUT needs
 *     the next packet to confirm it, duplicates are dropped.
 * Every change of source is reported through `onChange` (the call trace). Rejections are counted.
 */

export type RtpSourceMode = 'same-host' | 'learn' | 'strict';
export const RTP_SOURCE_MODES: readonly RtpSourceMode[] = ['same-host', 'learn', 'strict'];

export interface RtpSourceChange {
  /** `signalled`: the SDP address is (again) the source; `adopted`: another source passed probation;
   * `ssrc`: the accepted source started a new stream; `remote`: a new remote description arrived;
   * `refused`: the first packet from an address the mode never adopts (once per description). */
  readonly kind: 'signalled' | 'adopted' | 'ssrc' | 'remote' | 'refused';
  readonly address: string;
  readonly port: number;
  readonly ssrc: number;
  readonly signalledAddress: string;
  readonly signalledPort: number;
  readonly mode: RtpSourceMode;
}

export interface RtpSourcePolicyOptions {
  readonly mode: RtpSourceMode;
  /** Consecutive sequence-continuous packets of one SSRC before another source is adopted; default 4
   * (Asterisk's `probation` default for strictrtp learning). */
  readonly probationPackets?: number;
  /** How long the signalled/current source must have been silent before another may be adopted. */
  readonly quietMs?: number;
  readonly onChange?: (change: RtpSourceChange) => void;
}

/** Counters of what was dropped and why (numbers only, updated in place). */
export interface RtpSourceStats {
  accepted: number;
  /** Before any remote description (nothing is signalled yet). */
  noRemote: number;
  /** From an address the mode never adopts. */
  foreign: number;
  /** From an allowed address while the signalled/current source is alive. */
  whileAlive: number;
  /** Probation packets of a candidate source (dropped until it is adopted). */
  probation: number;
  /** From the accepted source but failing SSRC/sequence sanity. */
  badStream: number;
  sourceChanges: number;
}

export const DEFAULT_PROBATION_PACKETS = 4;
/** A phone sends every 20–60 ms; half a second without a packet means the stream has stopped. */
export const DEFAULT_QUIET_MS = 500;
/** RFC 3550 Appendix A.1. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

export class RtpSourcePolicy {
  readonly mode: RtpSourceMode;
  readonly stats: RtpSourceStats = {
    accepted: 0,
    noRemote: 0,
    foreign: 0,
    whileAlive: 0,
    probation: 0,
    badStream: 0,
    sourceChanges: 0,
  };
  private readonly probationPackets: number;
  private readonly quietMs: number;
  private readonly onChange: ((change: RtpSourceChange) => void) | undefined;

  private sigAddress = '';
  private sigPort = 0;
  private refusedReported = false;
  /** The source currently accepted (signalled or adopted); port 0 = none yet. */
  private curAddress = '';
  private curPort = 0;
  /** Last time a packet was accepted from the current source / arrived from the signalled one. */
  private lastCurrentMs = Number.NEGATIVE_INFINITY;
  private lastSignalledMs = Number.NEGATIVE_INFINITY;

  // Candidate on probation.
  private candAddress = '';
  private candPort = 0;
  private candSsrc = 0;
  private candSeq = 0;
  private candCount = 0;

  // The accepted stream's sanity state.
  private haveStream = false;
  private streamSsrc = 0;
  private maxSeq = 0;
  private badSeq = -1;
  private pendingSsrc = -1;
  private pendingSeq = 0;

  constructor(options: RtpSourcePolicyOptions) {
    this.mode = options.mode;
    this.probationPackets = Math.max(2, options.probationPackets ?? DEFAULT_PROBATION_PACKETS);
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.onChange = options.onChange;
  }

  /** Where to send: the accepted source (symmetric RTP, RFC 4961) or else the signalled address. */
  get targetAddress(): string {
    return this.curPort ? this.curAddress : this.sigAddress;
  }

  get targetPort(): number {
    return this.curPort || this.sigPort;
  }

  /** Has any source been accepted since the last remote description? */
  get hasSource(): boolean {
    return this.curPort !== 0;
  }

  /** The address in the peer's SDP (new answer, re-INVITE, UPDATE). It wins at once. */
  setSignalled(address: string, port: number): void {
    const a = normaliseAddress(address);
    if (a === this.sigAddress && port === this.sigPort) return;
    this.sigAddress = a;
    this.sigPort = port;
    this.curAddress = '';
    this.curPort = 0;
    this.lastCurrentMs = Number.NEGATIVE_INFINITY;
    this.lastSignalledMs = Number.NEGATIVE_INFINITY;
    this.haveStream = false;
    this.refusedReported = false;
    this.clearCandidate();
    this.report('remote', a, port, 0);
  }

  /** Accept (true) or drop (false) one parsed RTP packet from `address`:`port`. */
  check(address: string, port: number, ssrc: number, seq: number, nowMs: number): boolean {
    if (this.sigPort === 0) {
      this.stats.noRemote++;
      return false;
    }
    if (port === this.sigPort && address === this.sigAddress) {
      this.lastSignalledMs = nowMs;
      this.clearCandidate();
      if (port !== this.curPort || address !== this.curAddress) {
        this.switchTo(address, port, ssrc, seq, 'signalled');
        return this.accept(nowMs);
      }
      return this.inStream(ssrc, seq, nowMs);
    }
    if (this.curPort !== 0 && port === this.curPort && address === this.curAddress)
      return this.inStream(ssrc, seq, nowMs);
    if (!this.allowed(address)) {
      this.stats.foreign++;
      if (!this.refusedReported) {
        // Once: an operator whose PBX really sends from elsewhere needs to see why nothing is heard.
        this.refusedReported = true;
        this.report('refused', address, port, ssrc);
      }
      return false;
    }
    const lastAlive = Math.max(this.lastSignalledMs, this.lastCurrentMs);
    if (nowMs - lastAlive < this.quietMs) {
      this.stats.whileAlive++;
      this.clearCandidate();
      return false;
    }
    if (
      this.candCount > 0 &&
      port === this.candPort &&
      address === this.candAddress &&
      ssrc === this.candSsrc &&
      seq === (this.candSeq + 1) % SEQ_MOD
    ) {
      this.candCount++;
    } else {
      this.candAddress = address;
      this.candPort = port;
      this.candSsrc = ssrc;
      this.candCount = 1;
    }
    this.candSeq = seq;
    if (this.candCount < this.probationPackets) {
      this.stats.probation++;
      return false;
    }
    this.clearCandidate();
    this.switchTo(address, port, ssrc, seq, 'adopted');
    return this.accept(nowMs);
  }

  private allowed(address: string): boolean {
    if (this.mode === 'learn') return true;
    if (this.mode === 'same-host') return address === this.sigAddress;
    return false;
  }

  private switchTo(address: string, port: number, ssrc: number, seq: number, kind: 'signalled' | 'adopted'): void {
    this.curAddress = address;
    this.curPort = port;
    this.startStream(ssrc, seq);
    this.report(kind, address, port, ssrc);
  }

  private startStream(ssrc: number, seq: number): void {
    this.haveStream = true;
    this.streamSsrc = ssrc;
    this.maxSeq = seq;
    this.badSeq = -1;
    this.pendingSsrc = -1;
  }

  private accept(nowMs: number): boolean {
    this.lastCurrentMs = nowMs;
    this.stats.accepted++;
    return true;
  }

  private reject(): boolean {
    this.stats.badStream++;
    return false;
  }

  /** SSRC/sequence sanity for a packet from the accepted source (RFC 3550 A.1, simplified). */
  private inStream(ssrc: number, seq: number, nowMs: number): boolean {
    if (!this.haveStream) {
      this.startStream(ssrc, seq);
      return this.accept(nowMs);
    }
    if (ssrc !== this.streamSsrc) {
      // A new stream from the same source (the phone restarted it, a PBX bridged another leg):
      // believed when a second packet follows in sequence.
      if (ssrc === this.pendingSsrc && seq === (this.pendingSeq + 1) % SEQ_MOD) {
        this.startStream(ssrc, seq);
        this.report('ssrc', this.curAddress, this.curPort, ssrc);
        return this.accept(nowMs);
      }
      this.pendingSsrc = ssrc;
      this.pendingSeq = seq;
      return this.reject();
    }
    const delta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (delta === 0) return this.reject();
    if (delta < MAX_DROPOUT) {
      this.maxSeq = seq;
      this.badSeq = -1;
      return this.accept(nowMs);
    }
    // Late or reordered (within MAX_MISORDER behind): still this stream's.
    if (delta > SEQ_MOD - MAX_MISORDER) return this.accept(nowMs);
    // A large jump: the sender restarted its sequence, if the next packet confirms it.
    if (seq === this.badSeq) {
      this.maxSeq = seq;
      this.badSeq = -1;
      return this.accept(nowMs);
    }
    this.badSeq = (seq + 1) % SEQ_MOD;
    return this.reject();
  }

  private clearCandidate(): void {
    this.candCount = 0;
    this.candPort = 0;
    this.candAddress = '';
  }

  private report(kind: RtpSourceChange['kind'], address: string, port: number, ssrc: number): void {
    if (kind !== 'remote' && kind !== 'refused') this.stats.sourceChanges++;
    this.onChange?.({
      kind,
      address,
      port,
      ssrc,
      signalledAddress: this.sigAddress,
      signalledPort: this.sigPort,
      mode: this.mode,
    });
  }
}

/**
 * Addresses as the socket reports them: IPv6 in compressed lower-case form (an SDP may spell `::1`
 * as `0:0:0:0:0:0:0:1`), IPv4 unchanged.
 */
export function normaliseAddress(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

const RULE: Record<RtpSourceMode, string> = {
  strict: 'only that address and port are accepted',
  'same-host': 'another port of that address is accepted only after probation while it is silent',
  learn: 'any other address is accepted only after probation while it is silent',
};

/** One line for the call trace. */
export function describeSourceChange(c: RtpSourceChange): string {
  const at = c.address.includes(':') ? `[${c.address}]:${c.port}` : `${c.address}:${c.port}`;
  const sig = c.signalledAddress.includes(':')
    ? `[${c.signalledAddress}]:${c.signalledPort}`
    : `${c.signalledAddress}:${c.signalledPort}`;
  const ssrc = `SSRC 0x${c.ssrc.toString(16).padStart(8, '0')}`;
  switch (c.kind) {
    case 'remote':
      return `RTP source: the SDP says ${sig}; ${RULE[c.mode]} (media.rtpSource ${c.mode})`;
    case 'signalled':
      return `RTP source: accepting ${at} (the SDP address), ${ssrc}`;
    case 'adopted':
      return `RTP source: adopted ${at}, ${ssrc}, after probation while ${sig} (the SDP address) was silent (media.rtpSource ${c.mode})`;
    case 'ssrc':
      return `RTP source: ${at} started a new stream, ${ssrc}`;
    case 'refused':
      return `RTP source: refusing packets from ${at} (not ${sig}, the SDP address; media.rtpSource ${c.mode}). If that is the PBX's own media, set media.rtpSource to ${
        c.mode === 'strict' && c.address === c.signalledAddress ? 'same-host' : 'learn'
      }; otherwise someone else is sending to this call's RTP port`;
  }
}
