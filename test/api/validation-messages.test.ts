/**
 * Issue 18: every validation message a person reads is in plain Swedish and English, from one place
 * (`field-errors.ts`): never "Invalid format (regex)" or zod's type names. And a user's language must
 * be one of the configured `languages`, by every door (REST API here, CSV import below).
 */
import fc from 'fast-check';
import { DestinationPolicy } from '../../src/domain/policy';
import { zodFieldErrors } from '../../src/http/api/field-errors';
import { AddPhoneMethodBody, CreateUserBody, PatchPhoneMethodBody, PatchUserBody } from '../../src/http/api/schemas';
import { phonePort } from '../../src/services/adapters/phone-policy';
import { toImportRows, validateImport } from '../../src/services/users/import';
import { type ApiHarness, createApiHarness, testPolicyOptions } from '../support/api-harness';

/** Words that only show up when a machine's wording leaks through. */
const LEAKS = /regex|invalid_|expected (string|number)|\bundefined\b|\bNaN\b|format \(/i;
/** English words that have no business in a Swedish sentence. */
const ENGLISH = /\b(the|is|must|invalid|required|expected|characters|field|value|choose|give|not|only)\b/i;

function errorsOf(schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, body: unknown) {
  const r = schema.safeParse(body);
  if (r.success) return { sv: [], en: [] };
  // biome-ignore lint/suspicious/noExplicitAny: the zod error of any schema
  const err = r.error as any;
  return { sv: zodFieldErrors(err, body, 'sv'), en: zodFieldErrors(err, body, 'en') };
}

describe('validation messages', () => {
  it('say what is wrong in words, in sv and en', () => {
    const { sv, en } = errorsOf(CreateUserBody, { username: 'anna', language: 'svenska', extra: 1 });
    expect(en.map((e) => [e.field, e.message])).toEqual([
      ['language', 'Give a language such as sv-SE or en-US.'],
      ['extra', 'Unknown field: extra. Leave it out.'],
    ]);
    expect(sv.map((e) => e.message)).toEqual([
      'Ange ett språk som sv-SE eller en-US.',
      'Okänt fält: extra. Ta bort det.',
    ]);
    const phone = errorsOf(AddPhoneMethodBody, { kind: 'desk', country: 'Sverige', number: '', extension: '12a' });
    expect(phone.en.map((e) => e.message)).toEqual([
      'Choose one of: office, mobile, alternate.',
      'Choose a country or region (two letters, for example SE).',
      'Must not be empty.',
      'An extension may only contain digits, *, #, commas (1 s pause) and w (0.5 s pause).',
    ]);
    expect(phone.sv.map((e) => e.message)).toEqual([
      'Välj ett av: office, mobile, alternate.',
      'Välj ett land eller en region (två bokstäver, till exempel SE).',
      'Får inte vara tomt.',
      'En anknytning får bara innehålla siffror, *, #, komma (1 s paus) och w (0,5 s paus).',
    ]);
    expect(errorsOf(CreateUserBody, {}).en.map((e) => e.message)).toEqual(['This is required.']);
    expect(errorsOf(CreateUserBody, { username: 7 }).sv.map((e) => e.message)).toEqual(['Ska vara text.']);
  });

  it('never leak machine wording, and the Swedish has no English words, for any body', () => {
    const schemas = [CreateUserBody, PatchUserBody, AddPhoneMethodBody, PatchPhoneMethodBody];
    const value = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant('x'.repeat(500)),
    );
    const body = fc.dictionary(
      fc.constantFrom(
        'username',
        'displayName',
        'language',
        'kind',
        'country',
        'number',
        'extension',
        'pin',
        'upn',
        'isDefault',
        'zzz',
      ),
      value,
    );
    fc.assert(
      fc.property(fc.constantFrom(...schemas), body, (schema, b) => {
        const { sv, en } = errorsOf(schema, b);
        for (const e of [...sv, ...en]) expect(e.message).not.toMatch(LEAKS);
        for (const e of sv) expect(e.message).not.toMatch(ENGLISH);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a user language must be a configured one', () => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await createApiHarness({ languages: ['sv-SE', 'en-US'] });
  });
  afterEach(async () => {
    await h.close();
  });

  it('REST API: 422 naming the configured languages; the configured spelling is stored', async () => {
    const bad = await h.req('POST', '/api/v1/users', { username: 'pierre', language: 'fr-FR' }, { lang: 'sv-SE' });
    expect(bad.status).toBe(422);
    expect(bad.body.fields).toEqual([
      expect.objectContaining({
        field: 'language',
        code: 'language-not-configured',
        message:
          'Språket ”fr-FR” används inte här. Välj ett av: sv-SE – svenska (Sverige), en-US – amerikansk engelska.',
      }),
    ]);
    const ok = await h.req('POST', '/api/v1/users', { username: 'anna', language: 'SV-se' });
    expect(ok.status).toBe(201);
    expect(ok.body.language).toBe('sv-SE');
    const patch = await h.req('PATCH', `/api/v1/users/${ok.body.id}`, { language: 'en-GB' });
    expect(patch.status).toBe(422);
    expect(patch.body.fields[0].message).toMatch(/^The language "en-GB" is not used here\. Choose one of: sv-SE/);
  });

  it('CSV import: a row with another language is reported by line', () => {
    const rows = toImportRows([
      { line: 1, fields: ['username', 'display name', 'language'] },
      { line: 2, fields: ['anna', 'Anna', 'sv-SE'] },
      { line: 3, fields: ['pierre', 'Pierre', 'fr-FR'] },
    ]);
    const { valid, problems } = validateImport(h.store, phonePort(new DestinationPolicy(testPolicyOptions())), rows, {
      language: 'sv-SE',
      country: 'SE',
      languages: ['sv-SE', 'en-US'],
    });
    expect(valid.map((v) => v.username)).toEqual(['anna']);
    expect(problems).toEqual([
      expect.objectContaining({
        line: 3,
        field: 'language',
        message: expect.stringMatching(/"fr-FR" is not used here/),
      }),
    ]);
  });
});
