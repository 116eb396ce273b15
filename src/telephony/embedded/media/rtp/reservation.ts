/**
 * RTP ports bound ahead of a call (issue 20). With media on worker threads a call's socket lives in
 * a worker, and binding it costs a round trip to that worker — which may be pacing other calls or
 * asleep before a deadline — before the INVITE can carry the port in its SDP. A host that can
 * reserve ports binds a few spare ones in advance (`./spare-ports.ts`); a dial then adopts one at once.
 */
import type { MediaSession } from '../session';
import type { RtpSourceMode } from './source-policy';

/** A port bound by a media engine and held there until a call adopts it. */
export interface RtpReservation {
  readonly port: number;
}

export interface PortReserver {
  /** Bind `address:port` in an engine; undefined when the port is taken. */
  reserve(address: string, port: number): Promise<RtpReservation | undefined>;
  /** A session on the reserved socket, usable at once; undefined if its engine is gone (worker died). */
  adopt(reservation: RtpReservation, rtpSource: RtpSourceMode): MediaSession | undefined;
  /** Close a reservation no call took. */
  unreserve(reservation: RtpReservation): void;
}
