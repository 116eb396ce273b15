import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';
import { runCli } from '../support/cli';

// Each test spawns the CLI (a fresh Node process); on a busy 2-core machine that takes seconds.
jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fyrkant config check', () => {
  it('prints the effective config with secrets masked', async () => {
    const r = await runCli(['config', 'check'], {
      env: { FYRKANT_SIP__TRUNK__USERNAME: 'u', FYRKANT_SIP__TRUNK__PASSWORD: 'hunter2hunter2' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# configuration is valid');
    expect(r.stdout).toMatch(/password: "?\*{8}"?/);
    expect(r.stdout).not.toContain('hunter2');
  });

  it('a broken file fails with file, line and key path (exit 2)', async () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'http:\n  port: lots\nsip:\n  trunk:\n    uri: sip:pbx\n    passwrd: x\n');
    const r = await runCli(['config', 'check', f], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:2:9: http.port:');
    expect(r.stderr).toContain('bad.yaml:6:5: sip.trunk.passwrd: unknown key');
    expect(r.stderr).toContain('(got "lots")');
  });

  it('bad YAML fails with its line', async () => {
    const f = join(dir, 'broken.yaml');
    writeFileSync(f, 'companyName: "unterminated\n');
    const r = await runCli(['config', 'check', f], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+: invalid YAML: Missing closing "quote/);
  });

  it('prints a JSON Schema', async () => {
    const r = await runCli(['config', 'schema']);
    const schema = JSON.parse(r.stdout);
    expect(schema.properties.sip.properties.trunk.properties).toHaveProperty('password');
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('fyrkant db', () => {
  it('migrate applies the migrations once, status reports them', async () => {
    const env = { FYRKANT_DATABASE__PATH: join(dir, 'db', 'f.db') };
    const first = await runCli(['db', 'migrate'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/[1-9]\d* migration\(s\) applied/);
    const second = await runCli(['db', 'migrate'], { env });
    expect(second.stdout).toMatch(/: 0 migration\(s\) applied/);
    const status = await runCli(['db', 'status', '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ journalMode: 'wal', integrity: 'ok' });
  });
});

describe('--help everywhere', () => {
  it('every command and sub-command has a description and help text', () => {
    const seen: string[] = [];
    const walk = (cmd: Command, path: string[]) => {
      for (const sub of cmd.commands) {
        const p = [...path, sub.name()];
        seen.push(p.join(' '));
        expect(sub.description()).not.toBe('');
        expect(sub.helpInformation()).toMatch(new RegExp(`^Usage: fyrkant ${p.join(' ')}`));
        walk(sub, p);
      }
    };
    walk(buildProgram(), []);
    expect(seen).toEqual(
      expect.arrayContaining(['serve', 'config check', 'config schema', 'db migrate', 'db status', 'numbers parse']),
    );
  });

  it.each([[[]], [['numbers', 'parse']]])('fyrkant %j --help exits 0 with usage (child process)', async (args) => {
    const r = await runCli([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: fyrkant/);
  });
});
