/**
 * Receive statistics for one RTP source, following RFC 3550 Appendix A.1 (sequence validation with
 * probation, wrap-around cycles) and A.8 (interarrival jitter). Numbers only, no allocation per packet.
 */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;
const SEQ_MOD = 1 << 16;

export class RtpReceiveStats {
  ssrc = 0;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = SEQ_MOD + 1;
  private probation = MIN_SEQUENTIAL;
  /** Valid packets counted (after probation). */
  received = 0;
  duplicatesOrLate = 0;
  /** Datagrams that were not RTP we accept (RTCP, garbage, other payload types). */
  ignored = 0;
  /** Jitter in timestamp units, scaled by 16 as in A.8. */
  private jitterQ4 = 0;
  private lastTransit = 0;
  private haveTransit = false;
  private started = false;

  /** Feed one packet. `arrivalTs` is the arrival time in RTP timestamp units (8 kHz for G.711). */
  update(ssrc: number, seq: number, rtpTimestamp: number, arrivalTs: number): boolean {
    if (!this.started || ssrc !== this.ssrc) {
      // A new source (start, or the peer switched SSRC after a re-INVITE/transfer): start over.
      this.ssrc = ssrc;
      this.initSeq(seq);
      this.maxSeq = seq - 1;
      this.probation = MIN_SEQUENTIAL;
      this.started = true;
      this.haveTransit = false;
    }
    if (!this.updateSeq(seq)) return false;
    const transit = (arrivalTs - rtpTimestamp) | 0;
    if (this.haveTransit) {
      let d = (transit - this.lastTransit) | 0;
      if (d < 0) d = -d;
      this.jitterQ4 += d - ((this.jitterQ4 + 8) >> 4);
    }
    this.lastTransit = transit;
    this.haveTransit = true;
    return true;
  }

  get extendedMaxSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.started ? this.extendedMaxSeq - this.baseSeq + 1 : 0;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  /** Interarrival jitter in milliseconds (8 kHz clock). */
  get jitterMs(): number {
    return this.jitterQ4 / 16 / 8;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
  }

  private updateSeq(seq: number): boolean {
    const udelta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (this.probation) {
      if (seq === (this.maxSeq + 1) % SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta === 0) {
      this.duplicatesOrLate++;
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
      // A very large jump: accept only if the next packet confirms the new sequence (peer restarted).
      if (seq === this.badSeq) {
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) % SEQ_MOD;
        return false;
      }
    } else {
      this.duplicatesOrLate++;
      // Late/reordered packets still count as received (A.1); they do not move maxSeq.
    }
    this.received++;
    return true;
  }
}
