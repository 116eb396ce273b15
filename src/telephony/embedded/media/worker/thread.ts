/**
 * A media worker thread: one `MediaEngine` driven by the main thread's messages. Here the pacer may
 * sleep the last fraction of a millisecond before a deadline (`../clock.ts`), since this thread does
 * nothing but media.
 */
import { parentPort } from 'node:worker_threads';
import { MediaEngine } from '../engine';
import type { FromEngine, ToEngine } from '../engine-protocol';

const port = parentPort;
if (!port) throw new Error('the media worker must run in a worker thread');
const engine = new MediaEngine({ emit: (m: FromEngine) => port.postMessage(m) });
port.on('message', (m: ToEngine) => engine.handle(m));
