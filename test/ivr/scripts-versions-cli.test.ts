/**
 * `fyrkant scripts export|import` (issue 15) on a real SQLite file: the shipped files become version 1,
 * export writes the running versions, import saves a changed file as a new version, leaves unchanged
 * ones alone and refuses a broken one with every problem (exit 1; the running version stays).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { SCRIPTS_DIR } from './helpers';

jest.setTimeout(60_000);

let dir: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-scripts-io-'));
  cpSync(SCRIPTS_DIR, join(dir, 'scripts'), { recursive: true });
  env = {
    FYRKANT_DATABASE__PATH: join(dir, 'fyrkant.db'),
    FYRKANT_IVR__SCRIPTS_DIR: join(dir, 'scripts'),
    FYRKANT_IVR__PROMPT_CACHE_DIR: join(dir, 'prompts'),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fyrkant scripts export / import', () => {
  it('exports the running versions, imports a change as a new version and refuses a broken file', async () => {
    const out = join(dir, 'out');
    const exported = await runCli(['scripts', 'export', '--out', out, '--json'], { env });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const ids = (JSON.parse(exported.stdout) as { scripts: string[] }).scripts;
    expect(ids).toEqual(expect.arrayContaining(['office-phone-verify', 'pin-verify', 'signin-approve']));
    const shipped = readFileSync(join(SCRIPTS_DIR, 'office-phone-verify.yaml'), 'utf8');
    expect(readFileSync(join(out, 'office-phone-verify.yaml'), 'utf8')).toBe(shipped);

    const changed = shipped.replace('Tack! Verifieringen är klar. Hej då.', 'Tack, nu är det klart. Hej då.');
    writeFileSync(join(out, 'office-phone-verify.yaml'), changed);
    writeFileSync(join(out, 'pin-verify.yaml'), 'prompts: {}\nsteps:\n  - paly: nothing\n');
    const imported = await runCli(['scripts', 'import', out, '--note', 'från filer'], { env });
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('office-phone-verify: saved as version 2\n');
    expect(imported.stdout).toContain('signin-approve: unchanged, version 1\n');
    expect(imported.stdout).toContain('pin-verify: refused, the running version stays\n');
    expect(imported.stdout).toContain('  pin-verify.yaml:3:5: error: unknown verb "paly" (Did you mean "play"?)\n');

    const again = join(dir, 'again');
    expect((await runCli(['scripts', 'export', '--out', again], { env })).code).toBe(0);
    expect(readFileSync(join(again, 'office-phone-verify.yaml'), 'utf8')).toBe(changed);
    expect(readFileSync(join(again, 'pin-verify.yaml'), 'utf8')).toBe(
      readFileSync(join(SCRIPTS_DIR, 'pin-verify.yaml'), 'utf8'),
    );
  });
});
