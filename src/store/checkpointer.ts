/**
 * WAL checkpoints off the main thread (issue 20).
 *
 * With `synchronous = NORMAL` a commit only appends to the WAL; the fsyncs happen when the WAL is
 * copied back into the database (a checkpoint), which SQLite by default runs inside the commit that
 * crosses 1,000 pages — on the thread that serves HTTP, SIP and media. In the 60/s `bench:app`
 * profile those commits took 30–55 ms each (74 commits over 5 ms, 1.4 s of 1.9 s spent committing).
 *
 * Here a worker thread with its own connection runs PASSIVE checkpoints every `intervalMs`: they copy
 * what no reader needs any more without taking the write lock, so the service's commits never wait
 * for them. The service's connection keeps an automatic checkpoint only as a safety net far above
 * what the worker lets build up (`fallbackPages`). Nothing changes for durability: a crash of the
 * process loses nothing committed (the WAL is on disk), and SQLite replays it on the next open.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface CheckpointerOptions {
  /** How often the worker checkpoints (default 250 ms). */
  readonly intervalMs?: number;
  /** The service connection's own automatic checkpoint, in pages, if the worker falls behind (default 20,000 ≈ 80 MB). */
  readonly fallbackPages?: number;
}

export interface Checkpointer {
  /** Checkpoints that copied at least one page (diagnostics, tests). */
  readonly runs: number;
  /** Stops the worker; the connection's automatic checkpoint goes back to SQLite's default. */
  stop(): void;
}

// Plain JavaScript so it runs the same from src (tsx, jest) and from dist.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.checkpointed > 0) parentPort.postMessage({ checkpointed: r.checkpointed, log: r.log });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); try { db.close(); } catch {} parentPort.close(); }
});
`;

/** Starts checkpointing `path` on a worker thread and turns the connection's own checkpoints down to a safety net. */
export function startCheckpointer(
  sqlite: Database.Database,
  path: string,
  options: CheckpointerOptions = {},
  onError: (message: string) => void = () => {},
): Checkpointer {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driver: require.resolve('better-sqlite3'), path, intervalMs: options.intervalMs ?? 250 },
  });
  worker.unref();
  let runs = 0;
  let stopped = false;
  worker.on('message', (m: { checkpointed?: number; error?: string }) => {
    if (m.error) onError(m.error);
    else runs++;
  });
  worker.on('error', (err) => {
    // Without the worker the connection checkpoints itself again, as SQLite does by default.
    if (!stopped && sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
    onError(err.message);
  });
  sqlite.pragma(`wal_autocheckpoint = ${Math.max(1000, Math.floor(options.fallbackPages ?? 20_000))}`);
  return {
    get runs() {
      return runs;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
      if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
    },
  };
}
