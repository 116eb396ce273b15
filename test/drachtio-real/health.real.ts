/**
 * Killing the REAL FreeSWITCH: health turns red within 5 s naming FreeSWITCH, dials fail fast as
 * `unavailable`, and everything recovers when FreeSWITCH is back. Needs FREESWITCH_REAL_STOP and
 * FREESWITCH_REAL_START (see real-env.ts).
 */

import type { TraceEvent } from '../../src/telephony/port';
import { startSippFarEnd } from '../contract/sipp-far-end';
import { realHarness } from './harness';
import { controlFreeswitch, realServers } from './real-env';

jest.setTimeout(180_000);
const real = realServers();

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function request(uri: string, trace: TraceEvent[]) {
  return {
    attemptId: 'att-real-health',
    requestUri: uri,
    policyDecisionId: 'pd-real',
    ringTimeoutMs: 5000,
    trace: (e: TraceEvent) => trace.push(e),
  };
}

describe(`drachtio backend health on real servers (${real.versions || 'versions not given'})`, () => {
  it('FreeSWITCH killed → red within 5 s, dials unavailable; back → green and dialling again', async () => {
    const h = await realHarness();
    try {
      expect((await h.backend.health()).connected).toBe(true);
      controlFreeswitch('stop');
      const t0 = Date.now();
      await eventually(async () => !(await h.backend.health()).connected, 5000);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await h.backend.health()).detail).toMatch(/drachtio-server: up .*FreeSWITCH: down \(/);
      const trace: TraceEvent[] = [];
      const t1 = Date.now();
      const failure = await h.backend.dial(request('sip:1001@127.0.0.1:9', trace)).catch((e: unknown) => e);
      expect(Date.now() - t1).toBeLessThan(1000);
      expect(failure).toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/FreeSWITCH is down/) });
      expect(trace.some((e) => e.kind === 'note' && /FreeSWITCH is down/.test(e.message))).toBe(true);

      controlFreeswitch('start');
      await eventually(async () => (await h.backend.health()).connected, 60_000);
      const far = await startSippFarEnd({ final: { kind: 'answer' } });
      const call = await h.backend.dial(request(far.requestUri, []));
      expect(await call.play(await h.prompt(600), { bargeIn: false })).toEqual({ status: 'completed' });
      await call.hangup();
      expect((await far.result()).audio.promptToneMs).toBeGreaterThanOrEqual(400);
      await h.assertClean?.();
    } finally {
      await h.close();
    }
  });
});
