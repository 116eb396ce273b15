import { dialPlanOptions, policyOptions, trunkHost } from '../../src/app/domain-options';
import { type DeepPartial, loadConfig } from '../../src/config';
import type { Config } from '../../src/config/schema';
import { planDial } from '../../src/domain/dialplan';
import { parsePhone } from '../../src/domain/phone';
import { type Destination, DestinationPolicy, RateLimiter } from '../../src/domain/policy';

function config(overrides: DeepPartial<Config> = {}): Config {
  return loadConfig({ env: {}, overrides }).config;
}

function phone(input: string, country = 'SE', extension?: string) {
  const r = parsePhone(input, { country, extension });
  if (!r.ok) throw new Error(`${input}: ${r.code}`);
  return r;
}

const dest = (input: string, country = 'SE'): Destination => ({ kind: 'phone', phone: phone(input, country) });

describe('dial plan', () => {
  const trunk = { sip: { trunk: { uri: 'sip:pbx.example.com:5060;transport=udp' } } };

  it('finds the trunk host for {host}', () => {
    expect(trunkHost(config(trunk))).toBe('pbx.example.com:5060');
    expect(trunkHost(config({ sip: { trunk: { uri: 'sip:pbx.example.com', domain: 'example.com' } } }))).toBe(
      'example.com',
    );
    expect(trunkHost(config())).toBe('127.0.0.1:5080'); // the default: a PBX on this machine
    expect(trunkHost(config({ sip: { trunk: { uri: null } } }))).toBeNull();
  });

  it('E.164 with + by default, extension as post-answer DTMF with delays', () => {
    const plan = planDial(phone('08-123 456 78', 'SE', '12'), dialPlanOptions(config(trunk)));
    expect(plan).toEqual({
      ok: true,
      route: 'trunk',
      requestUri: 'sip:+46812345678@pbx.example.com:5060;user=phone',
      postAnswer: { digits: '12', preDelayMs: 2000, postDelayMs: 1500 },
    });
  });

  it('national with an outside-line prefix through a template', () => {
    const c = config({ ...trunk, dialPlan: { requestUri: 'sip:{prefix}{national}@{host}', outsideLinePrefix: '0' } });
    const plan = planDial(phone('+46 8 123 456 78'), dialPlanOptions(c));
    expect(plan).toMatchObject({ ok: true, requestUri: 'sip:00812345678@pbx.example.com:5060', postAnswer: null });
  });

  it('numbers inside internal DID ranges are dialled directly as the extension, no DTMF', () => {
    const c = config({
      ...trunk,
      dialPlan: {
        internalRanges: [
          { from: '+46812345000', to: '+46812345999', extensionDigits: 3, requestUri: 'sip:{ext}@10.0.0.5' },
        ],
      },
    });
    const opts = dialPlanOptions(c);
    expect(planDial(phone('08-123 450 42'), opts)).toMatchObject({
      route: 'internal',
      requestUri: 'sip:042@10.0.0.5',
      postAnswer: null,
    });
    // the switchboard number with a typed extension: the extension is the phone
    expect(planDial(phone('08-123 450 00', 'SE', '4711'), opts)).toMatchObject({
      route: 'internal',
      requestUri: 'sip:4711@10.0.0.5',
    });
    // just outside the range goes to the trunk
    expect(planDial(phone('08-123 460 00'), opts)).toMatchObject({ route: 'trunk' });
  });

  it('says so when {host} is needed but no trunk is configured', () => {
    expect(planDial(phone('08-123 456 78'), dialPlanOptions(config({ sip: { trunk: { uri: null } } })))).toMatchObject({
      ok: false,
      code: 'no-trunk',
    });
  });
});

describe('destination policy (static rules)', () => {
  const policy = (o: DeepPartial<Config> = {}) => new DestinationPolicy(policyOptions(config(o)));

  it.each([
    ['0939-123 456', 'SE'],
    ['0900-123 45 67', 'SE'],
    ['0944-123 456', 'SE'],
    ['0771-123 456', 'SE'],
    ['075-123 45 67', 'SE'],
  ])('refuses the Swedish premium/shared-cost/personal number %s', (n, c) => {
    expect(policy().evaluate(dest(n, c))).toMatchObject({ allow: false, reason: 'blocked-number-type' });
  });

  it('allows Swedish fixed lines and mobiles on the defaults', () => {
    expect(policy().evaluate(dest('08-123 456 78'))).toMatchObject({
      allow: true,
      reason: 'allowed',
      destination: '+46812345678',
    });
    expect(policy().evaluate(dest('070-123 45 67'))).toMatchObject({ allow: true });
  });

  it('allows only the home country by default; UK premium stays blocked when GB is allowed', () => {
    expect(policy().evaluate(dest('020 7946 0000', 'GB'))).toMatchObject({
      allow: false,
      reason: 'country-not-allowed',
    });
    const p = policy({ policy: { allowedCountries: ['SE', 'GB'] } });
    expect(p.evaluate(dest('020 7946 0000', 'GB'))).toMatchObject({ allow: true });
    expect(p.evaluate(dest('09065 123456', 'GB'))).toMatchObject({ allow: false, reason: 'blocked-number-type' });
    expect(p.evaluate(dest('0909 879 0000', 'GB'))).toMatchObject({ allow: false, reason: 'blocked-number-type' });
  });

  it('deny prefixes win over allow prefixes; allow prefixes override type and country', () => {
    const p = policy({ policy: { allowPrefixes: ['+46939', '+4420'], denyPrefixes: ['+469391'] } });
    expect(p.evaluate(dest('0939-223 456'))).toMatchObject({ allow: true, reason: 'allowed-prefix' });
    expect(p.evaluate(dest('0939-123 456'))).toMatchObject({ allow: false, reason: 'denied-prefix' });
    expect(p.evaluate(dest('020 7946 0000', 'GB'))).toMatchObject({ allow: true, reason: 'allowed-prefix' });
    expect(policy({ policy: { denyPrefixes: ['+468'] } }).evaluate(dest('08-123 456 78'))).toMatchObject({
      allow: false,
      reason: 'denied-prefix',
    });
  });

  it('SIP URIs only when allowSipUriDial', () => {
    const uri: Destination = { kind: 'sip-uri', uri: 'sip:1001@127.0.0.1:5062' };
    expect(policy().evaluate(uri)).toMatchObject({ allow: false, reason: 'sip-uri-not-allowed' });
    expect(policy({ telephony: { allowSipUriDial: true } }).evaluate(uri)).toMatchObject({
      allow: true,
      reason: 'sip-uri-allowed',
    });
  });

  it('explains the denial in sv and en', () => {
    const e = policy().evaluate(dest('0939-123 456'));
    expect(e.message.en).toBe('Numbers of type premium rate may not be called. Give your office or mobile number.');
    expect(e.message.sv).toBe('Nummer av typen betalnummer får inte ringas. Ange ditt kontors- eller mobilnummer.');
    // What to do next: which countries are allowed, and whom to ask.
    expect(policy().evaluate(dest('020 7946 0000', 'GB')).message).toEqual({
      sv: 'Samtal till Storbritannien (GB) är inte tillåtna. Bara samtal till Sverige är tillåtna — fråga IT-avdelningen om du behöver ett annat land.',
      en: 'Calls to United Kingdom (GB) are not allowed. Only calls to Sweden are allowed — ask your IT department if you need another country.',
    });
    expect(
      policy({ policy: { allowedCountries: ['SE', 'NO'] } }).evaluate(dest('020 7946 0000', 'GB')).message.en,
    ).toContain('Only calls to Sweden or Norway are allowed');
    // A sip: refusal names the setting that turns it on.
    expect(policy().evaluate({ kind: 'sip-uri', uri: 'sip:1@127.0.0.1' }).message.en).toContain(
      'telephony.allowSipUriDial',
    );
  });
});

describe('rate limits', () => {
  function limited(o: DeepPartial<Config['policy']['rateLimits']>, clock: () => number) {
    return new DestinationPolicy(policyOptions(config({ policy: { rateLimits: o } })), { clock });
  }

  it('per user in a sliding window, with retry-after', () => {
    let now = 1_000_000;
    const p = limited({ perUser: { max: 2, windowSeconds: 60 } }, () => now);
    const a = p.authorize(dest('08-123 456 78'), { userId: 'u1' });
    now += 1000;
    const b = p.authorize(dest('08-123 456 79'), { userId: 'u1' });
    now += 1000;
    const c = p.authorize(dest('08-123 456 70'), { userId: 'u1' });
    expect([a.allow, b.allow, c.allow]).toEqual([true, true, false]);
    expect(c).toMatchObject({ reason: 'rate-limit-user', retryAfterMs: 58_000 });
    expect(p.authorize(dest('08-123 456 70'), { userId: 'u2' }).allow).toBe(true);
    now += 58_000;
    expect(p.authorize(dest('08-123 456 70'), { userId: 'u1' }).allow).toBe(true);
  });

  it('per number across users', () => {
    const p = limited({ perNumber: { max: 1, windowSeconds: 60 } }, () => 0);
    expect(p.authorize(dest('08-123 456 78'), { userId: 'a' }).allow).toBe(true);
    expect(p.authorize(dest('+46812345678'), { userId: 'b' })).toMatchObject({
      allow: false,
      reason: 'rate-limit-number',
    });
  });

  it('global concurrent calls are counted by acquire/release of leases', () => {
    const p = limited({ globalConcurrent: 2 }, () => 0);
    const a = p.authorize(dest('08-123 456 71'));
    const b = p.authorize(dest('08-123 456 72'));
    expect(p.activeCalls).toBe(2);
    expect(p.authorize(dest('08-123 456 73'))).toMatchObject({ allow: false, reason: 'rate-limit-concurrent' });
    if (!a.allow || !b.allow) throw new Error('expected allows');
    expect(p.isAuthorized(a.id)).toBe(true);
    a.lease.release();
    a.lease.release(); // idempotent
    expect(p.isAuthorized(a.id)).toBe(false);
    expect(p.activeCalls).toBe(1);
    expect(p.authorize(dest('08-123 456 73')).allow).toBe(true);
  });

  it('a per-node concurrent limit below the global one denies with its own reason and texts', () => {
    const p = limited({ globalConcurrent: 5, perNodeConcurrent: 1 }, () => 0);
    const a = p.authorize(dest('08-123 456 71'));
    const b = p.authorize(dest('08-123 456 72'));
    expect(b).toMatchObject({ allow: false, reason: 'rate-limit-node-concurrent', retryAfterMs: 1000 });
    if (b.allow) throw new Error('expected a denial');
    expect(b.message.sv).toMatch(/servern har så många samtal/);
    expect(b.message.en).toMatch(/This server is placing as many calls as it may/);
    if (!a.allow) throw new Error('expected an allow');
    a.lease.release();
    expect(p.authorize(dest('08-123 456 72')).allow).toBe(true);
  });

  it('counts in the ledger it is given, not a private one', () => {
    const ledger = new RateLimiter({
      perUser: { max: 0, windowSeconds: 60 },
      perNumber: { max: 0, windowSeconds: 60 },
      globalConcurrent: 1,
      globalPerMinute: 0,
    });
    const options = policyOptions(config({}));
    const one = new DestinationPolicy(options, { ledger });
    const two = new DestinationPolicy(options, { ledger });
    expect(one.authorize(dest('08-123 456 71')).allow).toBe(true);
    expect(two.authorize(dest('08-123 456 72'))).toMatchObject({ allow: false, reason: 'rate-limit-concurrent' });
    expect([one.activeCalls, two.activeCalls, ledger.active]).toEqual([1, 1, 1]);
  });

  it('global calls per minute', () => {
    let now = 0;
    const p = limited({ globalPerMinute: 3, perNumber: { max: 0, windowSeconds: 60 } }, () => now);
    for (let i = 0; i < 3; i++) {
      const d = p.authorize(dest('08-123 456 78'));
      if (d.allow) d.lease.release();
    }
    expect(p.authorize(dest('08-123 456 78'))).toMatchObject({ allow: false, reason: 'rate-limit-global' });
    now += 60_000;
    expect(p.authorize(dest('08-123 456 78')).allow).toBe(true);
  });

  it('a static denial never consumes rate-limit budget', () => {
    const p = limited({ perUser: { max: 1, windowSeconds: 60 } }, () => 0);
    for (let i = 0; i < 5; i++)
      expect(p.authorize(dest('0939-123 456'), { userId: 'u' }).reason).toBe('blocked-number-type');
    expect(p.authorize(dest('08-123 456 78'), { userId: 'u' }).allow).toBe(true);
  });

  it('forgets users and numbers whose windows have passed (no unbounded growth)', () => {
    const l = new RateLimiter({
      perUser: { max: 5, windowSeconds: 60 },
      perNumber: { max: 5, windowSeconds: 60 },
      globalConcurrent: 5,
      globalPerMinute: 0,
    });
    for (let i = 0; i < 500; i++) {
      const got = l.acquire({ userId: `u${i}`, number: `+4681234${i}` }, 1000 + i);
      if (got.ok) got.lease.release();
    }
    expect(l.tracked).toEqual({ users: 500, numbers: 500 });
    l.acquire({ userId: 'late', number: '+46700000000' }, 10 * 60_000);
    expect(l.tracked).toEqual({ users: 1, numbers: 1 });
  });

  it('the limiter prunes old windows', () => {
    const l = new RateLimiter({
      perUser: { max: 1, windowSeconds: 1 },
      perNumber: { max: 1, windowSeconds: 1 },
      globalConcurrent: 5,
      globalPerMinute: 100,
    });
    expect(l.acquire({ userId: 'x', number: '+1' }, 0).ok).toBe(true);
    expect(l.acquire({ userId: 'x', number: '+2' }, 500).ok).toBe(false);
    l.prune(120_000);
    expect(l.acquire({ userId: 'x', number: '+1' }, 120_000).ok).toBe(true);
  });
});
