import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scriptJsonSchemaText } from '../../src/ivr/json-schema';
import { validateScript } from '../../src/ivr/validate';
import { SCRIPTS_DIR } from './helpers';

const SHIPPED = ['office-phone-verify', 'pin-verify', 'random-digit', 'signin-approve', 'test-call'];

describe('shipped scripts', () => {
  it('are exactly the five default scripts', () => {
    const ids = readdirSync(SCRIPTS_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    expect(ids).toEqual(SHIPPED);
  });

  it.each(SHIPPED)('%s validates without errors or warnings and points editors at the schema', (id) => {
    const file = join(SCRIPTS_DIR, `${id}.yaml`);
    const text = readFileSync(file, 'utf8');
    const r = validateScript(text, file);
    expect(r.diagnostics).toEqual([]);
    expect(r.script?.id).toBe(id);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema.json');
    // Both shipped languages for every prompt.
    for (const loc of Object.values(r.script!.data.prompts))
      expect(Object.keys(loc).sort()).toEqual(['en-US', 'sv-SE']);
  });

  // Issue 15: an unquoted ` #` in a YAML scalar starts a comment, so the description was cut there.
  it.each(SHIPPED)('%s description is the whole line (a " #" inside is not cut off as a YAML comment)', (id) => {
    const file = join(SCRIPTS_DIR, `${id}.yaml`);
    const text = readFileSync(file, 'utf8');
    const raw = /^description: (.*)$/m.exec(text)![1]!;
    const unquoted = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    const r = validateScript(text, file);
    expect(r.script?.data.description).toBe(unquoted);
    expect(unquoted).toMatch(/\)$/);
  });

  it('ivr-scripts/schema.json is the one generated from the zod schema (run `fyrkant scripts schema`)', () => {
    expect(readFileSync(join(SCRIPTS_DIR, 'schema.json'), 'utf8')).toBe(scriptJsonSchemaText());
  });
});
