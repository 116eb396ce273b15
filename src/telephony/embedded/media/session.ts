/**
 * The main thread's handle on one call's media: a thin proxy that turns the call's verbs into
 * `ToEngine` messages and the engine's `FromEngine` messages into promises and callbacks. It never
 * waits for the engine synchronously; statistics are read from the shared array the engine keeps.
 * The same class serves the in-process engine and a worker's (only `post` differs).
 */
import type { DtmfEvent } from '../../port';
import type { PlaybackEnd } from './call-media';
import { type EngineDtmfSetup, type FromEngine, formatStats, STAT, type ToEngine } from './engine-protocol';
import type { G711Codec, NegotiatedMedia } from './sdp/negotiate';

export interface MediaSessionHandlers {
  /** A digit from the RFC 4733 receiver or the in-band detector. */
  onDigit?(event: DtmfEvent): void;
  /** The accepted RTP source changed (trace line). */
  onSourceChange?(at: number, summary: string): void;
  /** The engine running this call is gone (worker crashed): the call must end with `reason`. */
  onFailure?(reason: string): void;
}

/** Stats memory shared with a worker when possible (in-process a plain array does). */
function statsArray(): Float64Array {
  return new Float64Array(new SharedArrayBuffer(STAT.length * 8));
}

export class MediaSession {
  readonly stats = statsArray();
  handlers: MediaSessionHandlers = {};
  private media: NegotiatedMedia | undefined;
  private remote = '';
  private nextId = 1;
  private readonly plays = new Map<number, (end: PlaybackEnd) => void>();
  private readonly sends = new Map<number, () => void>();
  private closedValue = false;
  private failedReason: string | undefined;
  private readonly whenClosed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    readonly id: number,
    readonly port: number,
    private readonly post: (message: ToEngine) => void,
  ) {
    this.whenClosed = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  /** Negotiated media; throws before `begin` (a call exists only once media was agreed). */
  get current(): NegotiatedMedia {
    if (!this.media) throw new Error('media not started');
    return this.media;
  }

  /** Resolves when the engine closed the socket (or its worker is gone). */
  get closed(): Promise<void> {
    return this.whenClosed;
  }

  /** Start sending and receiving with the answer's media. */
  begin(media: NegotiatedMedia, dtmf: EngineDtmfSetup): void {
    this.setMedia(media);
    this.send({ t: 'begin', id: this.id, media, dtmf });
  }

  /** New negotiated media after a re-INVITE/UPDATE (hold, move, codec change). */
  update(media: NegotiatedMedia): void {
    this.setMedia(media);
    this.send({ t: 'update', id: this.id, media });
  }

  /** Play G.711 audio; a new prompt replaces a running one (which ends `stopped`). */
  play(audio: Uint8Array, codec: G711Codec): Promise<PlaybackEnd> {
    if (this.closedValue) return Promise.resolve('stopped');
    const playId = this.nextId++;
    return new Promise((resolve) => {
      this.plays.set(playId, resolve);
      this.send({ t: 'play', id: this.id, playId, audio, codec });
    });
  }

  stopPlayback(): void {
    this.send({ t: 'stop-playback', id: this.id });
  }

  /** Send digits as RFC 4733 events or in-band tones; resolves when they are out (or cancelled). */
  sendDigits(mode: 'rfc4733' | 'inband', digits: string, timing: { toneMs: number; gapMs: number }): Promise<void> {
    if (this.closedValue) return Promise.resolve();
    const reqId = this.nextId++;
    return new Promise((resolve) => {
      this.sends.set(reqId, resolve);
      this.send({ t: 'digits', id: this.id, reqId, mode, digits, toneMs: timing.toneMs, gapMs: timing.gapMs });
    });
  }

  cancelOutgoing(): void {
    this.send({ t: 'cancel-digits', id: this.id });
  }

  suppressInband(untilMs: number): void {
    this.send({ t: 'suppress-inband', id: this.id, untilMs });
  }

  /** Resolves once the engine has handled the RTP already waiting at this call's socket. */
  settled(): Promise<void> {
    if (this.closedValue) return Promise.resolve();
    const reqId = this.nextId++;
    return new Promise((resolve) => {
      this.sends.set(reqId, resolve);
      this.send({ t: 'settle', id: this.id, reqId });
    });
  }

  /**
   * Stop the call's media. An in-band digit still sounding is reported first: the engine handles
   * `flush` before `close`, so its digit reaches `onDigit` before `closed` resolves — await `closed`
   * before treating the call as over (on a worker both arrive later; in-process too, one tick on).
   */
  close(): void {
    if (this.closedValue) return;
    this.send({ t: 'flush', id: this.id });
    this.send({ t: 'close', id: this.id });
    this.closedValue = true;
    this.settle();
  }

  /** The counters for the call trace (as of the engine's last tick or packet). */
  statsRecord(): Record<string, number | string> {
    const m = this.media;
    const record = formatStats(this.stats, m?.codec ?? 'PCMU', this.remote, m?.srtp !== undefined);
    return this.failedReason ? { ...record, mediaFailure: this.failedReason } : record;
  }

  /** An engine event for this session. */
  receive(message: FromEngine): void {
    switch (message.t) {
      case 'digit': {
        const { digit, source, at, durationMs } = message;
        this.handlers.onDigit?.(durationMs === undefined ? { digit, source, at } : { digit, source, at, durationMs });
        return;
      }
      case 'source':
        this.remote = `${message.remoteAddress}:${message.remotePort}`;
        this.handlers.onSourceChange?.(message.at, message.summary);
        return;
      case 'played': {
        const done = this.plays.get(message.playId);
        this.plays.delete(message.playId);
        done?.(message.end);
        return;
      }
      case 'settled':
      case 'digits-sent': {
        const done = this.sends.get(message.reqId);
        this.sends.delete(message.reqId);
        done?.();
        return;
      }
      case 'closed':
        this.closedValue = true;
        this.settle();
        this.resolveClosed();
        return;
      case 'opened':
        return;
    }
  }

  /** The engine is gone: settle everything and tell the call. */
  fail(reason: string): void {
    if (this.failedReason) return;
    this.failedReason = reason;
    const wasOpen = !this.closedValue;
    this.closedValue = true;
    this.settle();
    this.resolveClosed();
    if (wasOpen) this.handlers.onFailure?.(reason);
  }

  private settle(): void {
    for (const done of this.plays.values()) done('stopped');
    this.plays.clear();
    for (const done of this.sends.values()) done();
    this.sends.clear();
  }

  private send(message: ToEngine): void {
    if (this.closedValue) return;
    this.post(message);
  }

  private setMedia(media: NegotiatedMedia): void {
    this.media = media;
    this.remote = `${media.remoteAddress}:${media.remotePort}`;
  }
}
