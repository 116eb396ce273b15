/**
 * The `embedded` backend: fyrkant's own SIP core (`./sip`, behind `Signalling`) plus the media layer
 * (`./media`: SDP, RTP, pacing, prompts, DTMF) implementing the telephony port.
 *
 * Options are a plain object; mapping the configuration file onto it is the app layer's job.
 */

import { dialFailure } from '../dial-failure';
import {
  type Availability,
  type AvailabilityOptions,
  type BackendHealth,
  type Call,
  DialFailure,
  type DialHooks,
  type DialRequest,
  type DtmfSource,
  type TelephonyBackend,
} from '../port';
import { type DtmfSendMode, EmbeddedCall } from './call';
import type { MediaClock } from './media/clock';
import { DtmfMerger } from './media/dtmf';
import type { EngineDtmfSetup } from './media/engine-protocol';
import { IN_PROCESS_MEDIA_STATS, LocalMediaHost, type MediaHost, type MediaHostStats } from './media/host';
import { PromptCache } from './media/prompts';
import { RtpPortAllocator } from './media/rtp/ports';
import type { RtpSourceMode } from './media/rtp/source-policy';
import type { PacingScheduler } from './media/scheduler';
import { type G711Codec, SdpNegotiator } from './media/sdp/negotiate';
import type { SrtpPolicy } from './media/sdp/sdes';
import type { MediaSession } from './media/session';
import { type MediaWorkerLogger, WorkerMediaHost } from './media/worker/pool';
import { InviteFailure, type Signalling } from './signalling';

export interface EmbeddedMediaOptions {
  /** Address RTP sockets bind to. */
  readonly address: string;
  /** Address written into SDP (NAT/public address); defaults to `address`. */
  readonly advertisedAddress?: string;
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  /** Codecs offered, in preference order; default PCMU, PCMA. */
  readonly codecs?: readonly G711Codec[];
  /** Which RTP sources are accepted (config `media.rtpSource`, see rtp/source-policy.ts); default same-host. */
  readonly rtpSource?: RtpSourceMode;
  /** SRTP with SDES keys toward the trunk (config `sip.trunk.srtp`); default off. */
  readonly srtp?: SrtpPolicy;
  /**
   * Media worker threads (config `media.workers`): RTP, pacing and DTMF detection run there, off the
   * main thread. 0 (the default here; config defaults to one per core) runs media in the main thread.
   */
  readonly workers?: number;
  /** A media worker whose heartbeat stops this long is hung (config `media.workerHangMs`); default 2000. */
  readonly workerHangMs?: number;
}

export interface EmbeddedDtmfOptions {
  /** Sources accepted from the phone; default all three. */
  readonly receiveModes?: readonly DtmfSource[];
  /** How we send extension digits; default rfc4733 (in-band when telephone-event is not negotiated). */
  readonly sendMode?: DtmfSendMode;
  readonly toneMs?: number;
  readonly gapMs?: number;
  /**
   * When to run the in-band detector (if `inband` is a receive mode; config `media.inbandDtmf`):
   * `auto` when no telephone-event was negotiated, and also when it was but no RFC 4733 event has
   * arrived on the call yet (phones and gateways that send tones anyway); `always` on every call;
   * `never` not at all. A press heard both ways counts once (the DTMF merger). Default auto.
   */
  readonly inbandDetection?: 'auto' | 'always' | 'never';
}

export interface EmbeddedBackendOptions {
  /** The SIP core (usually `createSipSignalling(...)` from `./sip`). */
  readonly signalling: Signalling;
  readonly media: EmbeddedMediaOptions;
  readonly dtmf?: EmbeddedDtmfOptions;
  /** Pacing for in-process media (tests); forces `media.workers` 0. */
  readonly scheduler?: PacingScheduler;
  readonly prompts?: PromptCache;
  /** Clock for in-process media (tests); forces `media.workers` 0. */
  readonly clock?: MediaClock;
  /** Where media workers report a crash. */
  readonly logger?: MediaWorkerLogger;
  /** Tests only: media workers obey test hooks (e.g. hang on request). Never set from config. */
  readonly mediaTestHooks?: boolean;
}

const ALL_MODES: readonly DtmfSource[] = ['rfc4733', 'info', 'inband'];
/** `Retry-After` of the 503s while draining when the caller gives none (the HTTP API's too). */
export const DEFAULT_DRAIN_RETRY_AFTER_SECONDS = 10;

export class EmbeddedBackend implements TelephonyBackend {
  readonly name = 'embedded' as const;
  private readonly signalling: Signalling;
  private readonly ports: RtpPortAllocator<MediaSession>;
  private host: MediaHost | undefined;
  private readonly prompts: PromptCache;
  private readonly calls = new Set<EmbeddedCall>();
  private started = false;
  private lastTrunk: BackendHealth['trunk'] = 'unknown';
  private readonly receiveModes: readonly DtmfSource[];

  constructor(private readonly options: EmbeddedBackendOptions) {
    this.signalling = options.signalling;
    const rtpSource = options.media.rtpSource ?? 'same-host';
    this.ports = new RtpPortAllocator(
      options.media.address,
      { min: options.media.rtpPortMin, max: options.media.rtpPortMax },
      (address, port) => this.mediaHost().open(address, port, rtpSource),
    );
    this.prompts = options.prompts ?? new PromptCache();
    this.receiveModes = options.dtmf?.receiveModes?.length ? options.dtmf.receiveModes : ALL_MODES;
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** Where media runs (created on first use; the worker threads of `media.workers`). */
  mediaHost(): MediaHost {
    if (this.host) return this.host;
    const o = this.options;
    const workers = o.clock || o.scheduler ? 0 : (o.media.workers ?? 0);
    this.host =
      workers > 0
        ? new WorkerMediaHost({
            workers,
            ...(o.logger ? { logger: o.logger } : {}),
            ...(o.media.workerHangMs !== undefined ? { hangMs: o.media.workerHangMs } : {}),
            ...(o.mediaTestHooks ? { testHooks: true } : {}),
          })
        : new LocalMediaHost({
            ...(o.clock ? { clock: o.clock } : {}),
            ...(o.scheduler ? { scheduler: o.scheduler } : {}),
          });
    return this.host;
  }

  /** Media worker counters (for /metrics). */
  mediaStats(): MediaHostStats {
    return this.host?.stats() ?? IN_PROCESS_MEDIA_STATS;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.signalling.start();
    // Media workers start now, not on the first call's dial.
    this.mediaHost();
    this.started = true;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.calls].map((c) => c.hangup('service stopping')));
    const host = this.host;
    this.host = undefined;
    await host?.stop();
    if (this.started) await this.signalling.stop();
    this.started = false;
  }

  /** Draining: the SIP core answers OPTIONS and new INVITEs 503 + Retry-After; dialogs carry on. */
  setAvailability(availability: Availability, options: AvailabilityOptions = {}): void {
    this.signalling.setDraining(
      availability === 'draining' ? (options.retryAfterSeconds ?? DEFAULT_DRAIN_RETRY_AFTER_SECONDS) : undefined,
    );
  }

  async health(options: { probe?: boolean } = {}): Promise<BackendHealth> {
    if (options.probe && this.started) {
      const status = await this.signalling.probeTrunk().catch(() => 0);
      this.lastTrunk = status > 0 ? 'reachable' : 'unreachable';
    }
    return {
      backend: 'embedded',
      connected: this.started,
      trunk: this.lastTrunk,
      activeCalls: this.calls.size,
      checkedAt: Date.now(),
    };
  }

  async dial(request: DialRequest, signal?: AbortSignal, hooks?: DialHooks): Promise<Call> {
    if (!request.policyDecisionId) {
      throw new DialFailure('policy', 'refusing to dial without a destination-policy decision');
    }
    if (!this.started) throw new DialFailure('network', 'the embedded backend is not started');
    if (signal?.aborted) throw new DialFailure('cancelled', 'cancelled before dialling');
    let rtp: { socket: MediaSession; port: number };
    try {
      rtp = await this.ports.allocate();
    } catch (err) {
      throw new DialFailure('media', err instanceof Error ? err.message : String(err));
    }
    const session = rtp.socket;
    void session.closed.then(() => this.ports.release(rtp.port));
    const trace = request.trace;
    const mediaOpts = this.options.media;
    const negotiator = new SdpNegotiator({
      address: mediaOpts.advertisedAddress ?? mediaOpts.address,
      port: rtp.port,
      codecs: mediaOpts.codecs,
      srtp: mediaOpts.srtp ?? 'off',
      telephoneEvent: this.receiveModes.includes('rfc4733') || this.options.dtmf?.sendMode !== 'inband',
    });
    let call: EmbeddedCall | undefined;
    let mediaFailure: string | undefined;
    const merger = new DtmfMerger({ onDigit: (e) => call?.deliverDigit(e) });
    session.handlers = {
      onDigit: (e) => merger.push(e),
      onSourceChange: (at, summary) => trace({ kind: 'media', at, summary }),
      onFailure: (reason) => {
        mediaFailure = reason;
        trace({ kind: 'note', at: Date.now(), level: 'error', message: reason });
        void call?.hangup(reason);
      },
    };

    let dialog: Awaited<ReturnType<Signalling['invite']>>;
    try {
      dialog = await this.signalling.invite({
        requestUri: request.requestUri,
        offer: { contentType: 'application/sdp', content: negotiator.createOffer() },
        ringTimeoutMs: request.ringTimeoutMs,
        callerId: request.callerId,
        headers: request.headers,
        trace,
        signal,
        onProvisional: (p) => {
          const at = Date.now();
          if (p.status === 100) hooks?.onProgress?.({ kind: 'trying', at });
          else if (p.body && p.status === 183) hooks?.onProgress?.({ kind: 'early-media', at, sipStatus: p.status });
          else hooks?.onProgress?.({ kind: 'ringing', at, sipStatus: p.status });
        },
      });
    } catch (err) {
      session.close();
      throw withSrtpHint(toDialFailure(err, signal), mediaOpts.srtp);
    }
    if (mediaFailure) {
      await dialog.bye(mediaFailure).catch(() => {});
      throw new DialFailure('media', mediaFailure, undefined, undefined, dialog.callId);
    }

    const answer = dialog.remoteBody;
    const result = answer
      ? negotiator.applyAnswer(answer.content)
      : ({ ok: false, reason: 'the 200 OK carried no SDP answer' } as const);
    if (!result.ok) {
      session.close();
      trace({ kind: 'note', at: Date.now(), level: 'error', message: `media negotiation failed: ${result.reason}` });
      await dialog.bye('media negotiation failed').catch(() => {});
      throw new DialFailure('media', result.reason, undefined, undefined, dialog.callId);
    }
    const negotiated = result.media;
    const te = negotiated.telephoneEventPt !== undefined;
    const dtmf = this.dtmfSetup(te);
    session.begin(negotiated, dtmf);
    call = new EmbeddedCall({
      attemptId: request.attemptId,
      dialog,
      media: session,
      negotiator,
      merger,
      prompts: this.prompts,
      trace,
      receiveModes: this.receiveModes,
      inbandActive: dtmf.inband !== 'off',
      ...(dtmf.inband !== 'off' ? { suppressInbandUntil: (until: number) => session.suppressInband(until) } : {}),
      sendMode: this.options.dtmf?.sendMode ?? 'rfc4733',
      toneMs: this.options.dtmf?.toneMs ?? 100,
      gapMs: this.options.dtmf?.gapMs ?? 100,
      onEnded: (c) => this.calls.delete(c),
    });
    this.calls.add(call);
    trace({
      kind: 'media',
      at: Date.now(),
      summary: `RTP ${negotiated.codec}/8000 local :${rtp.port} → ${negotiated.remoteAddress}:${negotiated.remotePort}${
        te ? `, telephone-event PT ${negotiated.telephoneEventPt}` : ', no telephone-event'
      }${negotiated.srtp ? `, SRTP ${negotiated.srtp.suite} (SDES)` : ''}`,
      stats: { localPort: rtp.port, payloadType: negotiated.payloadType, dtmfModes: call.dtmfModes.join(',') },
    });
    trace({ kind: 'state', at: Date.now(), state: 'answered' });
    return call;
  }

  /**
   * Which DTMF receivers the media engine runs for a call. In `auto` with telephone-event agreed, the
   * in-band detector listens until the first RFC 4733 packet shows the phone really sends events.
   */
  private dtmfSetup(te: boolean): EngineDtmfSetup {
    const rfc4733 = te && this.receiveModes.includes('rfc4733');
    const mode = this.options.dtmf?.inbandDetection ?? 'auto';
    if (!this.receiveModes.includes('inband') || mode === 'never') return { rfc4733, inband: 'off' };
    return { rfc4733, inband: mode === 'always' || !rfc4733 ? 'always' : 'until-event' };
  }
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions): EmbeddedBackend {
  return new EmbeddedBackend(options);
}

/**
 * A PBX that cannot do SRTP refuses an RTP/SAVP offer with 488 (seen with baresip without its srtp
 * module, test/media/srtp-baresip.test.ts): say that it was the SRTP and which setting decides.
 */
function withSrtpHint(failure: DialFailure, srtp: SrtpPolicy | undefined): DialFailure {
  if (srtp !== 'required' || failure.sipStatus !== 488) return failure;
  return new DialFailure(
    failure.reason,
    `${failure.message}: the far end refused the SRTP offer (RTP/SAVP with a=crypto); sip.trunk.srtp is required — set it to optional or off if this PBX has no SRTP`,
    failure.sipStatus,
    failure.sipReason,
    failure.callId,
  );
}

/** The SIP core's `InviteFailure` as a `DialEnd` for the shared classification (src/telephony/dial-failure.ts). */
function toDialFailure(err: unknown, signal: AbortSignal | undefined): DialFailure {
  if (err instanceof DialFailure) return err;
  if (!(err instanceof InviteFailure)) {
    return dialFailure({ cause: 'transport', message: err instanceof Error ? err.message : String(err) });
  }
  const { status, reason, kind, callId } = err;
  const end = { status, sipReason: reason, message: reason || undefined, callId };
  if (kind === 'cancelled' || (signal?.aborted && status === 487)) return dialFailure({ ...end, cause: 'abort' });
  // Our ring timer fired and we CANCELled (487, or nothing came after the CANCEL).
  if (kind === 'timeout') return dialFailure({ ...end, cause: 'ring-timeout' });
  // Timer B: not a single response — the PBX or trunk is down or unreachable, nobody "did not answer".
  if (kind === 'no-response') return dialFailure({ ...end, cause: 'no-response' });
  if (kind === 'transport') return dialFailure({ ...end, cause: 'transport' });
  if (kind === 'auth-failed') return dialFailure({ ...end, cause: 'auth-failed' });
  // A challenge we cannot answer (qop=auth-int only) is not a credentials problem: no 401 for the
  // plain words to read as "credentials not accepted"; the message names what is unsupported.
  if (kind === 'auth-unsupported') return dialFailure({ message: reason, callId, cause: 'auth-failed' });
  return dialFailure(end);
}
