import { canTransition } from '../../src/domain/attempt-state';
import {
  CALL_OUTCOMES,
  meaningOfSipStatus,
  OUTCOME_OF_FAILURE,
  OUTCOME_REASONS,
  plainReason,
} from '../../src/domain/call-outcomes';

describe('SIP final responses → outcomes and plain words', () => {
  it.each([
    [404, 'not-found', 'not-found', 'The PBX says the number does not exist (404).'],
    [486, 'busy', 'busy', 'The line was busy (486 Busy Here).'],
    [480, 'no-answer', 'no-answer', 'The phone is not available right now (480).'],
    [487, 'cancelled', 'cancelled', 'The call was cancelled before anyone answered (487).'],
    [503, 'unavailable', 'unavailable', 'The PBX or trunk is unavailable (503).'],
    [603, 'rejected', 'rejected', 'The call was declined (603 Decline).'],
    [407, 'rejected', 'rejected', 'The trunk did not accept our credentials (407).'],
  ])('%i → %s', (status, outcome, failure, en) => {
    const m = meaningOfSipStatus(status);
    expect([m.outcome, m.failure, m.reason.en]).toEqual([outcome, failure, en]);
    expect(m.reason.sv).toMatch(new RegExp(`\\(${status}`));
  });

  it('falls back by class for statuses not in the table', () => {
    expect(meaningOfSipStatus(302).outcome).toBe('failed');
    expect(meaningOfSipStatus(420).outcome).toBe('rejected');
    expect(meaningOfSipStatus(599).outcome).toBe('unavailable');
    expect(meaningOfSipStatus(699).reason.en).toContain('699');
  });

  it('has sv and en words for every outcome and maps every dial failure', () => {
    for (const o of CALL_OUTCOMES) expect(OUTCOME_REASONS[o].sv && OUTCOME_REASONS[o].en).toBeTruthy();
    expect(OUTCOME_OF_FAILURE.timeout).toBe('no-answer');
    expect(plainReason('not-found', 404, 'sv')).toBe('PBX:n säger att numret inte finns (404).');
    expect(plainReason('approved', null, 'en')).toBe('Verified: # was pressed.');
  });
});

describe('attempt state machine', () => {
  it('moves forward only and never leaves ended', () => {
    expect(canTransition('queued', 'dialling')).toBe(true);
    expect(canTransition('queued', 'ended')).toBe(true);
    expect(canTransition('dialling', 'answered')).toBe(true);
    expect(canTransition('ringing', 'ringing')).toBe(true);
    expect(canTransition('answered', 'ringing')).toBe(false);
    expect(canTransition('ended', 'ended')).toBe(false);
  });
});
