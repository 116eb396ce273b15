/**
 * The "done when": an admin copies office-phone-verify.yaml, changes the Swedish greeting and
 * the number of tries, runs `fyrkant scripts check`, hears the new prompt with `fyrkant prompts play`,
 * and the next call uses it without a restart; a typo in a verb name is reported with line and column.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaveFile } from 'wavefile';
import { PromptLibrary } from '../../src/ivr/prompts/library';
import { loadScripts, type ScriptRegistry } from '../../src/ivr/registry';
import { runScript } from '../../src/ivr/session';
import { runCli } from '../support/cli';
import { afterPromptEnd, fakeCall, press } from '../support/fake-telephony';
import { requireTool } from '../support/tools';
import { SCRIPTS_DIR } from './helpers';

jest.setTimeout(60_000);
requireTool('espeak-ng', 'espeak-ng');

const NEW_GREETING = 'Välkommen! Det här är ett testsamtal från {company}. Tryck på fyrkant för att bekräfta.';

describe('done when: an admin customises a script without a restart', () => {
  let dir: string;
  let reg: ScriptRegistry | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fyrkant-admin-'));
  });
  afterAll(() => {
    reg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copy, edit greeting and tries, check, listen, next call uses it; a verb typo gets line and column', async () => {
    const scripts = join(dir, 'scripts');
    const cache = join(dir, 'cache');
    mkdirSync(scripts);
    const file = join(scripts, 'my-verify.yaml');
    copyFileSync(join(SCRIPTS_DIR, 'office-phone-verify.yaml'), file);

    // fyrkant is running: the registry watches the directory.
    reg = await loadScripts(scripts, { watch: true });
    const original = reg.get('my-verify')!;
    expect(original.steps.find((s) => s.id === 'ask')?.args).toMatchObject({ tries: 3 });

    // 1. Edit: a new Swedish greeting, two tries instead of three.
    const text = readFileSync(file, 'utf8');
    const edited = text
      .replace(/( {2}greeting:\n {4}sv-SE: )>-\n(?: {6}.*\n)+/, `$1${NEW_GREETING}\n`)
      .replaceAll('tries: 3', 'tries: 2');
    expect(edited).toContain(NEW_GREETING);
    const swapped = new Promise((resolve) => reg!.once('loaded', resolve));
    writeFileSync(file, edited);

    // 2. fyrkant scripts check
    const check = await runCli(['scripts', 'check', scripts]);
    expect(check.stdout).toMatch(/1 script\(s\) in .*: 1 ok; 0 error\(s\), 0 warning\(s\)/);
    expect(check.code).toBe(0);

    // 3. fyrkant prompts export greeting --lang sv-SE --out file.wav (real espeak-ng)
    const wav = join(dir, 'greeting.wav');
    const play = await runCli([
      'prompts',
      'export',
      'my-verify/greeting',
      '--lang',
      'sv-SE',
      '--out',
      wav,
      '--dir',
      scripts,
      '--cache',
      cache,
    ]);
    expect(play.stderr).toBe('');
    expect(play.stdout).toMatch(/wrote .*greeting\.wav \(my-verify\/greeting@sv-SE, 8 kHz mono\)/);
    const w = new WaveFile(readFileSync(wav));
    expect(w.fmt).toMatchObject({ numChannels: 1, sampleRate: 8000, bitsPerSample: 16 });

    // 4. The next call runs the new version: the new greeting, and only two tries.
    await swapped;
    const script = reg.get('my-verify')!;
    expect(script.hash).not.toBe(original.hash);
    const call = fakeCall({
      steps: [
        press('5#', afterPromptEnd('greeting'), 5, { gapMs: 5 }),
        press('5#', afterPromptEnd('retry'), 5, { gapMs: 5 }),
      ],
    });
    const out = await runScript({
      script,
      call,
      vars: { company: 'Example AB', language: 'sv-SE' },
      prompts: new PromptLibrary({ cacheDir: cache }),
      maxCallMs: 30_000,
    });
    expect(out).toMatchObject({ scriptId: 'my-verify', scriptHash: script.hash, result: 'denied' });
    expect(call.plays.map((p) => p.name)).toEqual([
      'my-verify/greeting@sv-SE',
      'my-verify/invalid@sv-SE',
      'my-verify/retry@sv-SE',
      'my-verify/goodbye@sv-SE',
    ]);
    // What the caller heard is exactly what `prompts export` wrote.
    expect(readFileSync(call.plays[0]!.path)).toEqual(readFileSync(wav));

    // 5. A typo in a verb name: reported with line and column; the running version stays.
    const lines = edited.split('\n');
    const at = lines.indexOf('    gather:');
    lines[at] = '    gahter:';
    const refused = new Promise((resolve) => reg!.once('refused', resolve));
    writeFileSync(file, lines.join('\n'));
    const bad = await runCli(['scripts', 'check', scripts]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      `my-verify.yaml:${at + 1}:5: error: unknown verb "gahter" (did you mean "gather"?) [at steps[2].gahter]`,
    );
    await refused;
    expect(reg.get('my-verify')).toBe(script);
  });
});
