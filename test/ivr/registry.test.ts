import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadAttempt, loadScripts, type ScriptRegistry } from '../../src/ivr/registry';
import type { LoadedScript } from '../../src/ivr/script';
import { SCRIPTS_DIR } from './helpers';

let dir: string;
let reg: ScriptRegistry | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-scripts-'));
  copyFileSync(join(SCRIPTS_DIR, 'office-phone-verify.yaml'), join(dir, 'office-phone-verify.yaml'));
  copyFileSync(join(SCRIPTS_DIR, 'test-call.yaml'), join(dir, 'test-call.yaml'));
});
afterEach(() => {
  reg?.close();
  rmSync(dir, { recursive: true, force: true });
});

const next = <K extends 'loaded' | 'refused' | 'removed'>(r: ScriptRegistry, event: K) =>
  new Promise<K extends 'loaded' ? LoadedScript : K extends 'refused' ? LoadAttempt : string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} event within 5 s`)), 5000);
    r.once(event, ((v: never) => {
      clearTimeout(t);
      resolve(v);
    }) as never);
  });

describe('script registry and hot reload', () => {
  it('loads a directory and records each load with the script id and content hash', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'prompts: {}\nsteps:\n  - hangupp\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a script');
    reg = await loadScripts(dir);
    expect(reg.ids()).toEqual(['office-phone-verify', 'test-call']);
    expect(reg.status('broken')).toMatchObject({ refused: true, latest: { accepted: false } });
    expect(reg.status('broken')!.active).toBeUndefined();
    expect(reg.status('broken')!.latest.diagnostics[0]).toMatchObject({ line: 3, column: 5 });
    expect(reg.attempts().map((a) => [a.id, a.accepted, a.hash.length])).toEqual([
      ['broken', false, 64],
      ['office-phone-verify', true, 64],
      ['test-call', true, 64],
    ]);
  });

  it('swaps in a valid change for new calls without a restart; a running call keeps its version', async () => {
    reg = await loadScripts(dir, { watch: true });
    const before = reg.get('office-phone-verify')!;
    const file = join(dir, 'office-phone-verify.yaml');
    const changed = readFileSync(file, 'utf8').replace(
      'Hej! Det här är ett verifieringssamtal',
      'Hallå! Det här är ett verifieringssamtal',
    );
    const loaded = next(reg, 'loaded');
    writeFileSync(file, changed);
    const after = await loaded;
    expect(after.hash).not.toBe(before.hash);
    expect(reg.get('office-phone-verify')).toBe(after);
    expect(after.data.prompts.greeting!['sv-SE']).toMatch(/^Hallå!/);
    // The object a call already holds is unchanged.
    expect(before.data.prompts.greeting!['sv-SE']).toMatch(/^Hej!/);
  });

  it('refuses an invalid change, keeps the last good version, and keeps the errors for the API/UI', async () => {
    const logs: string[] = [];
    reg = await loadScripts(dir, { watch: true, log: (level, message) => logs.push(`${level}: ${message}`) });
    const good = reg.get('office-phone-verify')!;
    const file = join(dir, 'office-phone-verify.yaml');
    const refused = next(reg, 'refused');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('  - id: success\n    play: success', '  - id: success\n    plya: success'),
    );
    const attempt = await refused;
    expect(reg.get('office-phone-verify')).toBe(good);
    expect(reg.status('office-phone-verify')).toMatchObject({ refused: true, active: good });
    expect(attempt.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', message: 'unknown verb "plya" (did you mean "play"?)', column: 5 }),
    ]);
    expect(logs.at(-1)).toMatch(
      /^warn: script office-phone-verify refused \(1 errors\); still running version [0-9a-f]{12}$/,
    );
    // Fixing it swaps the fixed version in.
    const loaded = next(reg, 'loaded');
    writeFileSync(
      file,
      readFileSync(join(SCRIPTS_DIR, 'office-phone-verify.yaml'), 'utf8').replace('tries: 3', 'tries: 2'),
    );
    const fixed = await loaded;
    expect(reg.status('office-phone-verify')).toMatchObject({ refused: false, active: fixed });
  });

  it('picks up new files and forgets deleted ones', async () => {
    reg = await loadScripts(dir, { watch: true });
    const loaded = next(reg, 'loaded');
    copyFileSync(join(SCRIPTS_DIR, 'random-digit.yaml'), join(dir, 'random-digit.yaml'));
    expect((await loaded).id).toBe('random-digit');
    const removed = next(reg, 'removed');
    unlinkSync(join(dir, 'test-call.yaml'));
    expect(await removed).toBe('test-call');
    expect(reg.ids()).toEqual(['office-phone-verify', 'random-digit']);
  });
});
