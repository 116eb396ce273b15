/**
 * Media on worker threads (config `media.workers`, default one per core): each call is pinned to the
 * least-loaded worker for its whole life; its socket is bound there and its RTP never touches the
 * main thread. The main thread only posts `ToEngine` messages and never waits on a worker.
 *
 * A worker that dies (an uncaught error, out of memory, terminated) takes only its own calls: each
 * ends with a clear reason (`MediaSession.fail` → the call hangs up), the death is logged and
 * counted, and a fresh worker takes its place for new calls. A worker that hangs (its heartbeat
 * stops for `media.workerHangMs`, `./watchdog.ts`) is terminated and goes the same way, counted
 * apart (`workerHangs`).
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromEngine, ToEngine } from '../engine-protocol';
import { type MediaHost, type MediaHostStats, nextSessionId, SessionTable } from '../host';
import type { RtpSourceMode } from '../rtp/source-policy';
import { MediaSession } from '../session';
import type { WorkerSetup } from './thread';
import { HangWatchdog, newHeartbeat, type WatchdogClock } from './watchdog';

export interface MediaWorkerLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkerMediaHostOptions {
  /** Number of worker threads (≥ 1). */
  readonly workers: number;
  readonly logger?: MediaWorkerLogger;
  /** A worker whose heartbeat stops this long is hung: terminated, its calls ended, replaced. Default 2000. */
  readonly hangMs?: number;
  /** The watchdog's clock (tests). */
  readonly watchdogClock?: WatchdogClock;
  /** Test-only: the worker obeys `{ t: 'test-hang' }` by looping forever (never set from config). */
  readonly testHooks?: boolean;
}

/** Default `media.workerHangMs` (see `./watchdog.ts` for why). */
export const DEFAULT_WORKER_HANG_MS = 2000;

type DeathKind = 'died' | 'hung';
type OnDeath = (worker: MediaWorker, reason: string, kind: DeathKind) => void;

/** The worker's script: compiled JavaScript in dist, TypeScript (through tsx) under jest/tsx. */
function spawnEngineThread(workerData: WorkerSetup): Worker {
  const ext = extname(__filename);
  const entry = join(__dirname, `thread${ext}`);
  if (ext === '.js') return new Worker(entry, { workerData });
  // Running from source (tests, `tsx`): a worker runs the process's `-r` preloads, so when one of
  // them already compiles `.ts` (test/support/swc-register.js) it is used; otherwise tsx's CommonJS
  // loader is registered first. Not both: tsx starts an esbuild child process per worker, and under
  // the benchmarks' SCHED_FIFO that Go process spun at 95 % of a core each (seen with `ps`, `chrt -p`).
  // Resolved here: an eval'd worker resolves modules from the process's working directory.
  const tsx = require.resolve('tsx/cjs/api');
  const register = `if (!require.extensions['.ts']) require(${JSON.stringify(tsx)}).register();`;
  const code = `${register} require(${JSON.stringify(entry)});`;
  return new Worker(code, { eval: true, workerData });
}

class MediaWorker {
  readonly table = new SessionTable();
  readonly thread: Worker;
  /** Advanced by the worker's event loop; the host's watchdog reads it. */
  readonly heartbeat = newHeartbeat();
  private gone = false;

  constructor(
    readonly index: number,
    private readonly onDeath: OnDeath,
    testHooks: boolean,
  ) {
    this.thread = spawnEngineThread({ heartbeat: this.heartbeat, testHooks });
    // The main thread decides the process's life (its SIP socket holds it open while serving).
    this.thread.unref();
    this.thread.on('message', (m: FromEngine) => this.table.dispatch(m));
    this.thread.on('error', (err) => this.die(`media worker ${index} failed: ${err.message}`, 'died'));
    this.thread.on('exit', (code) => this.die(`media worker ${index} exited (code ${code})`, 'died'));
  }

  get alive(): boolean {
    return !this.gone;
  }

  post(message: ToEngine): void {
    if (!this.gone) this.thread.postMessage(message);
  }

  /** Stop on purpose: the thread's exit is not a failure. */
  async stop(): Promise<void> {
    this.gone = true;
    this.table.failAll('media stopped');
    await this.thread.terminate();
  }

  /** The watchdog found it hung: stop it (without waiting: a stuck thread may take a while) and go. */
  hung(): void {
    if (this.gone) return;
    this.thread.terminate().catch(() => {});
    this.die(`media worker ${this.index} hung`, 'hung');
  }

  private die(reason: string, kind: DeathKind): void {
    if (this.gone) return;
    this.gone = true;
    this.onDeath(this, reason, kind);
  }
}

export class WorkerMediaHost implements MediaHost {
  private readonly workers: MediaWorker[] = [];
  private restarts = 0;
  private hangs = 0;
  private lost = 0;
  private stopped = false;
  private readonly logger: MediaWorkerLogger | undefined;
  private readonly watchdog: HangWatchdog<MediaWorker>;
  private readonly testHooks: boolean;

  constructor(options: WorkerMediaHostOptions) {
    this.logger = options.logger;
    this.testHooks = options.testHooks ?? false;
    this.watchdog = new HangWatchdog<MediaWorker>({
      hangMs: options.hangMs ?? DEFAULT_WORKER_HANG_MS,
      onHang: (worker) => worker.hung(),
      ...(options.watchdogClock ? { clock: options.watchdogClock } : {}),
    });
    const n = Math.max(1, Math.floor(options.workers));
    for (let i = 0; i < n; i++) this.workers.push(this.spawn(i));
  }

  /** The worker threads (tests kill one to see its calls end and a new one start). */
  get threads(): readonly Worker[] {
    return this.workers.map((w) => w.thread);
  }

  /** Calls per worker, in worker order. */
  get load(): number[] {
    return this.workers.map((w) => w.table.size);
  }

  open(address: string, port: number, rtpSource: RtpSourceMode): Promise<MediaSession | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    let worker = this.workers[0]!;
    for (const w of this.workers) if (w.table.size < worker.table.size) worker = w;
    const session = new MediaSession(nextSessionId(), port, (m) => worker.post(m));
    return worker.table.open(session, () =>
      worker.post({ t: 'open', id: session.id, address, port, rtpSource, stats: session.stats }),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchdog.stop();
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  stats(): MediaHostStats {
    return {
      workers: this.workers.length,
      workerRestarts: this.restarts,
      workerHangs: this.hangs,
      callsLostToWorkerFailure: this.lost,
    };
  }

  private spawn(index: number): MediaWorker {
    const worker = new MediaWorker(index, (w, reason, kind) => this.onDeath(w, reason, kind), this.testHooks);
    this.watchdog.watch(worker, worker.heartbeat);
    return worker;
  }

  /** The one rule for a worker that is gone (died or hung): end its calls, count, replace. */
  private onDeath(dead: MediaWorker, reason: string, kind: DeathKind): void {
    this.watchdog.forget(dead);
    const calls = dead.table.failAll(reason);
    this.lost += calls;
    this.logger?.error({ worker: dead.index, calls, reason }, `media worker ${kind}; its calls were ended`);
    if (this.stopped) return;
    if (kind === 'hung') this.hangs++;
    else this.restarts++;
    this.workers[dead.index] = this.spawn(dead.index);
  }
}
