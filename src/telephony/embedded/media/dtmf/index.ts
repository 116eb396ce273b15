/**
 * DTMF for the embedded backend's media layer: pure, socket-free building blocks.
 *
 * Receive (each reports one `DtmfEvent` per key press when the key is released, with its duration):
 *   - `Rfc4733Receiver`  RTP telephone-event packets → digits (`onPacket`, `poll` every tick).
 *   - `InbandDetector`   decoded audio → digits (`onSamples` / `onMulaw` / `onAlaw`, `flush` at the end).
 *   - `parseDtmfInfo`    SIP INFO body → digit or an error.
 *   - `DtmfMerger`       the three sources → one stream, cross-source duplicates removed.
 * Send (all follow the same `planDigits` timing: `,` = 1 s, `w` = 0.5 s, tone/gap configurable):
 *   - `Rfc4733Sender`    "what do I send at tick N" (payload, timestamp, marker, E bit).
 *   - `ToneGenerator`    in-band PCM when telephone-event was not negotiated.
 *   - `buildDtmfInfo`    INFO body per digit (send at each tone step's `startMs` of `planDigits`).
 */
export {
  COMMA_PAUSE_MS,
  DEFAULT_GAP_MS,
  DEFAULT_TONE_MS,
  DialStringError,
  type DigitPlan,
  type DigitTiming,
  MIN_GAP_MS,
  MIN_TONE_MS,
  type PlanStep,
  planDigits,
  W_PAUSE_MS,
} from './dial-string';
export { dbm0ToPeak, digitFrequencies, digitToEventCode, eventCodeToDigit } from './digits';
export { InbandDetector, type InbandDetectorOptions, type InbandDetectorStats } from './inband-detector';
export {
  buildDtmfInfo,
  DTMF_RELAY_TYPE,
  DTMF_TYPE,
  type DtmfInfoResult,
  isDtmfInfoContentType,
  parseDtmfInfo,
} from './info';
export { DtmfMerger, type DtmfMergerOptions } from './merger';
export { Rfc4733Receiver, type Rfc4733ReceiverOptions, type Rfc4733ReceiverStats } from './rfc4733-receiver';
export { Rfc4733Sender, type Rfc4733SenderOptions, type Rfc4733Tick } from './rfc4733-sender';
export { ToneGenerator, type ToneGeneratorOptions } from './tone-generator';
export type { DtmfListener, RtpPacketView } from './types';
