/**
 * The one protocol between a call's signalling side (main thread: `MediaSession`) and the media
 * engine that runs its RTP (`MediaEngine`, on a media worker thread or, with `media.workers: 0`, in
 * the main thread). Messages are small, typed and plain (structured-clone friendly): no functions,
 * no class instances. Prompt audio travels as a view on a SharedArrayBuffer (shared, not copied);
 * receive statistics are written by the engine into a small shared Float64Array the session reads
 * synchronously (`STAT`).
 */
import type { DtmfDigit, DtmfSource } from '../../port';
import type { PlaybackEnd } from './call-media';
import type { RtpSourceMode } from './rtp/source-policy';
import type { G711Codec, NegotiatedMedia } from './sdp/negotiate';

/** Which DTMF receivers the engine runs for a call (decided on the main thread from config + SDP). */
export interface EngineDtmfSetup {
  /** RFC 4733 receiver on the negotiated telephone-event payload type. */
  readonly rfc4733: boolean;
  /** In-band detector: off, on always, or only until the first RFC 4733 event arrives. */
  readonly inband: 'off' | 'always' | 'until-event';
}

/** Main → engine. `id` is the session (one per call), unique per process. */
export type ToEngine =
  | {
      readonly t: 'open';
      readonly id: number;
      readonly address: string;
      readonly port: number;
      readonly rtpSource: RtpSourceMode;
      /** `STAT.length` float64s the engine keeps current. */
      readonly stats: Float64Array;
    }
  | { readonly t: 'begin'; readonly id: number; readonly media: NegotiatedMedia; readonly dtmf: EngineDtmfSetup }
  | { readonly t: 'update'; readonly id: number; readonly media: NegotiatedMedia }
  | {
      readonly t: 'play';
      readonly id: number;
      readonly playId: number;
      /** G.711 bytes; a view on a SharedArrayBuffer when sent to a worker. */
      readonly audio: Uint8Array;
      readonly codec: G711Codec;
    }
  | { readonly t: 'stop-playback'; readonly id: number }
  | {
      readonly t: 'digits';
      readonly id: number;
      readonly reqId: number;
      readonly mode: 'rfc4733' | 'inband';
      readonly digits: string;
      readonly toneMs: number;
      readonly gapMs: number;
    }
  | { readonly t: 'cancel-digits'; readonly id: number }
  | { readonly t: 'suppress-inband'; readonly id: number; readonly untilMs: number }
  /** Report an in-band digit still sounding (the call is ending). */
  | { readonly t: 'flush'; readonly id: number }
  /**
   * Answer `settled` once every datagram already waiting at the call's socket and every earlier
   * message has been handled (their digits and source changes are then reported before it).
   */
  | { readonly t: 'settle'; readonly id: number; readonly reqId: number }
  | { readonly t: 'close'; readonly id: number };

/** Engine → main. */
export type FromEngine =
  | { readonly t: 'opened'; readonly id: number; readonly error?: string }
  | {
      readonly t: 'digit';
      readonly id: number;
      readonly digit: DtmfDigit;
      readonly source: DtmfSource;
      readonly at: number;
      readonly durationMs?: number;
    }
  /** The accepted RTP source changed (already applied by the engine); for the call trace. */
  | {
      readonly t: 'source';
      readonly id: number;
      readonly at: number;
      readonly summary: string;
      readonly remoteAddress: string;
      readonly remotePort: number;
    }
  | { readonly t: 'played'; readonly id: number; readonly playId: number; readonly end: PlaybackEnd }
  | { readonly t: 'digits-sent'; readonly id: number; readonly reqId: number }
  | { readonly t: 'settled'; readonly id: number; readonly reqId: number }
  /** The socket is closed: its port may be handed out again. */
  | { readonly t: 'closed'; readonly id: number };

/** Slots of the shared statistics array. */
export const STAT = {
  packetsSent: 0,
  eventPacketsSent: 1,
  packetsReceived: 2,
  packetsExpected: 3,
  packetsLost: 4,
  jitterMs: 5,
  ignoredDatagrams: 6,
  noRemote: 7,
  foreign: 8,
  whileAlive: 9,
  probation: 10,
  badStream: 11,
  sourceChanges: 12,
  srtpRejected: 13,
  sendErrors: 14,
  length: 15,
} as const;

/**
 * A NegotiatedMedia after structured cloning: Buffers arrive as Uint8Arrays. The engine turns the
 * SRTP keys back into Buffers (the SRTP code compares and slices them).
 */
export function reviveMedia(media: NegotiatedMedia): NegotiatedMedia {
  const s = media.srtp;
  if (!s || (Buffer.isBuffer(s.sendKey) && Buffer.isBuffer(s.receiveKey))) return media;
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return { ...media, srtp: { suite: s.suite, sendKey: buf(s.sendKey), receiveKey: buf(s.receiveKey) } };
}

/** The per-call statistics the call trace shows at the end, from the shared array. */
export function formatStats(
  stats: Float64Array,
  codec: G711Codec,
  remote: string,
  srtp: boolean,
): Record<string, number | string> {
  const rejected: Record<string, number> = {};
  const put = (key: string, slot: number) => {
    if (stats[slot]) rejected[key] = stats[slot]!;
  };
  put('rtpBeforeAnswer', STAT.noRemote);
  put('rtpForeignSource', STAT.foreign);
  put('rtpOtherSourceWhileAlive', STAT.whileAlive);
  put('rtpProbation', STAT.probation);
  put('rtpBadSsrcOrSequence', STAT.badStream);
  put('rtpSourceChanges', STAT.sourceChanges);
  return {
    codec,
    remote,
    packetsSent: stats[STAT.packetsSent]!,
    eventPacketsSent: stats[STAT.eventPacketsSent]!,
    packetsReceived: stats[STAT.packetsReceived]!,
    packetsExpected: stats[STAT.packetsExpected]!,
    packetsLost: stats[STAT.packetsLost]!,
    jitterMs: Math.round(stats[STAT.jitterMs]! * 100) / 100,
    ignoredDatagrams: stats[STAT.ignoredDatagrams]!,
    ...rejected,
    ...(srtp ? { srtp: 'AES_CM_128_HMAC_SHA1_80', srtpRejected: stats[STAT.srtpRejected]! } : {}),
    sendErrors: stats[STAT.sendErrors]!,
  };
}
