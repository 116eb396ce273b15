/**
 * The media engine: every call's RTP socket, pacing, prompt playback, DTMF sending and DTMF
 * detection (RFC 4733 and in-band), driven only by `ToEngine` messages and reporting only by
 * `FromEngine` messages (`./engine-protocol.ts`). The same class runs on a media worker thread
 * (`./worker/thread.ts`, the default) and, with `media.workers: 0`, in the main thread
 * (`./local-host.ts`) — one code path, two places.
 *
 * Nothing the network sends may stop it: a handler that throws on a bad packet or message is
 * counted (`errors`) and the packet dropped; the other calls go on.
 */
import type { Socket } from 'node:dgram';
import { type AudioListener, CallMedia, type EventReceiver } from './call-media';
import { type MediaClock, monotonicClock } from './clock';
import { InbandDetector, Rfc4733Receiver, Rfc4733Sender, ToneGenerator } from './dtmf';
import { type EngineDtmfSetup, type FromEngine, reviveMedia, STAT, type ToEngine } from './engine-protocol';
import { RtpEndpoint } from './rtp/endpoint';
import { bindRtpSocket } from './rtp/ports';
import { describeSourceChange, type RtpSourceMode } from './rtp/source-policy';
import { PacingScheduler } from './scheduler';
import type { NegotiatedMedia } from './sdp/negotiate';

export interface MediaEngineOptions {
  /** Where events go (postMessage on a worker, the session table in-process). */
  readonly emit: (message: FromEngine) => void;
  readonly clock?: MediaClock;
  readonly scheduler?: PacingScheduler;
}

interface EngineCall {
  readonly id: number;
  readonly stats: Float64Array;
  socket?: Socket;
  endpoint?: RtpEndpoint;
  media?: CallMedia;
  detector?: InbandDetector;
  closing: boolean;
}

export class MediaEngine {
  private readonly calls = new Map<number, EngineCall>();
  private readonly emit: (message: FromEngine) => void;
  private readonly clock: MediaClock;
  readonly scheduler: PacingScheduler;
  /** Handler exceptions caught (bad packets or messages); never thrown out of the engine. */
  errors = 0;

  constructor(options: MediaEngineOptions) {
    this.emit = options.emit;
    this.clock = options.clock ?? monotonicClock;
    this.scheduler = options.scheduler ?? new PacingScheduler({ clock: this.clock });
  }

  get size(): number {
    return this.calls.size;
  }

  handle(m: ToEngine): void {
    try {
      this.dispatch(m);
    } catch {
      this.errors++;
    }
  }

  /** Close every call (the engine is going away). */
  stop(): void {
    for (const id of [...this.calls.keys()]) this.close(id);
    this.scheduler.stop();
  }

  private dispatch(m: ToEngine): void {
    if (m.t === 'open') {
      void this.open(m.id, m.address, m.port, m.rtpSource, m.stats);
      return;
    }
    const call = this.calls.get(m.id);
    if (!call) return;
    switch (m.t) {
      case 'begin':
        this.begin(call, reviveMedia(m.media), m.dtmf);
        return;
      case 'update':
        call.media?.update(reviveMedia(m.media));
        return;
      case 'play': {
        const a = m.audio;
        const audio = Buffer.isBuffer(a) ? a : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        const done = call.media ? call.media.play(audio, m.codec) : Promise.resolve('stopped' as const);
        void done.then((end) => this.emit({ t: 'played', id: call.id, playId: m.playId, end }));
        return;
      }
      case 'stop-playback':
        call.media?.stopPlayback();
        return;
      case 'digits': {
        const media = call.media;
        const timing = { toneMs: m.toneMs, gapMs: m.gapMs };
        const sent = !media
          ? Promise.resolve()
          : m.mode === 'rfc4733'
            ? media.sendEvents(new Rfc4733Sender(m.digits, { ...timing, startTimestamp: media.nextTimestamp }))
            : media.sendTones(new ToneGenerator(m.digits, timing));
        void sent.then(() => this.emit({ t: 'digits-sent', id: call.id, reqId: m.reqId }));
        return;
      }
      case 'cancel-digits':
        call.media?.cancelOutgoing();
        return;
      case 'suppress-inband':
        call.detector?.suppressUntil(m.untilMs);
        return;
      case 'flush':
        call.detector?.flush(Date.now());
        return;
      case 'settle':
        // Datagrams already queued at the socket are read in the event loop's poll phase; two check
        // phases later every one of them has gone through the media and its events were emitted.
        setImmediate(() => setImmediate(() => this.emit({ t: 'settled', id: call.id, reqId: m.reqId })));
        return;
      case 'close':
        this.close(m.id);
        return;
    }
  }

  private async open(
    id: number,
    address: string,
    port: number,
    rtpSource: RtpSourceMode,
    stats: Float64Array,
  ): Promise<void> {
    const call: EngineCall = { id, stats, closing: false };
    this.calls.set(id, call);
    let socket: Socket | undefined;
    try {
      socket = await bindRtpSocket(address, port);
    } catch (err) {
      this.calls.delete(id);
      this.emit({ t: 'opened', id, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (!socket) {
      this.calls.delete(id);
      this.emit({ t: 'opened', id, error: 'port in use' });
      return;
    }
    call.socket = socket;
    socket.once('close', () => {
      this.calls.delete(id);
      this.emit({ t: 'closed', id });
    });
    call.endpoint = new RtpEndpoint({
      socket,
      port,
      now: () => this.clock.now(),
      onPacket: (h, d, a) => {
        try {
          call.media?.onPacket(h, d, a);
        } catch {
          this.errors++;
        }
        this.publish(call);
      },
      rtpSource,
      onSourceChange: (change) => {
        const ep = call.endpoint;
        this.emit({
          t: 'source',
          id,
          at: Date.now(),
          summary: describeSourceChange(change),
          remoteAddress: ep?.remote.address ?? '',
          remotePort: ep?.remote.port ?? 0,
        });
        if (change.kind !== 'remote' && change.kind !== 'refused') call.media?.streamChanged();
      },
    });
    this.emit({ t: 'opened', id });
    // Closed while the socket was being bound.
    if (call.closing) this.close(id);
  }

  private begin(call: EngineCall, media: NegotiatedMedia, dtmf: EngineDtmfSetup): void {
    const endpoint = call.endpoint;
    if (!endpoint || call.media || call.closing) return;
    const id = call.id;
    const onDigit = (e: { digit: FromDigit['digit']; source: FromDigit['source']; at: number; durationMs?: number }) =>
      this.emit(
        e.durationMs === undefined
          ? { t: 'digit', id, digit: e.digit, source: e.source, at: e.at }
          : { t: 'digit', id, digit: e.digit, source: e.source, at: e.at, durationMs: e.durationMs },
      );
    const { eventReceiver, audioListener, detector } = dtmfReceivers(media, dtmf, onDigit);
    call.detector = detector;
    call.media = new CallMedia({
      endpoint,
      scheduler: this.scheduler,
      media,
      eventReceiver,
      audioListener,
      wallNow: Date.now,
      onTicked: () => this.publish(call),
    });
    call.media.start();
  }

  private close(id: number): void {
    const call = this.calls.get(id);
    if (!call || call.closing) return;
    call.closing = true;
    if (!call.endpoint) return; // still binding: closed once bound (see open)
    this.publish(call);
    if (call.media) call.media.close();
    else call.endpoint.close();
  }

  /** Copy the call's counters into its shared statistics array. */
  private publish(call: EngineCall): void {
    const ep = call.endpoint;
    if (!ep) return;
    const s = call.stats;
    const r = ep.stats;
    const p = ep.policy.stats;
    s[STAT.packetsSent] = ep.sent;
    s[STAT.eventPacketsSent] = call.media?.eventPacketsSent ?? 0;
    s[STAT.packetsReceived] = r.received;
    s[STAT.packetsExpected] = r.expected;
    s[STAT.packetsLost] = r.lost;
    s[STAT.jitterMs] = r.jitterMs;
    s[STAT.ignoredDatagrams] = r.ignored;
    s[STAT.noRemote] = p.noRemote;
    s[STAT.foreign] = p.foreign;
    s[STAT.whileAlive] = p.whileAlive;
    s[STAT.probation] = p.probation;
    s[STAT.badStream] = p.badStream;
    s[STAT.sourceChanges] = p.sourceChanges;
    s[STAT.srtpRejected] = ep.srtpRejected;
    s[STAT.sendErrors] = ep.sendErrors;
  }
}

type FromDigit = Extract<FromEngine, { t: 'digit' }>;

/**
 * The call's DTMF receivers. With `until-event` (config `auto` with telephone-event agreed), the
 * in-band detector listens until the first RFC 4733 packet shows the phone really sends events (then
 * tones in the audio would only be the same presses again).
 */
function dtmfReceivers(
  media: NegotiatedMedia,
  dtmf: EngineDtmfSetup,
  onDigit: (e: { digit: FromDigit['digit']; source: FromDigit['source']; at: number; durationMs?: number }) => void,
): { eventReceiver?: EventReceiver; audioListener?: AudioListener; detector?: InbandDetector } {
  const receiver =
    dtmf.rfc4733 && media.telephoneEventPt !== undefined
      ? new Rfc4733Receiver({ payloadType: media.telephoneEventPt, onDigit })
      : undefined;
  if (dtmf.inband === 'off') return receiver ? { eventReceiver: receiver } : {};
  const detector = new InbandDetector({ onDigit });
  if (dtmf.inband === 'always' || !receiver) {
    return {
      eventReceiver: receiver,
      audioListener: { process: (pcm, now) => detector.onSamples(pcm, now) },
      detector,
    };
  }
  let eventSeen = false;
  const eventReceiver: EventReceiver = {
    onPacket: (packet, now) => {
      eventSeen = true;
      receiver.onPacket(packet, now);
    },
    poll: (now) => receiver.poll(now),
    setPayloadType: (pt) => receiver.setPayloadType(pt),
    reset: (now) => receiver.reset(now),
  };
  const audioListener: AudioListener = {
    process: (pcm, now) => {
      if (!eventSeen) detector.onSamples(pcm, now);
    },
  };
  return { eventReceiver, audioListener, detector };
}
