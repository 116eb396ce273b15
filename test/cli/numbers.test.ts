import { runCli } from '../support/cli';

// Each test spawns the CLI (a fresh Node process); on a busy 2-core machine that takes seconds.
jest.setTimeout(120_000);

describe('fyrkant numbers parse', () => {
  it('08-123 456 78 ext 12 --country SE --json: E.164, extension, fixed line, allow, dial plan', async () => {
    const r = await runCli(['numbers', 'parse', '08-123 456 78 ext 12', '--country', 'SE', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      e164: '+46812345678',
      extension: '12',
      type: 'fixed-line',
      country: 'SE',
      policy: { decision: 'allow', allow: true, reason: 'allowed' },
      dialPlan: {
        ok: true,
        route: 'trunk',
        requestUri: 'sip:+46812345678@127.0.0.1:5080;user=phone',
        postAnswer: { digits: '12', preDelayMs: 2000, postDelayMs: 1500 },
      },
    });
  });

  it('a Swedish 0939 number is denied with a reason code (exit 3)', async () => {
    const r = await runCli(['numbers', 'parse', '0939-123 456', '--country', 'SE', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({
      e164: '+46939123456',
      type: 'premium-rate',
      policy: { decision: 'deny', allow: false, reason: 'blocked-number-type' },
    });
  });

  it('prints a readable summary, and honours the dial plan from a site config', async () => {
    const r = await runCli(['numbers', 'parse', '+46 8 123 456 78', '--ext', '9,1234', '--lang', 'en'], {
      env: {
        FYRKANT_DIAL_PLAN__REQUEST_URI: 'sip:{prefix}{national}@{host}',
        FYRKANT_DIAL_PLAN__OUTSIDE_LINE_PREFIX: '0',
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('E.164        +46812345678');
    expect(r.stdout).toContain('Type         fixed line (fixed-line)');
    expect(r.stdout).toContain('Policy       ALLOW (allowed)');
    expect(r.stdout).toContain('INVITE sip:00812345678@127.0.0.1:5080');
    expect(r.stdout).toContain('send DTMF "9,1234"');
  });

  it('an invalid number exits 1 with the reason in the chosen language', async () => {
    const r = await runCli(['numbers', 'parse', '08-12', '--lang', 'sv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/för kort.*Sverige.*\(too-short\)/);
    const j = await runCli(['numbers', 'parse', 'anna', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'not-a-number', field: 'number' } });
  });

  it('a sip: URI is refused unless allowSipUriDial', async () => {
    const denied = await runCli(['numbers', 'parse', 'sip:1001@127.0.0.1', '--json']);
    expect(denied.code).toBe(3);
    expect(JSON.parse(denied.stdout).policy.reason).toBe('sip-uri-not-allowed');
    const allowed = await runCli(['numbers', 'parse', 'sip:1001@127.0.0.1', '--json'], {
      env: { FYRKANT_TELEPHONY__ALLOW_SIP_URI_DIAL: 'true' },
    });
    expect(allowed.code).toBe(0);
  });

  it('lists countries with calling codes', async () => {
    const r = await runCli(['numbers', 'countries', '--lang', 'sv', '--json']);
    expect(JSON.parse(r.stdout)).toContainEqual({ code: 'SE', name: 'Sverige', callingCode: '46' });
  });
});
