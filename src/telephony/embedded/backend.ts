/**
 * The `embedded` backend: fyrkant's own SIP core (`./sip`, behind `Signalling`) plus the media layer
 * (`./media`: SDP, RTP, pacing, prompts, DTMF) implementing the telephony port.
 *
 * Options are a plain object; mapping the configuration file onto it is the app layer's job.
 */

import { dialFailure } from '../dial-failure';
import {
  type BackendHealth,
  type Call,
  DialFailure,
  type DialHooks,
  type DialRequest,
  type DtmfSource,
  type TelephonyBackend,
} from '../port';
import { type DtmfSendMode, EmbeddedCall } from './call';
import { CallMedia } from './media/call-media';
import { type MediaClock, monotonicClock } from './media/clock';
import { DtmfMerger, InbandDetector, Rfc4733Receiver } from './media/dtmf';
import { PromptCache } from './media/prompts';
import { RtpEndpoint } from './media/rtp/endpoint';
import { RtpPortAllocator } from './media/rtp/ports';
import { PacingScheduler } from './media/scheduler';
import { type G711Codec, SdpNegotiator } from './media/sdp/negotiate';
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
}

export interface EmbeddedDtmfOptions {
  /** Sources accepted from the phone; default all three. */
  readonly receiveModes?: readonly DtmfSource[];
  /** How we send extension digits; default rfc4733 (in-band when telephone-event is not negotiated). */
  readonly sendMode?: DtmfSendMode;
  readonly toneMs?: number;
  readonly gapMs?: number;
  /**
   * When to run the in-band detector (if `inband` is a receive mode): `auto` only when no
   * telephone-event was negotiated, `always` on every call. Default auto.
   */
  readonly inbandDetection?: 'auto' | 'always';
}

export interface EmbeddedBackendOptions {
  /** The SIP core (usually `createSipSignalling(...)` from `./sip`). */
  readonly signalling: Signalling;
  readonly media: EmbeddedMediaOptions;
  readonly dtmf?: EmbeddedDtmfOptions;
  /** Shared across backends/tests if given; otherwise the backend owns one. */
  readonly scheduler?: PacingScheduler;
  readonly prompts?: PromptCache;
  readonly clock?: MediaClock;
}

const ALL_MODES: readonly DtmfSource[] = ['rfc4733', 'info', 'inband'];

export class EmbeddedBackend implements TelephonyBackend {
  readonly name = 'embedded' as const;
  private readonly signalling: Signalling;
  private readonly ports: RtpPortAllocator;
  private readonly scheduler: PacingScheduler;
  private readonly prompts: PromptCache;
  private readonly clock: MediaClock;
  private readonly calls = new Set<EmbeddedCall>();
  private started = false;
  private lastTrunk: BackendHealth['trunk'] = 'unknown';
  private readonly receiveModes: readonly DtmfSource[];

  constructor(private readonly options: EmbeddedBackendOptions) {
    this.signalling = options.signalling;
    this.ports = new RtpPortAllocator(options.media.address, {
      min: options.media.rtpPortMin,
      max: options.media.rtpPortMax,
    });
    this.clock = options.clock ?? monotonicClock;
    this.scheduler = options.scheduler ?? new PacingScheduler({ clock: this.clock });
    this.prompts = options.prompts ?? new PromptCache();
    this.receiveModes = options.dtmf?.receiveModes?.length ? options.dtmf.receiveModes : ALL_MODES;
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.signalling.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.calls].map((c) => c.hangup('service stopping')));
    this.scheduler.stop();
    if (this.started) await this.signalling.stop();
    this.started = false;
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
    let rtp: Awaited<ReturnType<RtpPortAllocator['allocate']>>;
    try {
      rtp = await this.ports.allocate();
    } catch (err) {
      throw new DialFailure('media', err instanceof Error ? err.message : String(err));
    }
    const trace = request.trace;
    const mediaOpts = this.options.media;
    const negotiator = new SdpNegotiator({
      address: mediaOpts.advertisedAddress ?? mediaOpts.address,
      port: rtp.port,
      codecs: mediaOpts.codecs,
      telephoneEvent: this.receiveModes.includes('rfc4733') || this.options.dtmf?.sendMode !== 'inband',
    });
    let call: EmbeddedCall | undefined;
    const deliver = (e: Parameters<EmbeddedCall['deliverDigit']>[0]) => call?.deliverDigit(e);
    const merger = new DtmfMerger({ onDigit: deliver });
    const endpoint = new RtpEndpoint({
      socket: rtp.socket,
      port: rtp.port,
      now: () => this.clock.now(),
      onPacket: (h, d, a) => media?.onPacket(h, d, a),
    });
    let media: CallMedia | undefined;
    const releasePort = () => this.ports.release(rtp.port);
    rtp.socket.once('close', releasePort);

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
      endpoint.close();
      throw toDialFailure(err, signal);
    }

    const answer = dialog.remoteBody;
    const result = answer
      ? negotiator.applyAnswer(answer.content)
      : ({ ok: false, reason: 'the 200 OK carried no SDP answer' } as const);
    if (!result.ok) {
      endpoint.close();
      trace({ kind: 'note', at: Date.now(), level: 'error', message: `media negotiation failed: ${result.reason}` });
      await dialog.bye('media negotiation failed').catch(() => {});
      throw new DialFailure('media', result.reason, undefined, undefined, dialog.callId);
    }
    const negotiated = result.media;
    const te = negotiated.telephoneEventPt !== undefined;
    const wall = () => Date.now();
    const eventReceiver =
      te && this.receiveModes.includes('rfc4733')
        ? new Rfc4733Receiver({ payloadType: negotiated.telephoneEventPt!, onDigit: (e) => merger.push(e) })
        : undefined;
    const wantInband = this.receiveModes.includes('inband') && (!te || this.options.dtmf?.inbandDetection === 'always');
    const detector = wantInband ? new InbandDetector({ onDigit: (e) => merger.push(e) }) : undefined;
    media = new CallMedia({
      endpoint,
      scheduler: this.scheduler,
      media: negotiated,
      eventReceiver,
      audioListener: detector ? { process: (pcm, now) => detector.onSamples(pcm, now) } : undefined,
      wallNow: wall,
    });
    call = new EmbeddedCall({
      attemptId: request.attemptId,
      dialog,
      media,
      negotiator,
      merger,
      prompts: this.prompts,
      trace,
      receiveModes: this.receiveModes,
      inbandActive: detector !== undefined,
      ...(detector ? { suppressInbandUntil: (until: number) => detector.suppressUntil(until) } : {}),
      sendMode: this.options.dtmf?.sendMode ?? 'rfc4733',
      toneMs: this.options.dtmf?.toneMs ?? 100,
      gapMs: this.options.dtmf?.gapMs ?? 100,
      onEnded: (c) => this.calls.delete(c),
      onFlush: () => detector?.flush(Date.now()),
    });
    this.calls.add(call);
    trace({
      kind: 'media',
      at: Date.now(),
      summary: `RTP ${negotiated.codec}/8000 local :${rtp.port} → ${negotiated.remoteAddress}:${negotiated.remotePort}${
        te ? `, telephone-event PT ${negotiated.telephoneEventPt}` : ', no telephone-event'
      }`,
      stats: { localPort: rtp.port, payloadType: negotiated.payloadType, dtmfModes: call.dtmfModes.join(',') },
    });
    trace({ kind: 'state', at: Date.now(), state: 'answered' });
    media.start();
    return call;
  }
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions): EmbeddedBackend {
  return new EmbeddedBackend(options);
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
  // Our ring timer fired and we CANCELled (487), or nothing answered at all (Timer B).
  if (kind === 'timeout') return dialFailure({ ...end, cause: status ? 'ring-timeout' : 'no-response' });
  if (kind === 'transport') return dialFailure({ ...end, cause: 'transport' });
  if (kind === 'auth-failed') return dialFailure({ ...end, cause: 'auth-failed' });
  return dialFailure(end);
}
