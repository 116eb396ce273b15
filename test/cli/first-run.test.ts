/**
 * Issue 18, "first run": what a newcomer sees in the terminal. `fyrkant serve` (a child process on the
 * defaults, free ports) prints one plain line on how to get the first admin key; `GET /` leads on;
 * a taken HTTP or SIP port ends start-up with one line naming the setting; a trunk that does not
 * answer is logged once with what to change; `fyrkant call` refusals exit 3 like `numbers parse`.
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, openStore } from '../../src/store';
import { runCli, spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { freePort } from '../support/ports';
import { serveEnv as siteEnv } from '../support/serve-env';
import { until } from '../support/until';

jest.setTimeout(60_000);

let dir: string;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fyrkant-first-run-'));
});
afterEach(async () => {
  if (child && child.exitCode === null && child.pid) {
    child.kill('SIGKILL');
    await waitForExit(child).catch(() => {});
  }
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Here the trunk is a free port nobody listens on. */
async function serveEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return siteEnv(dir, { FYRKANT_SIP__TRUNK__URI: `sip:127.0.0.1:${await freePort()}`, ...extra });
}

function collect(stream: NodeJS.ReadableStream | null | undefined): { text: () => string } {
  let text = '';
  stream?.on('data', (b: Buffer) => {
    text += b.toString('utf8');
  });
  return { text: () => text };
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of text.split('\n'))
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {}
  return out;
}

/**
 * How long `serve` may take to say it listens: the same deadline as every other test that starts it
 * (test/support/serve-site.ts). Not a measurement: with the suite's other processes on 2 cores
 * (load 15 in CI-like runs) start-up has taken more than the helper's 15 s default.
 */
const SERVE_START_MS = 60_000;

describe('fyrkant serve on a first run', () => {
  it('prints one plain line with the command for the first admin key and the URL; GET / leads on', async () => {
    child = spawnCli(['serve'], { env: await serveEnv() });
    const stderr = collect(child.stderr);
    const up = await waitForJsonLine<{ url: string }>(child, (o) => o.fyrkant === 'listening', SERVE_START_MS);
    await until(() => stderr.text().includes('\n'), 'the first-run line');
    const lines = stderr.text().split('\n').filter(Boolean);
    expect(lines).toEqual([
      `fyrkant: no admin key yet — create one with "fyrkant apikey create --name admin --scope admin", then open ${up.url}/admin/login and sign in with it`,
    ]);

    // GET / is a page that says where employees and admins go (in the browser's language).
    const home = await fetch(`${up.url}/`, { headers: { 'accept-language': 'sv-SE' } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('href="/me/security"');
    expect(html).toContain('href="/admin"');
    expect(html).toContain('<html lang="sv">');
    child.kill('SIGTERM');
    expect(await waitForExit(child)).toBe(0);
  });

  it('says nothing about keys once an admin key exists', async () => {
    const env = await serveEnv();
    const store = openStore({ path: env.FYRKANT_DATABASE__PATH! });
    createApiKey(store.db, { name: 'admin', scopes: ['admin'] });
    store.close();
    child = spawnCli(['serve'], { env });
    const stderr = collect(child.stderr);
    await waitForJsonLine(child, (o) => o.fyrkant === 'listening', SERVE_START_MS);
    child.kill('SIGTERM');
    expect(await waitForExit(child)).toBe(0);
    expect(stderr.text()).toBe('');
  });

  it('logs an unreachable trunk once, with the setting to change, and keeps idle jobs out of info', async () => {
    // Probe every second; T1 = 20 ms makes an unanswered OPTIONS give up after 1.3 s (64 × T1).
    child = spawnCli(['serve'], {
      env: await serveEnv({
        FYRKANT_JOBS__TRUNK_HEALTH_CRON: '* * * * * *',
        FYRKANT_SIP__TIMERS__T1_MS: '20',
        FYRKANT_SIP__TIMERS__T2_MS: '80',
        FYRKANT_LOG__LEVEL: 'debug',
      }),
    });
    const stdout = collect(child.stdout);
    await waitForJsonLine(child, (o) => o.fyrkant === 'listening', SERVE_START_MS);
    const trunkLines = () => jsonLines(stdout.text()).filter((l) => l.job === 'trunk-health');
    // Three failed probes in a row, at least (one error line, then repeats).
    await until(() => trunkLines().filter((l) => l.msg === 'job still failing').length >= 2, 'repeated probes', 20_000);
    const errors = trunkLines().filter((l) => (l.level as number) >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.err).toMatch(
      /trunk unreachable: the trunk sip:127\.0\.0\.1:\d+ does not answer SIP OPTIONS — set sip\.trunk\.uri \(FYRKANT_SIP__TRUNK__URI\)/,
    );
    // Idle runs (nothing to retry, nothing to expire) never reach info level.
    const idleInfo = jsonLines(stdout.text()).filter(
      (l) => l.component === 'jobs' && l.msg === 'job ran' && (l.level as number) >= 30,
    );
    expect(idleInfo).toEqual([]);
    child.kill('SIGTERM');
    expect(await waitForExit(child)).toBe(0);
  });
});

describe('a port already in use', () => {
  let tcp: Server | undefined;
  let udp: Socket | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
    await new Promise<void>((r) => (udp ? udp.close(() => r()) : r()));
    tcp = undefined;
    udp = undefined;
  });

  function expectOneLine(stderr: string, setting: string, env: string, port: number): void {
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port} is already in use`);
    expect(lines[0]).toContain(`change ${setting} in your site config or set ${env}=<free port>`);
    expect(stderr).not.toMatch(/^\s+at /m);
  }

  it('HTTP: one line naming http.port and FYRKANT_HTTP__PORT, exit 4, no stack trace', async () => {
    const port = await freePort();
    tcp = createServer();
    await new Promise<void>((r) => tcp!.listen(port, '127.0.0.1', () => r()));
    const r = await runCli(['serve'], { env: await serveEnv({ FYRKANT_HTTP__PORT: String(port) }) });
    expect(r.code).toBe(4);
    expectOneLine(r.stderr, 'http.port', 'FYRKANT_HTTP__PORT', port);
    expect(r.stderr).toMatch(/^fyrkant: the HTTP port/);
  });

  it('SIP: one line naming sip.port and FYRKANT_SIP__PORT, exit 4, no stack trace', async () => {
    const port = await freePort();
    udp = createSocket('udp4');
    await new Promise<void>((r) => udp!.bind(port, '127.0.0.1', () => r()));
    const r = await runCli(['serve'], { env: await serveEnv({ FYRKANT_SIP__PORT: String(port) }) });
    expect(r.code).toBe(4);
    expectOneLine(r.stderr, 'sip.port', 'FYRKANT_SIP__PORT', port);
    expect(r.stderr).toMatch(/^fyrkant: the SIP port/);
  });
});

describe('fyrkant call refusals', () => {
  it('a number the policy refuses exits 3 (like numbers parse), with what to do next', async () => {
    const r = await runCli(['call', '0939-123 456', '--country', 'SE', '--lang', 'en-US'], {
      env: { FYRKANT_DATABASE__PATH: join(dir, 'f.db'), FYRKANT_DATA_DIR: dir },
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('Outcome: policy-denied — Numbers of type premium rate may not be called.');
    const parse = await runCli(['numbers', 'parse', '0939-123 456', '--json']);
    expect(parse.code).toBe(3);
  });

  it('a sip: URI refusal names telephony.allowSipUriDial', async () => {
    const r = await runCli(['call', 'sip:1001@127.0.0.1:5099', '--json', '--lang', 'en-US'], {
      env: { FYRKANT_DATABASE__PATH: join(dir, 'f.db'), FYRKANT_DATA_DIR: dir },
    });
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout) as { outcome: string; reason: string };
    expect(json.outcome).toBe('policy-denied');
    expect(json.reason).toContain('set telephony.allowSipUriDial: true (FYRKANT_TELEPHONY__ALLOW_SIP_URI_DIAL=true)');
    const sv = await runCli(['call', 'sip:1001@127.0.0.1:5099', '--lang', 'sv-SE']);
    expect(sv.code).toBe(3);
    expect(sv.stdout).toContain('sätt telephony.allowSipUriDial: true');
  });
});
