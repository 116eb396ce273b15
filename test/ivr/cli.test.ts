import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { validateScript } from '../../src/ivr/validate';
import { runCli } from '../support/cli';
import { requireTool } from '../support/tools';
import { SCRIPTS_DIR } from './helpers';

jest.setTimeout(60_000);

describe('fyrkant scripts / prompts commands', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fyrkant-ivr-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scripts schema prints the committed schema.json', async () => {
    const r = await runCli(['scripts', 'schema', '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(SCRIPTS_DIR, 'schema.json'), 'utf8'));
  });

  it('scripts check --json lists every shipped script with its hash', async () => {
    const r = await runCli(['scripts', 'check', SCRIPTS_DIR, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { scripts: { id: string; ok: boolean; hash: string }[] };
    expect(report.scripts.map((s) => [s.id, s.ok])).toEqual([
      ['office-phone-verify', true],
      ['pin-verify', true],
      ['random-digit', true],
      ['signin-approve', true],
      ['test-call', true],
    ]);
  });

  it('prompts render renders a script with a new company name through espeak-ng into the cache', async () => {
    requireTool('espeak-ng', 'espeak-ng');
    const cache = join(dir, 'cache');
    const args = ['prompts', 'render', '--script', 'random-digit', '--lang', 'en-US', '--cache', cache];
    const r = await runCli([...args, '--company', 'Acme Inc']);
    expect(r.stderr).toBe('');
    // The greeting and fraud texts name the company, so those clips are new; the rest were shipped.
    expect(r.stdout).toMatch(/^\d+ clip\(s\) for 1 script\(s\): [1-9]\d* rendered, \d+ already cached$/m);
    expect(r.code).toBe(0);
    expect(readdirSync(cache).some((f) => /^tts-[0-9a-f]+\.wav$/.test(f))).toBe(true);
    const again = await runCli([...args, '--company', 'Acme Inc']);
    expect(again.stdout).toMatch(/: 0 rendered, \d+ already cached$/m);
  });

  it('prompts export names the script and key when the prompt does not exist', async () => {
    const r = await runCli([
      'prompts',
      'export',
      'office-phone-verify/nope',
      '--out',
      join(dir, 'x.wav'),
      '--lang',
      'sv-SE',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/script office-phone-verify has no prompt "nope"; it has: transfer, /);
  });

  it('the old name "prompts play" still works, says the new name, and is not in --help', async () => {
    const r = await runCli(['prompts', 'play', 'office-phone-verify/nope', '--out', join(dir, 'x.wav')]);
    expect(r.stderr).toBe('fyrkant: "prompts play" is now "prompts export" (it writes a WAV file)\n');
    expect(r.stdout).toMatch(/has no prompt "nope"/);
    const help = await runCli(['prompts', '--help']);
    expect(help.stdout).toMatch(/^\s+export \[options\] <id>/m);
    expect(help.stdout).not.toMatch(/^\s+play\b/m);
  });
});

describe('validator robustness', () => {
  it('never throws on arbitrary YAML data, and reports positions inside the file', () => {
    const lines = (t: string) => t.split('\n').length;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const text = stringify({ prompts: { a: { 'sv-SE': 'x', 'en-US': 'y' } }, steps: [value] });
        const r = validateScript(text, '/tmp/fuzz.yaml');
        for (const d of r.diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines(text));
        }
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        validateScript(text, '/tmp/fuzz.yaml');
      }),
      { numRuns: 1500 },
    );
  });
});
