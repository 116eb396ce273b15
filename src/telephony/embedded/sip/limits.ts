/**
 * Hard limits on what a stranger can make the SIP stack hold (issue 13): TCP connections (per source
 * and in total, with a short deadline for the first valid message), server transactions, request size,
 * and the per-source request rate (out-of-dialog and in-dialog alike). Everything refused is dropped
 * without an answer and counted.
 */
export interface SipLimits {
  /** Accepted TCP connections in total; more are closed at once. */
  readonly maxTcpConnections: number;
  /** Accepted TCP connections from one IP address; more are closed at once. */
  readonly maxTcpPerSource: number;
  /** An accepted TCP connection must deliver a valid SIP message within this time or is closed. */
  readonly tcpFirstMessageMs: number;
  /** Any TCP connection idle this long is closed. */
  readonly tcpIdleMs: number;
  /** Server transactions held at once (each keeps its request until it ends); beyond it requests are dropped. */
  readonly maxServerTransactions: number;
  /** Largest request accepted (bytes, headers + body); larger requests are dropped. */
  readonly maxRequestBytes: number;
  /** Requests per second per source IP (token bucket), counted separately out of and inside dialogs. */
  readonly requestsPerSecond: number;
  readonly requestBurst: number;
}

export const DEFAULT_SIP_LIMITS: SipLimits = {
  maxTcpConnections: 1024,
  maxTcpPerSource: 32,
  tcpFirstMessageMs: 5_000,
  tcpIdleMs: 300_000,
  maxServerTransactions: 4096,
  maxRequestBytes: 16_384,
  requestsPerSecond: 20,
  requestBurst: 50,
};
