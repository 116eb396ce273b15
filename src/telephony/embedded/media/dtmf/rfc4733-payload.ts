/**
 * RFC 4733 §2.3 telephone-event payload: one 4-byte block per event.
 *
 *   event (8) | E (1) | R (1) | volume (6) | duration (16, in RTP clock units)
 */

export const EVENT_BLOCK_BYTES = 4;
/** Largest duration one block can carry; longer events are split into segments (RFC 4733 §2.5.2.3). */
export const MAX_SEGMENT_DURATION = 0xffff;

/** Writes one block into `out` at `offset` (no allocation). */
export function writeEventBlock(
  out: Uint8Array,
  offset: number,
  code: number,
  end: boolean,
  volume: number,
  duration: number,
): void {
  out[offset] = code & 0xff;
  out[offset + 1] = (end ? 0x80 : 0) | (volume & 0x3f);
  out[offset + 2] = (duration >>> 8) & 0xff;
  out[offset + 3] = duration & 0xff;
}

export function blockCode(payload: Uint8Array, offset: number): number {
  return payload[offset]!;
}
export function blockEnd(payload: Uint8Array, offset: number): boolean {
  return (payload[offset + 1]! & 0x80) !== 0;
}
export function blockVolume(payload: Uint8Array, offset: number): number {
  return payload[offset + 1]! & 0x3f;
}
export function blockDuration(payload: Uint8Array, offset: number): number {
  return (payload[offset + 2]! << 8) | payload[offset + 3]!;
}
