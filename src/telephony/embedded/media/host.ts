/**
 * Where the media engine runs. `LocalMediaHost`: in the main thread (`media.workers: 0`; tests that
 * inject a fake clock). `WorkerMediaHost` (`./worker/pool.ts`): on media worker threads, so nothing
 * on the main loop — SQLite, HTTP, SIP parsing, GC of request garbage — can delay a packet.
 * Both hand out the same `MediaSession` and drive the same `MediaEngine`.
 */
import type { MediaClock } from './clock';
import { MediaEngine } from './engine';
import type { FromEngine } from './engine-protocol';
import type { RtpSourceMode } from './rtp/source-policy';
import type { PacingScheduler } from './scheduler';
import { MediaSession } from './session';

export interface MediaHostStats {
  /** Media worker threads (0: in the main thread). */
  readonly workers: number;
  /** Worker threads that died (crashed, exited) and were replaced. */
  readonly workerRestarts: number;
  /** Worker threads that hung (heartbeat stopped for `media.workerHangMs`), were terminated and replaced. */
  readonly workerHangs: number;
  /** Calls ended because their worker died or hung. */
  readonly callsLostToWorkerFailure: number;
}

/** Media in the main thread: no workers, nothing lost to them. */
export const IN_PROCESS_MEDIA_STATS: MediaHostStats = {
  workers: 0,
  workerRestarts: 0,
  workerHangs: 0,
  callsLostToWorkerFailure: 0,
};

export interface MediaHost {
  /** Bind `address:port` for a new call's RTP; undefined when the port is taken. */
  open(address: string, port: number, rtpSource: RtpSourceMode): Promise<MediaSession | undefined>;
  stop(): Promise<void>;
  stats(): MediaHostStats;
}

let lastSessionId = 0;
export function nextSessionId(): number {
  lastSessionId = (lastSessionId + 1) % Number.MAX_SAFE_INTEGER;
  return lastSessionId;
}

/** Sessions waiting for their `opened`, then live until `closed`. */
export class SessionTable {
  private readonly sessions = new Map<number, MediaSession>();
  private readonly opening = new Map<number, (error: string | undefined) => void>();

  get size(): number {
    return this.sessions.size;
  }

  all(): MediaSession[] {
    return [...this.sessions.values()];
  }

  /** Register `session` and resolve once the engine answered its `open`. */
  open(session: MediaSession, send: () => void): Promise<MediaSession | undefined> {
    this.sessions.set(session.id, session);
    return new Promise((resolve) => {
      this.opening.set(session.id, (error) => {
        if (error === undefined) return resolve(session);
        this.sessions.delete(session.id);
        resolve(undefined);
      });
      send();
    });
  }

  dispatch(message: FromEngine): void {
    if (message.t === 'opened') {
      const done = this.opening.get(message.id);
      this.opening.delete(message.id);
      done?.(message.error);
      return;
    }
    const session = this.sessions.get(message.id);
    if (!session) return;
    if (message.t === 'closed') this.sessions.delete(message.id);
    session.receive(message);
  }

  /** The engine is gone: pending opens fail, live sessions end with `reason`. Returns how many calls were live. */
  failAll(reason: string): number {
    for (const done of this.opening.values()) done(reason);
    this.opening.clear();
    let live = 0;
    for (const s of this.sessions.values()) {
      live++;
      s.fail(reason);
    }
    this.sessions.clear();
    return live;
  }
}

export class LocalMediaHost implements MediaHost {
  readonly engine: MediaEngine;
  private readonly table = new SessionTable();

  constructor(options: { clock?: MediaClock; scheduler?: PacingScheduler } = {}) {
    this.engine = new MediaEngine({ ...options, emit: (m) => this.table.dispatch(m) });
  }

  open(address: string, port: number, rtpSource: RtpSourceMode): Promise<MediaSession | undefined> {
    const session = new MediaSession(nextSessionId(), port, (m) => this.engine.handle(m));
    return this.table.open(session, () =>
      this.engine.handle({ t: 'open', id: session.id, address, port, rtpSource, stats: session.stats }),
    );
  }

  async stop(): Promise<void> {
    const closing = this.table.all().map((s) => s.closed);
    this.engine.stop();
    await Promise.all(closing);
  }

  stats(): MediaHostStats {
    return IN_PROCESS_MEDIA_STATS;
  }
}
