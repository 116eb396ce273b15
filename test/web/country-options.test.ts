/** Issue 18: the country drop-down lists the allowed countries first (or only them); examples follow the country. */
import { listCountries } from '../../src/domain/phone/countries';
import { exampleNumber } from '../../src/domain/phone/examples';
import { countryOptions } from '../../src/web/country-options';
import { messages } from '../../src/web/i18n';
import { contactForm } from '../../src/web/pages/contact-form';

describe('country options', () => {
  const sv = listCountries('sv');

  it('allowed-first: the allowed countries in config order, then all others alphabetically', () => {
    const list = countryOptions(sv, { allowed: ['SE', 'NO'], mode: 'allowed-first' });
    expect(list.slice(0, 2).map((c) => [c.code, c.name, c.allowed])).toEqual([
      ['SE', 'Sverige', true],
      ['NO', 'Norge', true],
    ]);
    expect(list).toHaveLength(sv.length);
    const rest = list.slice(2);
    expect(rest.every((c) => !c.allowed)).toBe(true);
    expect(rest.map((c) => c.name)).toEqual([...rest.map((c) => c.name)].sort(new Intl.Collator('sv-SE').compare));
  });

  it('allowed-only: only them; all: alphabetical with nothing moved', () => {
    expect(countryOptions(sv, { allowed: ['SE', 'NO'], mode: 'allowed-only' }).map((c) => c.code)).toEqual([
      'SE',
      'NO',
    ]);
    expect(countryOptions(sv, { allowed: ['SE'], mode: 'all' }).map((c) => c.code)).toEqual(sv.map((c) => c.code));
  });

  it('each country carries an example number in its national format', () => {
    expect(exampleNumber('SE')).toBe('070-123 45 67');
    expect(exampleNumber('NO')).toBe('40 61 23 45');
    expect(exampleNumber('XX')).toBeUndefined();
  });

  it('the form groups allowed and other countries and shows the chosen country’s example', () => {
    const m = messages('sv');
    const form = contactForm({
      m,
      action: '/me/enroll',
      csrf: 't',
      countries: countryOptions(sv, { allowed: ['SE', 'NO'], mode: 'allowed-first' }),
      values: { kind: 'office', country: 'NO', number: '', extension: '' },
      errors: {},
      submitLabel: 'form.callMe',
    }).value;
    expect(form).toContain(
      '<optgroup label="Länder vi kan ringa till"><option value="SE" data-example="070-123 45 67">',
    );
    expect(form).toContain('<optgroup label="Övriga länder (fråga IT-avdelningen först)">');
    expect(form).toMatch(
      /<p class="hint" id="number-hint" data-template="Som du skulle slå det, till exempel \{example\}\.">Som du skulle slå det, till exempel 40 61 23 45\.<\/p>/,
    );
  });
});
