/**
 * The media half of one call: what goes out on each 20 ms tick of the shared pacer (RFC 4733
 * events, in-band tones, prompt audio, or silence — never nothing, so PBXs and NATs keep the
 * stream), and what comes in (telephone-events and decoded audio for the in-band detector).
 *
 * Everything on the tick path writes into buffers owned by this object; nothing is allocated per
 * packet. Digits from all sources arrive merged through `onDigit`.
 */
import { randomInt } from 'node:crypto';
import { decodeInto, encodeSample, SILENCE_BYTE } from './codec';
import type { RtpEndpoint } from './rtp/endpoint';
import { RTP_HEADER_BYTES, type RtpHeader, writeRtpHeader } from './rtp/packet';
import type { RtpSourceStats } from './rtp/source-policy';
import type { PacedStream, PacingScheduler } from './scheduler';
import type { G711Codec, NegotiatedMedia } from './sdp/negotiate';

/** One 20 ms frame at 8 kHz. */
export const FRAME_SAMPLES = 160;
/** Packet times we send other than 20 ms when the answer asks for them (a=ptime); anything else gets 20. */
const PTIMES = [10, 30, 40, 50, 60];

/** Samples per audio packet for the peer's a=ptime (RFC 4566 §6: how it wants to receive). */
export function packetSamples(ptime: number): number {
  return PTIMES.includes(ptime) ? ptime * 8 : FRAME_SAMPLES;
}

/** What the media needs from an RFC 4733 sender (the DTMF module's `Rfc4733Sender`). */
export interface EventSender {
  at(
    n: number,
  ):
    | { readonly kind: 'event'; readonly timestamp: number; readonly marker: boolean; readonly payload: Uint8Array }
    | { readonly kind: 'audio' }
    | { readonly kind: 'done' };
}

/** What the media needs from a tone generator (the DTMF module's `ToneGenerator`). */
export interface ToneSource {
  /** Fill `out` with samples from `from`; returns how many are still inside the tones (0 = done). */
  fill(out: Int16Array, from: number): number;
}

/** Receives RFC 4733 packets (the DTMF module's `Rfc4733Receiver`). */
export interface EventReceiver {
  onPacket(
    packet: {
      readonly payloadType: number;
      readonly sequence: number;
      readonly timestamp: number;
      readonly marker: boolean;
      readonly payload: Uint8Array;
    },
    nowMs: number,
  ): void;
  poll(nowMs: number): void;
  setPayloadType(pt: number): void;
  /** Forget the old stream's events (another source or SSRC now sends). */
  reset?(nowMs: number): void;
}

/** Listens to decoded audio for tones (the DTMF module's in-band detector). */
export interface AudioListener {
  process(samples: Int16Array, nowMs: number): void;
}

export type PlaybackEnd = 'completed' | 'stopped';

export interface CallMediaOptions {
  readonly endpoint: RtpEndpoint;
  readonly scheduler: PacingScheduler;
  readonly media: NegotiatedMedia;
  /** RFC 4733 receiver; fed when telephone-event was negotiated. */
  readonly eventReceiver?: EventReceiver;
  /** In-band detector; fed decoded audio when set. */
  readonly audioListener?: AudioListener;
  /** Wall-clock ms for DTMF timestamps (DtmfEvent.at). */
  readonly wallNow?: () => number;
  /** Called after every tick (the media engine publishes the call's counters here). */
  readonly onTicked?: () => void;
}

type Outgoing =
  | { readonly kind: 'events'; readonly sender: EventSender; n: number; readonly done: () => void }
  | { readonly kind: 'tones'; readonly source: ToneSource; sample: number; readonly done: () => void };

interface Playback {
  readonly audio: Buffer;
  /** Codec `audio` is encoded in; transcoded per byte if the call's codec changed mid-prompt. */
  readonly codec: G711Codec;
  offset: number;
  readonly done: (end: PlaybackEnd) => void;
}

export class CallMedia implements PacedStream {
  readonly ssrc = randomInt(0, 0x1_0000_0000) >>> 0;
  private seq = randomInt(0, 0x1_0000);
  private timestamp = randomInt(0, 0x1_0000_0000) >>> 0;
  private media: NegotiatedMedia;
  /**
   * A small ring of packet buffers: a send the kernel cannot take at once (EAGAIN) is queued by
   * libuv with a reference to our buffer, so the next frames must not overwrite it.
   */
  private readonly packets = Array.from({ length: 4 }, () => Buffer.alloc(RTP_HEADER_BYTES + FRAME_SAMPLES));
  private packetIndex = 0;
  /** RFC 4733 packets are 16 bytes; their own ring keeps every send exact-size (see RtpEndpoint.send). */
  private readonly eventPackets = Array.from({ length: 4 }, () => Buffer.alloc(RTP_HEADER_BYTES + 4));
  private readonly pcm = new Int16Array(FRAME_SAMPLES * 4);
  private readonly decoded = new Int16Array(FRAME_SAMPLES * 4);
  /** The common case (one 20 ms frame) gets a fixed view so the detector path allocates nothing. */
  private readonly decodedFrame = this.decoded.subarray(0, FRAME_SAMPLES);
  private playback: Playback | undefined;
  private outgoing: Outgoing | undefined;
  private nextMarker = true;
  private closed = false;
  private readonly endpoint: RtpEndpoint;
  private readonly scheduler: PacingScheduler;
  private readonly eventReceiver: EventReceiver | undefined;
  private readonly audioListener: AudioListener | undefined;
  private readonly wallNow: () => number;
  private readonly onTicked: (() => void) | undefined;
  /** Reused view for the RFC 4733 receiver (its payload is a subarray of the datagram). */
  private readonly view: {
    payloadType: number;
    sequence: number;
    timestamp: number;
    marker: boolean;
    payload: Uint8Array;
  } = { payloadType: 0, sequence: 0, timestamp: 0, marker: false, payload: new Uint8Array(0) };
  framesSent = 0;
  eventPacketsSent = 0;
  /**
   * When the peer's ptime is not 20 ms the 20 ms frames are gathered here and cut into packets of
   * `packetSamples` (30 ms: one packet after 40 ms, the next after 60 ms, timestamps exactly 240 apart).
   */
  private packetSamples = FRAME_SAMPLES;
  private readonly gathered = Buffer.alloc(FRAME_SAMPLES + 480);
  private gatheredLength = 0;
  private gatheredTimestamp = 0;
  private gatheredMarker = false;
  private sized: Buffer[] = [];

  constructor(options: CallMediaOptions) {
    this.endpoint = options.endpoint;
    this.scheduler = options.scheduler;
    this.eventReceiver = options.eventReceiver;
    this.audioListener = options.audioListener;
    this.wallNow = options.wallNow ?? Date.now;
    this.onTicked = options.onTicked;
    this.media = options.media;
    this.apply(options.media);
  }

  get current(): NegotiatedMedia {
    return this.media;
  }

  /** The RTP timestamp the next audio frame will carry (RFC 4733 senders start from it). */
  get nextTimestamp(): number {
    return this.timestamp;
  }

  start(): void {
    if (!this.closed) this.scheduler.add(this);
  }

  /** New negotiated media after a re-INVITE/UPDATE (hold, move, codec change). */
  update(media: NegotiatedMedia): void {
    this.media = media;
    this.apply(media);
  }

  /** Play G.711 audio (encoded in `codec`). A new prompt replaces a running one (which ends `stopped`). */
  play(audio: Buffer, codec: G711Codec): Promise<PlaybackEnd> {
    this.stopPlayback();
    if (this.closed) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      this.playback = { audio, codec, offset: 0, done: resolve };
      this.nextMarker = true;
    });
  }

  stopPlayback(): void {
    const p = this.playback;
    this.playback = undefined;
    p?.done('stopped');
  }

  /** Send RFC 4733 events from `sender`; resolves when the sender is done. */
  sendEvents(sender: EventSender): Promise<void> {
    return this.setOutgoing((done) => ({ kind: 'events', sender, n: 0, done }));
  }

  /** Mix in-band tones from `source` in place of prompt audio; resolves when done. */
  sendTones(source: ToneSource): Promise<void> {
    return this.setOutgoing((done) => ({ kind: 'tones', source, sample: 0, done }));
  }

  /** Stop sending digits now (events or tones in progress end; the send promise resolves). */
  cancelOutgoing(): void {
    this.finishOutgoing();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.remove(this);
    this.stopPlayback();
    const o = this.outgoing;
    this.outgoing = undefined;
    o?.done();
    this.endpoint.close();
  }

  stats(): Record<string, number | string> {
    const s = this.endpoint.stats;
    return {
      codec: this.media.codec,
      remote: `${this.endpoint.remote.address}:${this.endpoint.remote.port}`,
      packetsSent: this.endpoint.sent,
      eventPacketsSent: this.eventPacketsSent,
      packetsReceived: s.received,
      packetsExpected: s.expected,
      packetsLost: s.lost,
      jitterMs: Math.round(s.jitterMs * 100) / 100,
      ignoredDatagrams: s.ignored,
      ...rejected(this.endpoint.policy.stats),
      ...(this.endpoint.srtpActive
        ? { srtp: 'AES_CM_128_HMAC_SHA1_80', srtpRejected: this.endpoint.srtpRejected }
        : {}),
      sendErrors: this.endpoint.sendErrors,
    };
  }

  /**
   * The accepted RTP source or stream changed (RTP source policy): its events' timestamps have
   * nothing to do with the old stream's, so the RFC 4733 receiver starts afresh.
   */
  streamChanged(): void {
    if (!this.closed) this.eventReceiver?.reset?.(this.wallNow());
  }

  /** Called by the RTP endpoint for each accepted packet from the peer. */
  readonly onPacket = (h: RtpHeader, datagram: Buffer, _arrivalMs: number): void => {
    if (this.closed) return;
    const te = this.media.telephoneEventPt;
    if (te !== undefined && (h.payloadType === te || h.payloadType === this.media.telephoneEventRecvPt)) {
      if (!this.eventReceiver) return;
      const v = this.view;
      // Either PT is the one event stream (we offered one, the peer named another): one receiver.
      v.payloadType = te;
      v.sequence = h.sequence;
      v.timestamp = h.timestamp;
      v.marker = h.marker;
      v.payload = datagram.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
      this.eventReceiver.onPacket(v, this.wallNow());
      return;
    }
    if (!this.audioListener || h.payloadType !== this.media.payloadType) return;
    const n = Math.min(h.payloadLength, this.decoded.length);
    decodeInto(this.media.codec, datagram, h.payloadOffset, n, this.decoded);
    this.audioListener.process(n === FRAME_SAMPLES ? this.decodedFrame : this.decoded.subarray(0, n), this.wallNow());
  };

  tick(skipped: number): void {
    if (this.closed) return;
    this.produce(skipped);
    this.onTicked?.();
  }

  private produce(skipped: number): void {
    if (skipped > 0) {
      this.timestamp = (this.timestamp + skipped * FRAME_SAMPLES) >>> 0;
      this.gatheredLength = 0;
    }
    this.eventReceiver?.poll(this.wallNow());
    const sending = this.media.send;
    this.packetIndex = (this.packetIndex + 1) & 3;
    const pkt = this.packets[this.packetIndex]!;
    const o = this.outgoing;
    if (o?.kind === 'events') {
      const t = o.sender.at(o.n++);
      if (t.kind === 'event') {
        if (sending) {
          const ev = t.payload.length === 4 ? this.eventPackets[this.packetIndex]! : pkt;
          writeRtpHeader(ev, this.media.telephoneEventPt ?? 101, t.marker, this.seq, t.timestamp, this.ssrc);
          ev.set(t.payload, RTP_HEADER_BYTES);
          this.endpoint.send(ev, RTP_HEADER_BYTES + t.payload.length);
          this.seq = (this.seq + 1) & 0xffff;
          this.eventPacketsSent++;
        }
        // Audio gathered for a longer packet is superseded by the event.
        this.gatheredLength = 0;
        // The audio clock runs on under the event (RFC 4733 §2.5.1.2): the next audio frame's
        // timestamp is where it would have been.
        this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
        this.advancePlayback();
        return;
      }
      if (t.kind === 'done') this.finishOutgoing();
    }
    let marker = this.nextMarker;
    const tones = this.outgoing;
    if (tones?.kind === 'tones') {
      const frame = this.pcm.subarray(0, FRAME_SAMPLES);
      const left = tones.source.fill(frame, tones.sample);
      tones.sample += FRAME_SAMPLES;
      if (left === 0) {
        this.finishOutgoing();
        this.writeAudio(pkt);
      } else {
        const codec = this.media.codec;
        for (let i = 0; i < FRAME_SAMPLES; i++) pkt[RTP_HEADER_BYTES + i] = encodeSample(codec, frame[i]!);
        this.advancePlayback();
      }
    } else {
      marker = this.writeAudio(pkt) || marker;
    }
    if (sending && this.packetSamples !== FRAME_SAMPLES) this.gather(pkt, marker);
    else if (sending) {
      writeRtpHeader(pkt, this.media.payloadType, marker, this.seq, this.timestamp, this.ssrc);
      this.endpoint.send(pkt, RTP_HEADER_BYTES + FRAME_SAMPLES);
      this.seq = (this.seq + 1) & 0xffff;
      this.framesSent++;
      this.nextMarker = false;
    }
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
  }

  /** Add this 20 ms frame to the gathered audio and send every whole packet of the peer's ptime. */
  private gather(frame: Buffer, marker: boolean): void {
    if (this.gatheredLength === 0) this.gatheredTimestamp = this.timestamp;
    frame.copy(this.gathered, this.gatheredLength, RTP_HEADER_BYTES, RTP_HEADER_BYTES + FRAME_SAMPLES);
    this.gatheredLength += FRAME_SAMPLES;
    this.gatheredMarker ||= marker;
    const n = this.packetSamples;
    while (this.gatheredLength >= n) {
      this.packetIndex = (this.packetIndex + 1) & 3;
      const out = this.sized[this.packetIndex]!;
      writeRtpHeader(out, this.media.payloadType, this.gatheredMarker, this.seq, this.gatheredTimestamp, this.ssrc);
      this.gathered.copy(out, RTP_HEADER_BYTES, 0, n);
      this.endpoint.send(out, out.length);
      this.seq = (this.seq + 1) & 0xffff;
      this.framesSent++;
      this.nextMarker = false;
      this.gatheredMarker = false;
      this.gathered.copyWithin(0, n, this.gatheredLength);
      this.gatheredLength -= n;
      this.gatheredTimestamp = (this.gatheredTimestamp + n) >>> 0;
    }
  }

  /** Fill the payload with the next prompt frame or silence; returns true at a prompt's first frame. */
  private writeAudio(pkt: Buffer): boolean {
    const p = this.playback;
    const codec = this.media.codec;
    if (!p) {
      pkt.fill(SILENCE_BYTE[codec], RTP_HEADER_BYTES, RTP_HEADER_BYTES + FRAME_SAMPLES);
      return false;
    }
    const first = p.offset === 0;
    const end = Math.min(p.offset + FRAME_SAMPLES, p.audio.length);
    const n = end - p.offset;
    if (p.codec === codec) {
      p.audio.copy(pkt, RTP_HEADER_BYTES, p.offset, end);
    } else {
      const table = p.codec === 'PCMU' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
      for (let i = 0; i < n; i++) pkt[RTP_HEADER_BYTES + i] = table[p.audio[p.offset + i]!]!;
    }
    if (n < FRAME_SAMPLES) pkt.fill(SILENCE_BYTE[codec], RTP_HEADER_BYTES + n, RTP_HEADER_BYTES + FRAME_SAMPLES);
    p.offset = end;
    if (p.offset >= p.audio.length) {
      this.playback = undefined;
      p.done('completed');
    }
    return first;
  }

  /** While events or tones replace the audio, the prompt still moves on in time. */
  private advancePlayback(): void {
    const p = this.playback;
    if (!p) return;
    p.offset = Math.min(p.offset + FRAME_SAMPLES, p.audio.length);
    if (p.offset >= p.audio.length) {
      this.playback = undefined;
      p.done('completed');
    }
  }

  private setOutgoing(make: (done: () => void) => Outgoing): Promise<void> {
    if (this.closed) return Promise.resolve();
    const previous = this.outgoing;
    return new Promise<void>((resolve) => {
      this.outgoing = make(resolve);
      previous?.done();
    });
  }

  private finishOutgoing(): void {
    const o = this.outgoing;
    this.outgoing = undefined;
    o?.done();
  }

  private apply(media: NegotiatedMedia): void {
    this.endpoint.setSrtp(media.srtp);
    this.endpoint.setRemote(media.remoteAddress, media.remotePort);
    const samples = packetSamples(media.ptime);
    if (samples !== this.packetSamples) {
      this.packetSamples = samples;
      this.gatheredLength = 0;
      this.sized = Array.from({ length: 4 }, () => Buffer.alloc(RTP_HEADER_BYTES + samples));
    }
    const types = [media.payloadType];
    if (media.telephoneEventPt !== undefined) types.push(media.telephoneEventPt);
    if (media.telephoneEventRecvPt !== undefined) types.push(media.telephoneEventRecvPt);
    this.endpoint.setAcceptedPayloadTypes(types);
    if (media.telephoneEventPt !== undefined) this.eventReceiver?.setPayloadType(media.telephoneEventPt);
  }
}

/** What the RTP source policy dropped, by reason (only the non-zero counters, to keep traces short). */
function rejected(p: RtpSourceStats): Record<string, number> {
  const out: Record<string, number> = {};
  if (p.noRemote) out.rtpBeforeAnswer = p.noRemote;
  if (p.foreign) out.rtpForeignSource = p.foreign;
  if (p.whileAlive) out.rtpOtherSourceWhileAlive = p.whileAlive;
  if (p.probation) out.rtpProbation = p.probation;
  if (p.badStream) out.rtpBadSsrcOrSequence = p.badStream;
  if (p.sourceChanges) out.rtpSourceChanges = p.sourceChanges;
  return out;
}

const ULAW_TO_ALAW = new Uint8Array(256);
const ALAW_TO_ULAW = new Uint8Array(256);
{
  const pcm = new Int16Array(1);
  for (let b = 0; b < 256; b++) {
    decodeInto('PCMU', Uint8Array.of(b), 0, 1, pcm);
    ULAW_TO_ALAW[b] = encodeSample('PCMA', pcm[0]!);
    decodeInto('PCMA', Uint8Array.of(b), 0, 1, pcm);
    ALAW_TO_ULAW[b] = encodeSample('PCMU', pcm[0]!);
  }
}
