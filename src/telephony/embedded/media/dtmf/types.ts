/** Types shared by the DTMF modules (kept apart so no module imports another just for a type). */
import type { DtmfEvent } from '../../../port';

/**
 * The parts of a received RTP packet the DTMF receiver reads. The RTP layer may pass its own packet
 * object as long as it has these fields; `payload` may be a view into a larger buffer.
 */
export interface RtpPacketView {
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
}

/** Called once per recognised key press. */
export type DtmfListener = (event: DtmfEvent) => void;
