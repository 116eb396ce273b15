/**
 * RFC 4733 telephone-event receiver: turns a stream of event packets (any negotiated payload type)
 * into one `DtmfEvent` per key press, reported when the press ends.
 *
 * An event is identified by its RTP timestamp (RFC 4733 §2.5.2): every packet of one press carries
 * the press's start time; the duration grows; the last packet has the E bit and is sent three times.
 * The receiver therefore keeps one "current" event and a short memory of finished ones:
 *   - repeated / duplicated / late packets of a finished event hit that memory and are ignored;
 *   - a lost start packet does not matter (any packet of the event starts it);
 *   - a new timestamp while the current event has not seen its end packet means the end was lost:
 *     the current event is reported then and the new one starts (this is also how the same digit
 *     pressed twice is told apart — new timestamp, new event);
 *   - if all end packets are lost and nothing follows, `poll()` reports the event after
 *     `endTimeoutMs` without packets;
 *   - a press longer than the 16-bit duration (~8.2 s at 8 kHz) continues as a new segment whose
 *     timestamp is the previous one plus its duration (RFC 4733 §2.5.2.3); such a segment (same
 *     event, no marker, ~0xFFFF later) extends the current event instead of starting a new one.
 *     A sender that instead lets the 16-bit duration wrap around is handled as well.
 * Packets with another payload type, short payloads and non-DTMF events (flash, tones ≥ 16) are
 * counted and ignored: network input never throws.
 */
import type { DtmfDigit } from '../../../port';
import { eventCodeToDigit } from './digits';
import { blockCode, blockDuration, blockEnd, EVENT_BLOCK_BYTES, MAX_SEGMENT_DURATION } from './rfc4733-payload';
import type { DtmfListener, RtpPacketView } from './types';

export interface Rfc4733ReceiverOptions {
  /** The telephone-event payload type negotiated in SDP (whatever number the peer chose). */
  readonly payloadType: number;
  /** telephone-event clock rate from the rtpmap; default 8000. */
  readonly clockRate?: number;
  /** Report an event whose end packets were all lost after this long without packets; default 300 ms. */
  readonly endTimeoutMs?: number;
  readonly onDigit: DtmfListener;
}

export interface Rfc4733ReceiverStats {
  /** Packets with the telephone-event payload type. */
  packets: number;
  /** Key presses reported. */
  digits: number;
  /** Of those, reported by timeout or by a following event because every end packet was lost. */
  endsInferred: number;
  /** Packets of already finished or superseded events (repeated end packets, duplicates, late). */
  stale: number;
  /** Payloads that are not valid DTMF events (too short, event code ≥ 16, inconsistent). */
  ignored: number;
}

const FINISHED_MEMORY = 16;

export class Rfc4733Receiver {
  private payloadType: number;
  private readonly clockRate: number;
  private readonly endTimeoutMs: number;
  private readonly onDigit: DtmfListener;
  /** A timestamp this far behind the newest one is a restarted stream (new SSRC/re-INVITE), not a late packet. */
  private readonly restartSamples: number;

  // The current (unfinished) event. Plain fields instead of an object: no allocation per packet.
  private active = false;
  private curTs = 0;
  private curCode = 0;
  /** Duration already covered by previous segments of a long press. */
  private curBase = 0;
  /** 65536 × number of 16-bit wraps seen in the current segment. */
  private curWrap = 0;
  private curLastRaw = 0;
  private curMax = 0;
  private curLastSeenMs = 0;

  private haveNewest = false;
  private newestTs = 0;

  private readonly finished = new Uint32Array(FINISHED_MEMORY);
  private finishedCount = 0;
  private finishedNext = 0;

  readonly stats: Rfc4733ReceiverStats = { packets: 0, digits: 0, endsInferred: 0, stale: 0, ignored: 0 };

  constructor(options: Rfc4733ReceiverOptions) {
    this.payloadType = options.payloadType;
    this.clockRate = options.clockRate ?? 8000;
    this.endTimeoutMs = options.endTimeoutMs ?? 300;
    this.onDigit = options.onDigit;
    this.restartSamples = this.clockRate * 10;
  }

  /** After a re-negotiation that changed the telephone-event payload type. */
  setPayloadType(payloadType: number): void {
    this.payloadType = payloadType;
  }

  /** Forget everything (e.g. the peer's SSRC changed). An unfinished event is reported first. */
  reset(nowMs: number): void {
    if (this.active) this.finish(nowMs, true);
    this.haveNewest = false;
    this.finishedCount = 0;
    this.finishedNext = 0;
  }

  /**
   * Feed one received RTP packet (any payload type; others are ignored). `nowMs` is the wall clock
   * (ms since epoch): it stamps reported events and drives the end timeout.
   */
  onPacket(packet: RtpPacketView, nowMs: number): void {
    this.onRtp(packet, packet.payload, 0, packet.payload.length, nowMs);
  }

  /**
   * Same as `onPacket` for a payload inside a larger buffer (e.g. the received datagram with the
   * RTP layer's reused header: `onRtp(header, datagram, header.payloadOffset, header.payloadLength, now)`),
   * so the receive path needs no per-packet view.
   */
  onRtp(
    header: { readonly payloadType: number; readonly timestamp: number; readonly marker: boolean },
    buf: Uint8Array,
    offset: number,
    length: number,
    nowMs: number,
  ): void {
    if (header.payloadType !== this.payloadType) return;
    this.stats.packets++;
    const blocks = (Math.max(0, Math.min(length, buf.length - offset)) / EVENT_BLOCK_BYTES) | 0;
    if (blocks === 0) {
      this.stats.ignored++;
      return;
    }
    // Several blocks in one packet (RFC 4733 §2.5.1.5): the packet timestamp is the first event's
    // start and each following event starts where the previous one ended.
    let ts = header.timestamp >>> 0;
    for (let b = 0; b < blocks; b++) {
      const off = offset + b * EVENT_BLOCK_BYTES;
      const duration = blockDuration(buf, off);
      this.onBlock(ts, blockCode(buf, off), blockEnd(buf, off), duration, header.marker && b === 0, nowMs);
      ts = (ts + duration) >>> 0;
    }
  }

  /** Call periodically (e.g. every 20 ms tick): reports an event whose end packets were all lost. */
  poll(nowMs: number): void {
    if (this.active && nowMs - this.curLastSeenMs >= this.endTimeoutMs) this.finish(nowMs, true);
  }

  private onBlock(ts: number, code: number, end: boolean, duration: number, marker: boolean, nowMs: number): void {
    if (code > 15) {
      this.stats.ignored++;
      return;
    }
    if (this.wasFinished(ts)) {
      this.stats.stale++;
      return;
    }
    if (this.active) {
      if (ts === this.curTs) {
        if (code !== this.curCode) {
          this.stats.ignored++;
          return;
        }
        this.extend(duration, nowMs);
        if (end) this.finish(nowMs, false);
        return;
      }
      const ahead = (ts - this.curTs) >>> 0;
      if (ahead >= 0x80000000) {
        // Behind the current event: a late packet of an older event, unless the stream restarted.
        if (0x100000000 - ahead <= this.restartSamples) {
          this.stats.stale++;
          return;
        }
        this.finish(nowMs, true);
      } else if (
        code === this.curCode &&
        !marker &&
        ahead >= 0x8000 &&
        ahead <= MAX_SEGMENT_DURATION + this.clockRate / 5 &&
        nowMs - this.curLastSeenMs < this.endTimeoutMs
      ) {
        // Next segment of a long press.
        this.rememberFinished(this.curTs);
        this.curBase += ahead;
        this.curTs = ts;
        this.curWrap = 0;
        this.curLastRaw = duration;
        this.curMax = duration;
        this.curLastSeenMs = nowMs;
        this.newestTs = ts;
        if (end) this.finish(nowMs, false);
        return;
      } else {
        // A newer event while this one never saw its end packet: it ended.
        this.finish(nowMs, true);
      }
    } else if (this.haveNewest) {
      const ahead = (ts - this.newestTs) >>> 0;
      if (ahead >= 0x80000000 && 0x100000000 - ahead <= this.restartSamples) {
        this.stats.stale++;
        return;
      }
    }
    this.active = true;
    this.curTs = ts;
    this.curCode = code;
    this.curBase = 0;
    this.curWrap = 0;
    this.curLastRaw = duration;
    this.curMax = duration;
    this.curLastSeenMs = nowMs;
    this.haveNewest = true;
    this.newestTs = ts;
    if (end) this.finish(nowMs, false);
  }

  private extend(duration: number, nowMs: number): void {
    this.curLastSeenMs = nowMs;
    const delta = duration - this.curLastRaw;
    let extended: number;
    if (delta < -0x8000) {
      // The 16-bit duration wrapped (a sender that does not segment long presses).
      this.curWrap += 0x10000;
      this.curLastRaw = duration;
      extended = this.curWrap + duration;
    } else if (delta > 0x8000) {
      // A late packet from before the wrap.
      extended = this.curWrap - 0x10000 + duration;
    } else {
      if (delta > 0) this.curLastRaw = duration;
      extended = this.curWrap + duration;
    }
    if (extended > this.curMax) this.curMax = extended;
  }

  private finish(nowMs: number, inferred: boolean): void {
    this.active = false;
    this.rememberFinished(this.curTs);
    this.stats.digits++;
    if (inferred) this.stats.endsInferred++;
    const digit = eventCodeToDigit(this.curCode) as DtmfDigit;
    const durationMs = Math.round(((this.curBase + this.curMax) * 1000) / this.clockRate);
    this.onDigit({ digit, source: 'rfc4733', at: nowMs, durationMs });
  }

  private rememberFinished(ts: number): void {
    this.finished[this.finishedNext] = ts;
    this.finishedNext = (this.finishedNext + 1) % FINISHED_MEMORY;
    if (this.finishedCount < FINISHED_MEMORY) this.finishedCount++;
  }

  private wasFinished(ts: number): boolean {
    for (let i = 0; i < this.finishedCount; i++) if (this.finished[i] === ts) return true;
    return false;
  }
}
