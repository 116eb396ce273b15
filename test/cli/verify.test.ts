import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../../src/app/app';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/log';
import { addPhoneMethod, createApiKey, createUser } from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { runCli } from '../support/cli';
import { afterPrompt, FakeTelephony, press } from '../support/fake-telephony';

jest.setTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), 'fyrkant-cli-verify-'));
let app: RunningApp;
let key: string;
const fake = new FakeTelephony();

beforeAll(async () => {
  const file = await writeCallConfig({
    dir,
    promptCacheDir: join(dir, 'prompts'),
    extra: { homeCountry: 'SE', http: { address: '127.0.0.1', port: 0 } },
  });
  // The server runs in this process with the scripted telephony port; the CLI is a real child process.
  app = await startApp(loadConfig({ file }).config, {
    logger: silentLogger(),
    backendFactories: { embedded: () => fake, drachtio: () => fake },
  });
  key = createApiKey(app.ctx.store.db, { name: 'cli', scopes: ['integration'] }).key;
  const u = createUser(app.ctx.store.db, { username: 'anna', language: 'en-US' });
  const m = addPhoneMethod(app.ctx.store.db, { userId: u.id, kind: 'office', country: 'SE', e164: '+46812345678' });
  app.ctx.store.sqlite.prepare('UPDATE phone_methods SET verified_at = 1, is_default = 1 WHERE id = ?').run(m.id);
});

afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fyrkant verify <username>', () => {
  it('calls through the running server, prints the live trace and exits 0 when approved', async () => {
    fake.enqueue({ steps: [press('#', afterPrompt('greeting'), 50)] });
    const r = await runCli(['verify', 'anna', '--url', app.url, '--key', key], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^attempt [0-9a-f-]{36}$/m);
    expect(r.stdout).toMatch(/state → dialling/);
    expect(r.stdout).toMatch(/^approved: /m);
    expect(fake.dials).toHaveLength(1);
  });

  it('exits 1 when the user does not approve, and names refusals', async () => {
    fake.enqueue({ steps: [press('0#', afterPrompt('greeting'), 50)] });
    const fraud = await runCli(['verify', 'anna', '--url', app.url, '--key', key, '--json'], { timeoutMs: 60_000 });
    expect(fraud.code).toBe(1);
    expect(JSON.parse(fraud.stdout)).toMatchObject({ outcome: 'fraud' });
    const unknown = await runCli(['verify', 'nobody', '--url', app.url, '--key', key]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/404: user not found/);
    const nokey = await runCli(['verify', 'anna', '--url', app.url]);
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toMatch(/API key/);
  });
});
