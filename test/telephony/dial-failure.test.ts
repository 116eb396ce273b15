/** The one SIP status → dial failure classification, used by both adapters. */
import { dialFailure, failureOfSipStatus } from '../../src/telephony/dial-failure';

describe('SIP final status → dial failure', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [404, 'not-found'],
    [484, 'not-found'],
    [604, 'not-found'],
    [480, 'no-answer'],
    [487, 'no-answer'],
    [408, 'timeout'],
    [488, 'media'],
    [606, 'media'],
    [403, 'rejected'],
    [603, 'rejected'],
    [302, 'rejected'],
    [503, 'unavailable'],
    [504, 'unavailable'],
    [599, 'unavailable'],
    [799, 'network'],
  ])('%i → %s', (status, reason) => {
    expect(failureOfSipStatus(status)).toBe(reason);
    expect(dialFailure({ status, sipReason: 'X' })).toMatchObject({
      reason,
      sipStatus: status,
      message: `${status} X`,
    });
  });

  it('our own cause wins over the status (a 487 answers our CANCEL)', () => {
    expect(dialFailure({ status: 487, cause: 'abort' }).reason).toBe('cancelled');
    expect(dialFailure({ status: 487, cause: 'ring-timeout' }).reason).toBe('no-answer');
    expect(dialFailure({ cause: 'no-response' })).toMatchObject({ reason: 'timeout', sipStatus: undefined });
    expect(dialFailure({ status: 401, cause: 'auth-failed' }).reason).toBe('rejected');
    expect(dialFailure({ cause: 'transport', message: 'unroutable' })).toMatchObject({
      reason: 'network',
      message: 'unroutable',
    });
    expect(dialFailure({ status: 0 }).sipStatus).toBeUndefined();
  });
});
