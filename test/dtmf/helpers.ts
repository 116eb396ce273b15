/** Test helpers for the DTMF unit tests: a seeded RNG and an RFC 4733 packet-stream builder. */

import { digitToEventCode } from '../../src/telephony/embedded/media/dtmf';
import type { DtmfDigit, DtmfEvent } from '../../src/telephony/port';

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestPacket {
  payloadType: number;
  sequence: number;
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
  /** When the packet is "on the wire" (ms from stream start). */
  sendMs: number;
}

export function eventPayload(code: number, end: boolean, duration: number, volume = 10): Uint8Array {
  return Uint8Array.of(code, (end ? 0x80 : 0) | volume, (duration >> 8) & 0xff, duration & 0xff);
}

export interface PressSpec {
  digit: DtmfDigit;
  /** Start of the press, ms from stream start. */
  startMs: number;
  durationMs: number;
}

/**
 * Packets a typical phone sends for key presses: an update every `intervalMs` (timestamp fixed at the
 * press start, duration growing, marker on the first), three end packets. Long presses are split into
 * segments at 0xFFFF as RFC 4733 §2.5.2.3 describes.
 */
export function pressPackets(
  presses: readonly PressSpec[],
  opts: { pt?: number; intervalMs?: number; tsBase?: number; seqBase?: number } = {},
): TestPacket[] {
  const pt = opts.pt ?? 101;
  const interval = opts.intervalMs ?? 50;
  const tsBase = opts.tsBase ?? 123_456;
  let seq = opts.seqBase ?? 1000;
  const out: TestPacket[] = [];
  for (const press of presses) {
    const code = digitToEventCode(press.digit);
    const total = press.durationMs * 8;
    let segStart = press.startMs * 8;
    let first = true;
    for (;;) {
      const segTs = (tsBase + segStart) >>> 0;
      const segTotal = Math.min(total - (segStart - press.startMs * 8), 0xffff);
      const isLast = segStart - press.startMs * 8 + segTotal >= total;
      let d = 0;
      for (;;) {
        d = Math.min(d + interval * 8, segTotal);
        const done = d >= segTotal;
        const sendMs = (segStart + d) / 8;
        if (done && isLast) {
          for (let r = 0; r < 3; r++) {
            out.push({
              payloadType: pt,
              sequence: seq++ & 0xffff,
              timestamp: segTs,
              marker: false,
              payload: eventPayload(code, true, d),
              sendMs: sendMs + r * 0.1,
            });
          }
          break;
        }
        out.push({
          payloadType: pt,
          sequence: seq++ & 0xffff,
          timestamp: segTs,
          marker: first,
          payload: eventPayload(code, false, d),
          sendMs,
        });
        first = false;
        if (done) break;
      }
      if (isLast) break;
      segStart += segTotal;
    }
  }
  return out;
}

/** Digits only, in order. */
export function digitsOf(events: readonly DtmfEvent[]): string {
  return events.map((e) => e.digit).join('');
}
