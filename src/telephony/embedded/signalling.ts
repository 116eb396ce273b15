/**
 * The seam between the embedded backend's SIP core (`./sip/`) and its media half (`./media/`,
 * `./backend.ts`). The SIP core implements `Signalling`; the backend uses it and never touches SIP
 * messages itself. Bodies are opaque here: the media layer builds and reads SDP.
 */
import type { EventEmitter } from 'node:events';
import type { TraceSink } from '../port';

export interface SessionBody {
  readonly contentType: string;
  readonly content: string;
}

export interface ProvisionalResponse {
  readonly status: number;
  readonly reason: string;
  /** SDP of early media (183 Session Progress), when the response carries one. */
  readonly body?: SessionBody;
}

export interface InviteOptions {
  /** Request-URI to dial (already passed dial plan and destination policy). */
  readonly requestUri: string;
  /** Our SDP offer. */
  readonly offer: SessionBody;
  /** CANCEL after this long without a final response. */
  readonly ringTimeoutMs: number;
  readonly callerId?: { readonly user?: string; readonly displayName?: string };
  readonly headers?: Readonly<Record<string, string>>;
  readonly trace: TraceSink;
  /** Abort → CANCEL (after a provisional, per RFC 3261 §9.1) and rejection with status 487. */
  readonly signal?: AbortSignal;
  readonly onProvisional?: (response: ProvisionalResponse) => void;
}

/**
 * Why an INVITE did not produce a confirmed dialog. `status` is 0 when no final response came.
 * Kinds: `no-response` nothing at all came back (Timer B: the PBX is down or unreachable);
 * `timeout` our ring timer CANCELled it; `auth-unsupported` the challenge asks for something we do
 * not implement (qop=auth-int only) — not a wrong password.
 */
export class InviteFailure extends Error {
  override readonly name = 'InviteFailure';
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly kind:
      | 'final-response'
      | 'timeout'
      | 'no-response'
      | 'cancelled'
      | 'transport'
      | 'auth-failed'
      | 'auth-unsupported',
    readonly callId: string,
  ) {
    super(status ? `${status} ${reason}` : reason);
  }
}

/** An offer the far end sent in a re-INVITE or UPDATE; the media layer returns the answer body. */
export type OfferHandler = (offer: SessionBody | undefined) => SessionBody | Promise<SessionBody>;

export interface DialogEvents {
  /** The far end sent BYE (already answered 200 by the core). */
  bye: [{ readonly reason?: string }];
  /** In-dialog INFO (already answered 200 by the core), e.g. `application/dtmf-relay`. */
  info: [SessionBody];
  /**
   * The far end's answer to an offer we made in a 2xx (it re-INVITEd without SDP, RFC 3261 §14.2):
   * it arrives in the ACK. The media layer applies it like any answer.
   */
  answer: [SessionBody];
  /** The dialog ended for any reason (BYE either way, session-timer expiry, transport failure). */
  terminated: [{ readonly by: 'local' | 'remote' | 'error'; readonly reason: string; readonly status?: number }];
}

/** A confirmed INVITE dialog (2xx received and ACKed). */
export interface Dialog extends EventEmitter<DialogEvents> {
  readonly callId: string;
  /** The far end's SDP answer from the 2xx (or from reliable early media, if the 2xx had none). */
  readonly remoteBody: SessionBody | undefined;
  /** Peer of the signalling (transport:host:port), for the trace. */
  readonly peer: string;
  /**
   * Set by the media layer; called for re-INVITE/UPDATE offers. Without one the core answers with the
   * last local body. With no offer (`undefined`) the handler returns OUR offer; the answer then comes
   * as the `answer` event.
   */
  setOfferHandler(handler: OfferHandler): void;
  /** Send an in-dialog INFO; resolves with the final status. */
  sendInfo(body: SessionBody): Promise<number>;
  /** Send BYE (idempotent); resolves when the dialog is terminated. */
  bye(reason?: string): Promise<void>;
}

export interface Signalling {
  start(): Promise<void>;
  stop(): Promise<void>;
  invite(options: InviteOptions): Promise<Dialog>;
  /** Send OPTIONS to the trunk; resolves with the status (0 = no answer). */
  probeTrunk(): Promise<number>;
  /** Number of dialogs not yet terminated (health/metrics, leak checks in tests). */
  readonly activeDialogs: number;
  /**
   * Draining (`retryAfterSeconds` set): out-of-dialog OPTIONS and new INVITEs are answered 503 with
   * that `Retry-After`; requests inside existing dialogs are not affected. `undefined`: accepting.
   */
  setDraining(retryAfterSeconds: number | undefined): void;
}
