import { policyOptions } from '../../src/app/domain-options';
import { policyGuardedBackend } from '../../src/app/policy-guard';
import { loadConfig } from '../../src/config';
import { parsePhone } from '../../src/domain/phone';
import { DestinationPolicy } from '../../src/domain/policy';
import { DialFailure, type DialRequest } from '../../src/telephony/port';
import { FakeTelephony } from '../support/fake-telephony';

const request = (policyDecisionId: string): DialRequest => ({
  attemptId: 'a1',
  requestUri: 'sip:+46812345678@pbx.example.com',
  policyDecisionId,
  ringTimeoutMs: 1000,
  trace: () => {},
});

describe('policy guard around the backend', () => {
  const policy = new DestinationPolicy(policyOptions(loadConfig({ env: {} }).config));
  const phone = parsePhone('08-123 456 78', { country: 'SE' });
  if (!phone.ok) throw new Error('test number must parse');

  it('dials with an open decision and refuses a forged or released one without reaching the backend', async () => {
    const fake = new FakeTelephony();
    const backend = policyGuardedBackend(fake, (id) => policy.isAuthorized(id));
    const decision = policy.authorize({ kind: 'phone', phone });
    expect(decision.allow).toBe(true);
    if (!decision.allow) return;

    const forged = backend.dial(request('made-up'));
    await expect(forged).rejects.toBeInstanceOf(DialFailure);
    await expect(forged).rejects.toMatchObject({ reason: 'policy' });
    expect(fake.dials).toHaveLength(0);

    const call = await backend.dial(request(decision.id));
    expect(fake.dials).toHaveLength(1);
    await call.hangup();

    decision.lease.release();
    await expect(backend.dial(request(decision.id))).rejects.toMatchObject({ reason: 'policy' });
    expect(fake.dials).toHaveLength(1);
  });
});
