import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findApiKey, getUserByUsername, listAudit, listPhoneMethods, openStore } from '../../src/store';
import { runCli } from '../support/cli';

// Each step is a CLI child process; on a loaded 2-core machine one can take many seconds to start.
jest.setTimeout(240_000);

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-cli-users-'));
  env = { FYRKANT_DATABASE__PATH: join(dir, 'f.db'), FYRKANT_DATA_DIR: dir };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fyrkant users import', () => {
  it('reports every bad row with its line and imports the rest in one go', async () => {
    const csv = [
      'username,display name,language,office number,extension,country',
      'anna,Anna Andersson,sv-SE,08-123 456 78,1234,SE',
      '"bo","Berg, Bo",en-US,+46 8 765 432 10,,',
      'cia,Cia,sv-SE,0939-123456,,SE',
      ',No Name,sv-SE,08-123 456 79,,SE',
      'anna,Anna Again,sv-SE,,,',
      'dan,Dan,svenska,08-123 456 70,12a,SE',
      '"eva","Eva ""E"" Ek',
      'multi-line name",sv-SE,,,',
      // Issue 13: the username rule of the API and web UI — NFKC (full-width folds), one script.
      'ｆｉａ,Fia,sv-SE,,,',
      'p\u0430ypal,Pay Pal,sv-SE,,,',
    ].join('\n');
    const file = join(dir, 'users.csv');
    writeFileSync(file, csv);
    const r = await runCli(['users', 'import', file], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}:4: office number:`);
    expect(r.stdout).toMatch(/:4: office number: .*blocked-number-type/);
    expect(r.stdout).toContain(`${file}:5: username: username is empty`);
    expect(r.stdout).toContain(`${file}:6: username: username "anna" is also on line 2`);
    expect(r.stdout).toMatch(/:7: language: "svenska" is not a language tag/);
    expect(r.stdout).toMatch(/:7: extension: /);
    // A quoted multi-line field parses, but a line break is a control character in a display name.
    expect(r.stdout).toContain(
      `${file}:8: display name: The display name contains a control character (U+000A). Type it again instead of pasting it. ("Eva \\"E\\" Ek\\nmulti-line name")`,
    );
    expect(r.stdout).toMatch(/:11: username: The username mixes scripts \(Latin, Cyrillic\)/);
    expect(r.stdout).toContain('9 rows: 3 valid, 6 with problems, 3 imported');
    expect(r.stderr).toMatch(/importing .*3\/3 users/);
    const store = openStore({ path: env.FYRKANT_DATABASE__PATH! });
    try {
      const anna = getUserByUsername(store.db, 'anna')!;
      expect(anna.displayName).toBe('Anna Andersson');
      expect(listPhoneMethods(store.db, anna.id)).toMatchObject([
        { e164: '+46812345678', extension: '1234', kind: 'office', verifiedAt: null },
      ]);
      expect(getUserByUsername(store.db, 'bo')!.displayName).toBe('Berg, Bo');
      expect(getUserByUsername(store.db, 'eva')).toBeUndefined();
      expect(getUserByUsername(store.db, 'fia')!.username).toBe('fia');
      expect(getUserByUsername(store.db, 'cia')).toBeUndefined();
      expect(listAudit(store.db, { action: 'user.import' })[0]!.detail).toEqual({ imported: 3 });
    } finally {
      store.close();
    }
    // Importing the same file again: every row now collides, nothing is written.
    const again = await runCli(['users', 'import', file, '--json'], { env });
    const json = JSON.parse(again.stdout);
    expect(json).toMatchObject({ rows: 9, imported: 0 });
  });

  it('--dry-run validates only', async () => {
    const file = join(dir, 'u.csv');
    writeFileSync(file, 'fia;Fia;sv-SE;08-123 456 78;;SE\n');
    const r = await runCli(['users', 'import', file, '--dry-run', '--json'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 1, valid: 1, imported: 0, dryRun: true });
  });
});

describe('fyrkant apikey', () => {
  it('create shows the key once, list never shows it, revoke stops it working', async () => {
    const c = await runCli(
      ['apikey', 'create', '--name', 'idp', '--scope', 'admin', '--webhook', 'https://idp.example/hook', '--json'],
      { env },
    );
    expect(c.code).toBe(0);
    const created = JSON.parse(c.stdout);
    expect(created.key).toMatch(/^fyk_[a-z0-9]{8}_/);
    expect(created.webhookSecret).toMatch(/^whsec_/);
    const list = await runCli(['apikey', 'list', '--json'], { env });
    expect(list.stdout).not.toContain(created.key);
    expect(list.stdout).not.toContain(created.webhookSecret);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { name: 'idp', scopes: ['admin'], prefix: created.prefix, revokedAt: null },
    ]);
    let store = openStore({ path: env.FYRKANT_DATABASE__PATH! });
    expect(findApiKey(store.db, created.key)?.id).toBe(created.id);
    store.close();
    const rev = await runCli(['apikey', 'revoke', 'idp'], { env });
    expect(rev.code).toBe(0);
    store = openStore({ path: env.FYRKANT_DATABASE__PATH! });
    try {
      expect(findApiKey(store.db, created.key)).toBeUndefined();
      expect(listAudit(store.db).map((a) => a.action)).toEqual(
        expect.arrayContaining(['apikey.create', 'apikey.revoke']),
      );
    } finally {
      store.close();
    }
    expect((await runCli(['apikey', 'revoke', 'nobody'], { env })).code).toBe(1);
    expect((await runCli(['apikey', 'create', '--name', 'x', '--scope', 'root'], { env })).code).not.toBe(0);
  });
});
