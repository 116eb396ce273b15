/** The one classification of how a call ended, shared by the service and `fyrkant call`. */
import {
  classifyDialFailure,
  classifyRefusal,
  classifyScript,
  OUTCOME_OF_FAILURE,
  stopReasonOf,
} from '../../src/services/calls/outcome';
import { DialFailure } from '../../src/telephony/port';

describe('call outcome classification', () => {
  it('dial failures: the reason decides, our own stop wins', () => {
    expect(classifyDialFailure(new DialFailure('busy', '486', 486))).toEqual({
      outcome: 'busy',
      reasonCode: 'sip-486',
    });
    expect(classifyDialFailure(new DialFailure('timeout', 'Timer B'))).toEqual({
      outcome: 'no-answer',
      reasonCode: 'timeout',
    });
    expect(classifyDialFailure(new DialFailure('cancelled', '487', 487), 'shutdown')).toEqual({
      outcome: 'interrupted',
      reasonCode: 'shutdown',
    });
    expect(OUTCOME_OF_FAILURE.media).toBe('failed');
  });

  it('script results: one table (no result = no-input, aborted = cancelled)', () => {
    expect(classifyScript('pin-ok').outcome).toBe('approved');
    expect(classifyScript('no-result')).toEqual({ outcome: 'no-input', reasonCode: 'script-no-result' });
    expect(classifyScript('aborted').outcome).toBe('cancelled');
    expect(classifyScript('max-duration').outcome).toBe('timeout');
    expect(classifyScript('error')).toEqual({ outcome: 'failed', reasonCode: 'script-error' });
  });

  it("a stop overrides a missing answer, never the person's own answer", () => {
    expect(classifyScript('no-input', 'cancelled')).toEqual({ outcome: 'cancelled', reasonCode: 'cancelled' });
    expect(classifyScript('hangup', 'max-duration').outcome).toBe('timeout');
    expect(classifyScript('approved', 'shutdown').outcome).toBe('approved');
    expect(classifyScript('fraud', 'cancelled').outcome).toBe('fraud');
  });

  it('refusals and stop reasons', () => {
    expect(classifyRefusal('blocked', 'user-blocked')).toEqual({ outcome: 'blocked', reasonCode: 'user-blocked' });
    expect(classifyRefusal('rate-limit', 'rate-limit-user').outcome).toBe('rate-limited');
    const ac = new AbortController();
    expect(stopReasonOf(ac.signal)).toBeUndefined();
    ac.abort();
    expect(stopReasonOf(ac.signal)).toBe('cancelled');
    const sd = new AbortController();
    sd.abort('shutdown');
    expect(stopReasonOf(sd.signal)).toBe('shutdown');
  });
});
