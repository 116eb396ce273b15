/** What the transaction layer (RFC 3261 §17) needs from below and offers above. */
import type { SipMessage, SipResponse } from '../message';
import type { TransportAddress } from '../transport';

/** RFC 3261 timer base values in ms (T1 RTT estimate, T2 max retransmit interval, T4 max network lifetime). */
export interface TimerConfig {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  /** Timer D (wait for response retransmissions after a non-2xx to INVITE over UDP); ≥ 32 s by RFC. */
  readonly timerD?: number;
}

export const DEFAULT_TIMERS: TimerConfig = { t1: 500, t2: 4000, t4: 5000, timerD: 32000 };

/** Serializes and writes a message (the UA wraps the transport to also trace it). */
export type MessageSender = (message: SipMessage, dest: TransportAddress) => Promise<void>;

export interface ClientTransactionUser {
  onResponse(response: SipResponse): void;
  /** Timer B / F fired: no final response. */
  onTimeout(): void;
  onTransportError(error: Error): void;
}

export function isReliable(dest: TransportAddress): boolean {
  return dest.transport !== 'udp';
}
