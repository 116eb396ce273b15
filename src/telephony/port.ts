/**
 * The telephony port: the one interface both backends (`embedded`, `drachtio`) implement and the
 * IVR layer and the domain use. Nothing above this file may import an adapter.
 *
 * Shape: a backend dials (`dial`) and, on answer, hands back a `Call`. A call plays prompts, sends
 * digits, hangs up, and reports DTMF, progress and its end as events. Everything that happens on the
 * wire is also written to the attempt's `TraceSink` so the UI can draw a SIP ladder.
 */
import type { EventEmitter } from 'node:events';

// ---------------------------------------------------------------------------------------------
// DTMF

export const DTMF_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'] as const;
export type DtmfDigit = (typeof DTMF_DIGITS)[number];

export function isDtmfDigit(s: string): s is DtmfDigit {
  return (DTMF_DIGITS as readonly string[]).includes(s);
}

/** Where a digit came from: RFC 4733 telephone-event, SIP INFO, or tones detected in the audio. */
export type DtmfSource = 'rfc4733' | 'info' | 'inband';

export interface DtmfEvent {
  readonly digit: DtmfDigit;
  readonly source: DtmfSource;
  /** Wall-clock time the digit was recognised (ms since epoch). */
  readonly at: number;
  /** Tone duration if the source reports one. */
  readonly durationMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Trace: what the UI ladder and the attempt's event log are drawn from

export type TraceEvent =
  | {
      readonly kind: 'sip';
      readonly at: number;
      readonly direction: 'in' | 'out';
      /** `udp:203.0.113.5:5060` style. */
      readonly peer: string;
      /** One line, e.g. `INVITE sip:+4681234@pbx` or `407 Proxy Authentication Required`. */
      readonly summary: string;
      /** The whole message with Authorization / Proxy-Authorization values redacted. */
      readonly raw: string;
      readonly callId?: string;
    }
  | {
      readonly kind: 'dtmf';
      readonly at: number;
      readonly direction: 'in' | 'out';
      readonly digit: string;
      readonly source: DtmfSource;
    }
  | {
      readonly kind: 'prompt';
      readonly at: number;
      readonly phase: 'start' | 'end' | 'interrupted';
      readonly prompt: string;
    }
  | {
      readonly kind: 'media';
      readonly at: number;
      readonly summary: string;
      readonly stats?: Readonly<Record<string, number | string>>;
    }
  | { readonly kind: 'state'; readonly at: number; readonly state: CallState['name']; readonly detail?: string }
  | { readonly kind: 'note'; readonly at: number; readonly level: 'info' | 'warn' | 'error'; readonly message: string };

export type TraceSink = (event: TraceEvent) => void;

/** A sink that drops everything; for callers that do not keep a trace. */
export const discardTrace: TraceSink = () => {};

// ---------------------------------------------------------------------------------------------
// Dialling

/**
 * What to dial. The dial plan and the destination policy (domain) have already run: `requestUri`
 * is the SIP URI to put on the wire and `policyDecisionId` proves the policy allowed it.
 */
export interface DialRequest {
  readonly attemptId: string;
  /** e.g. `sip:+46812345678@pbx.example.com;user=phone` or `sip:1001@10.0.0.5`. */
  readonly requestUri: string;
  /**
   * Reference to the allow decision from the destination policy. Backends refuse to dial without
   * one — a second line of defence against a caller that forgot the policy.
   */
  readonly policyDecisionId: string;
  /** Give up (CANCEL) if not answered within this time. */
  readonly ringTimeoutMs: number;
  /** Optional per-call caller ID / identity override; otherwise the trunk's configured identity. */
  readonly callerId?: { readonly user?: string; readonly displayName?: string };
  /** Extra SIP headers for the INVITE (e.g. `X-Fyrkant-Attempt`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly trace: TraceSink;
}

/** Why a dial did not produce an answered call. */
export type DialFailureReason =
  | 'busy'
  | 'no-answer'
  | 'rejected'
  | 'not-found'
  | 'unavailable'
  | 'cancelled'
  | 'timeout'
  | 'network'
  | 'media'
  | 'policy';

export class DialFailure extends Error {
  override readonly name = 'DialFailure';
  constructor(
    readonly reason: DialFailureReason,
    message: string,
    /** Final SIP status, if the far end sent one. */
    readonly sipStatus?: number,
    readonly sipReason?: string,
    readonly callId?: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// A call

/** A call's life. Only the states a caller can observe after `dial` resolved. */
export type CallState =
  | { readonly name: 'answered'; readonly answeredAt: number }
  | { readonly name: 'ended'; readonly answeredAt: number; readonly end: CallEnd };

/** Progress before answer, reported while `dial` is still pending (via `onProgress`). */
export type Progress =
  | { readonly kind: 'trying'; readonly at: number }
  | { readonly kind: 'ringing'; readonly at: number; readonly sipStatus: number }
  | { readonly kind: 'early-media'; readonly at: number; readonly sipStatus: number };

export interface CallEnd {
  readonly at: number;
  /** Who ended it: us (`local`), the far end (`remote`), or a failure (`error`: media timeout, transport). */
  readonly by: 'local' | 'remote' | 'error';
  readonly reason: string;
  /** e.g. the status of a BYE's answer or the Reason header's cause, when there is one. */
  readonly sipStatus?: number;
}

/** A prompt ready to play: an 8 kHz mono 16-bit WAV in the prompt cache, addressed by content hash. */
export interface PromptAudio {
  /** Human-readable name for the trace, e.g. `office-phone-verify/greeting@sv-SE`. */
  readonly name: string;
  /** Absolute path of the WAV file. */
  readonly path: string;
  /** sha256 of the file's bytes (backends cache encoded audio by it). */
  readonly hash: string;
}

export interface PlayOptions {
  /** Stop the prompt when a digit arrives (the digit is still delivered as a `dtmf` event). */
  readonly bargeIn: boolean;
  readonly signal?: AbortSignal;
}

export type PlayResult =
  | { readonly status: 'completed' }
  | { readonly status: 'interrupted'; readonly digit: DtmfDigit }
  | { readonly status: 'aborted' }
  | { readonly status: 'call-ended' };

export interface SendDigitsOptions {
  /** Tone length per digit; default 100 ms. */
  readonly toneMs?: number;
  /** Gap between digits; default 100 ms. */
  readonly gapMs?: number;
  readonly signal?: AbortSignal;
}

export interface CallEvents {
  dtmf: [DtmfEvent];
  end: [CallEnd];
}

export interface Call extends EventEmitter<CallEvents> {
  readonly attemptId: string;
  /** SIP Call-ID of the leg toward the PBX/trunk (for logs and support). */
  readonly callId: string;
  readonly state: CallState;
  /** Which DTMF modes the far end negotiated, as the backend sees them. */
  readonly dtmfModes: readonly DtmfSource[];
  play(audio: PromptAudio, options: PlayOptions): Promise<PlayResult>;
  /**
   * Send digits toward the far end (RFC 4733, or in-band/INFO per negotiation and config).
   * `,` pauses 1 s and `w` 0.5 s. Resolves when the last digit has been sent.
   */
  sendDigits(digits: string, options?: SendDigitsOptions): Promise<void>;
  /** End the call (BYE). Idempotent; resolves once the call is ended. */
  hangup(reason?: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The backend

export type BackendName = 'embedded' | 'drachtio';

export interface BackendHealth {
  readonly backend: BackendName;
  /** Connected to what it needs (drachtio-server/FreeSWITCH; the embedded one: its sockets are open). */
  readonly connected: boolean;
  readonly trunk: 'reachable' | 'unreachable' | 'unknown';
  readonly activeCalls: number;
  readonly detail?: string;
  readonly checkedAt: number;
}

export interface DialHooks {
  /** Called for 1xx progress while the call has not been answered yet. */
  readonly onProgress?: (progress: Progress) => void;
}

/**
 * Whether this node takes new calls (issue 19). `draining`: the node finishes the calls it has and
 * takes no new ones, and a backend with a SIP stack of its own says so to whoever asks on SIP.
 */
export type Availability = 'accepting' | 'draining';

export interface AvailabilityOptions {
  /** What to put in `Retry-After` (seconds) while draining; the backend's default when absent. */
  readonly retryAfterSeconds?: number;
}

export interface TelephonyBackend {
  readonly name: BackendName;
  start(): Promise<void>;
  /** Hang up every call and release sockets/connections. */
  stop(): Promise<void>;
  /** Current health; `probe: true` actively checks the trunk (SIP OPTIONS) instead of returning the last result. */
  health(options?: { probe?: boolean }): Promise<BackendHealth>;
  /**
   * Place a call. Resolves with an answered `Call`, rejects with a `DialFailure`. Aborting the signal
   * before answer cancels the call (CANCEL) and rejects with reason `cancelled`.
   */
  dial(request: DialRequest, signal?: AbortSignal, hooks?: DialHooks): Promise<Call>;
  /**
   * Accepting (the start) or draining. While draining, a backend that answers SIP itself refuses
   * out-of-dialog OPTIONS and new INVITEs with `503 Service Unavailable` + `Retry-After` (RFC 3261
   * §21.5.4, §20.33), so a SIP dispatcher in front takes the node out; requests inside the dialogs of
   * calls in progress (ACK, BYE, INFO, re-INVITE) work as before. `dial` is not refused here — the
   * node refuses new calls before they reach the backend. Backends that cannot do this document why.
   */
  setAvailability(availability: Availability, options?: AvailabilityOptions): void;
}
