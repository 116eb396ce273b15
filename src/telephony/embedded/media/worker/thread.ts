/**
 * A media worker thread: one `MediaEngine` driven by the main thread's messages. Here the pacer may
 * sleep the last fraction of a millisecond before a deadline (`../clock.ts`), since this thread does
 * nothing but media. Its event loop advances a heartbeat the host's watchdog reads (`./watchdog.ts`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MediaEngine } from '../engine';
import type { FromEngine, ToEngine } from '../engine-protocol';
import { startHeartbeat } from './watchdog';

/** What the host hands a new worker (`workerData`). */
export interface WorkerSetup {
  readonly heartbeat: Int32Array;
  /** Test-only hooks (never from config): `{ t: 'test-hang' }` makes this thread loop forever. */
  readonly testHooks: boolean;
}

const port = parentPort;
if (!port) throw new Error('the media worker must run in a worker thread');
const setup = workerData as WorkerSetup;
const engine = new MediaEngine({ emit: (m: FromEngine) => port.postMessage(m) });
port.on('message', (m: ToEngine | { t: 'test-hang' }) => {
  if (m.t === 'test-hang') {
    if (setup.testHooks) hang();
    return;
  }
  engine.handle(m);
});
startHeartbeat(setup.heartbeat);

/** A worker stuck in a loop: the event loop (and with it the heartbeat and every call) stops. */
function hang(): void {
  for (;;) {
    // never returns
  }
}
