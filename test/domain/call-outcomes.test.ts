import { canTransition } from '../../src/domain/attempt-state';
import { CALL_OUTCOMES, OUTCOME_REASONS, plainReason, sipStatusText } from '../../src/domain/call-outcomes';

describe('SIP final responses in plain words', () => {
  it.each([
    [404, 'The PBX says the number does not exist (404).'],
    [486, 'The line was busy (486 Busy Here).'],
    [480, 'The phone is not available right now (480).'],
    [487, 'The call was cancelled before anyone answered (487).'],
    [503, 'The PBX or trunk is unavailable (503).'],
    [603, 'The call was declined (603 Decline).'],
    [407, 'The trunk did not accept our credentials (407).'],
  ])('%i', (status, en) => {
    const t = sipStatusText(status);
    expect(t.en).toBe(en);
    expect(t.sv).toMatch(new RegExp(`\\(${status}`));
  });

  it('falls back by class for statuses not in the table', () => {
    expect(sipStatusText(302).en).toContain('redirect');
    expect(sipStatusText(420).en).toBe('The PBX rejected the call (420).');
    expect(sipStatusText(599).en).toContain('599');
    expect(sipStatusText(699).en).toContain('699');
  });

  it('has sv and en words for every outcome; the status explains only outcomes it can cause', () => {
    for (const o of CALL_OUTCOMES) expect(OUTCOME_REASONS[o].sv && OUTCOME_REASONS[o].en).toBeTruthy();
    expect(plainReason('not-found', 404, 'sv')).toBe('PBX:n säger att numret inte finns (404).');
    expect(plainReason('approved', 200, 'en')).toBe('Verified: # was pressed.');
    expect(plainReason('approved', null, 'en')).toBe('Verified: # was pressed.');
    // Our CANCEL after the ring timeout is answered 487: "no one answered" says what happened.
    expect(plainReason('no-answer', 487, 'en')).toBe('No one answered.');
    expect(plainReason('blocked', null, 'en')).toMatch(/blocked/);
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
