/**
 * Numbers come from web forms and the API: whatever is typed, parsing returns a result (never
 * throws), and what it accepts is a canonical E.164 number that parses back to itself.
 */
import fc from 'fast-check';
import { parseExtension, parsePhone } from '../../src/domain/phone';
import { DestinationPolicy } from '../../src/domain/policy';

const typed = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[+0-9 ()\-.x#*,w;=tel:ext]{0,40}$/),
  fc
    .tuple(fc.constantFrom('+46', '0', '+44', '+1', '00', '+882', ''), fc.stringMatching(/^[0-9 -]{0,20}$/))
    .map(([a, b]) => a + b),
);
const countries = fc.constantFrom(undefined, 'SE', 'GB', 'US', 'DE', 'NO', 'XX', 'se', '');

describe('phone parsing under arbitrary input', () => {
  it('never throws; accepted numbers are canonical E.164 and stable', () => {
    fc.assert(
      fc.property(
        typed,
        countries,
        fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
        (input, country, ext) => {
          const r = parsePhone(input, { country, extension: ext });
          if (!r.ok) {
            expect(r.message.sv.length).toBeGreaterThan(0);
            expect(r.message.en.length).toBeGreaterThan(0);
            return;
          }
          expect(r.e164).toMatch(/^\+[1-9][0-9]{1,14}$/);
          const again = parsePhone(r.e164, {});
          expect(again.ok && again.e164).toBe(r.e164);
          if (r.extension !== null) expect(r.extension).toMatch(/^[0-9*#,w]{1,32}$/);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('extension validation never throws and only accepts the documented syntax', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const r = parseExtension(s);
        if (r.ok) expect(r.extension).toMatch(/^[0-9*#,w]*[0-9*#][0-9*#,w]*$/);
      }),
      { numRuns: 20_000 },
    );
  });

  it('the policy never allows a number type it blocks, whatever the input', () => {
    const policy = new DestinationPolicy({
      homeCountry: 'SE',
      allowedCountries: ['SE', 'GB', 'US'],
      blockedTypes: ['premium-rate', 'shared-cost', 'personal', 'uan', 'pager', 'unknown'],
      allowPrefixes: [],
      denyPrefixes: [],
      allowSipUriDial: false,
      internalRanges: [],
      rateLimits: {
        perUser: { max: 0, windowSeconds: 60 },
        perNumber: { max: 0, windowSeconds: 60 },
        globalConcurrent: 1,
        globalPerMinute: 1,
      },
    });
    fc.assert(
      fc.property(typed, countries, (input, country) => {
        const r = parsePhone(input, { country });
        if (!r.ok) return;
        const e = policy.evaluate({ kind: 'phone', phone: r });
        if (['premium-rate', 'shared-cost', 'personal', 'uan', 'pager', 'unknown'].includes(r.type))
          expect(e.allow).toBe(false);
        if (!['SE', 'GB', 'US'].includes(r.country ?? '')) expect(e.allow).toBe(false);
      }),
      { numRuns: 10_000 },
    );
  });
});
