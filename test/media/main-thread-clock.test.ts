/**
 * Issue 20: the main thread never blocks. The media clock offers its precise `sleep`
 * (`Atomics.wait`) only on a worker thread; on the main thread the pacer uses timers alone.
 */
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { monotonicClock } from '../../src/telephony/embedded/media/clock';

const ROOT = resolve(__dirname, '..', '..');

it('has no sleep on the main thread', () => {
  expect(monotonicClock.sleep).toBeUndefined();
});

it('offers the precise sleep on a worker thread', async () => {
  const code = `
    require(${JSON.stringify(join(ROOT, 'test', 'support', 'swc-register.js'))});
    const { parentPort } = require('node:worker_threads');
    const { monotonicClock } = require(${JSON.stringify(join(ROOT, 'src', 'telephony', 'embedded', 'media', 'clock.ts'))});
    parentPort.postMessage({ sleep: typeof monotonicClock.sleep });
  `;
  const worker = new Worker(code, { eval: true });
  const answer = await new Promise<{ sleep: string }>((r, j) => {
    worker.once('message', r);
    worker.once('error', j);
  });
  await worker.terminate();
  expect(answer.sleep).toBe('function');
});
