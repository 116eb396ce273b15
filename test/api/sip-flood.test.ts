/**
 * Issue 13 against the real process: `fyrkant serve` (embedded SIP + HTTP API) as a child, flooded
 * the way the attacker did, in bounded loops:
 *  - thousands of TCP connections from 40 loopback addresses: the SIP stack holds at most
 *    `sip.limits.maxTcpConnections`, closes silent ones after `tcpFirstMessageMs`, and the HTTP API
 *    keeps answering throughout (it used to run out of file descriptors);
 *  - in-dialog INFO over TCP with 60 KB bodies (dropped by `maxRequestBytes`) and 12 KB bodies (cut by
 *    the per-source in-dialog rate limit): RSS grows by less than 64 MB (it used to reach 2.66 GB).
 * Counters are read from /metrics (`fyrkant_sip_stack{counter=…}`), RSS and fds from /proc.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, openStore } from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { spawnCli, waitForExit, waitForJsonLine } from '../support/cli';
import { freePort } from '../support/ports';
import { until } from '../support/until';

jest.setTimeout(240_000);

const MAX_TCP = 100;
const PER_SOURCE = 20;
const dir = mkdtempSync(join(tmpdir(), 'fyrkant-sip-flood-'));
let server: ChildProcess;
let base: string;
let key: string;
let sipPort: number;

beforeAll(async () => {
  sipPort = await freePort();
  const trunkPort = await freePort();
  const file = await writeCallConfig({
    dir,
    promptCacheDir: join(dir, 'prompts'),
    extra: {
      log: { level: 'error' },
      http: { address: '127.0.0.1', port: 0 },
      jobs: { trunkHealthCron: '0 0 1 1 *' },
      sip: {
        address: '127.0.0.1',
        port: sipPort,
        trunk: { uri: `sip:127.0.0.1:${trunkPort}`, keepaliveSeconds: 0 },
        limits: { maxTcpConnections: MAX_TCP, maxTcpPerSource: PER_SOURCE, tcpFirstMessageMs: 3000 },
      },
    },
  });
  const store = openStore({ path: join(dir, 'data', 'fyrkant.db') });
  key = createApiKey(store.db, { name: 'flood', scopes: ['admin'] }).key;
  store.close();
  server = spawnCli(['serve'], { env: { FYRKANT_CONFIG: file } });
  const up = await waitForJsonLine<{ url: string }>(server, (o) => o.fyrkant === 'listening', 60_000);
  base = up.url;
  // Keep reading its output so a chatty child never blocks on a full pipe.
  server.stdout?.resume();
  server.stderr?.resume();
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await waitForExit(server, 15_000).catch(() => server.kill('SIGKILL'));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function sipCounters(): Promise<
  Record<'tcpOpen' | 'tcpRefused' | 'tcpFirstMessageTimeouts' | 'oversize' | 'inDialogRateLimited', number>
> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  const get = (name: string) => {
    const m = new RegExp(`^fyrkant_sip_stack\\{counter="${name}"\\} (\\d+)$`, 'm').exec(text);
    if (!m) throw new Error(`no fyrkant_sip_stack{counter="${name}"} on /metrics`);
    return Number(m[1]);
  };
  return {
    tcpOpen: get('tcpOpen'),
    tcpRefused: get('tcpRefused'),
    tcpFirstMessageTimeouts: get('tcpFirstMessageTimeouts'),
    oversize: get('oversize'),
    inDialogRateLimited: get('inDialogRateLimited'),
  };
}

async function apiAnswers(): Promise<boolean> {
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
  return res.status === 200;
}

type Counters = Awaited<ReturnType<typeof sipCounters>>;

/** Polls /metrics until `cond` holds (the child works through what was sent), failing after `timeoutMs`. */
async function pollCounters(cond: (c: Counters) => boolean, timeoutMs: number): Promise<Counters> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await sipCounters();
    if (cond(c)) return c;
    if (Date.now() > deadline) throw new Error(`counters did not reach the expected values: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rssBytes = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;
const openFds = () => readdirSync(`/proc/${server.pid}/fd`).length;

describe('SIP floods against fyrkant serve', () => {
  it('a TCP connection flood is capped, silent connections are closed, and the HTTP API keeps answering', async () => {
    const fdsBefore = openFds();
    const SOURCES = 40;
    const PER = 75; // 3000 connections in all
    const sockets: { sock: Socket; closed: boolean }[] = [];
    try {
      for (let s = 0; s < SOURCES; s++) {
        const batch = Array.from({ length: PER }, () => {
          const entry = {
            sock: connect({ port: sipPort, host: '127.0.0.1', localAddress: `127.0.1.${s + 1}` }),
            closed: false,
          };
          entry.sock.on('error', () => {});
          entry.sock.on('close', () => {
            entry.closed = true;
          });
          sockets.push(entry);
          return new Promise<void>((r) => {
            entry.sock.once('connect', () => r());
            entry.sock.once('close', () => r());
          });
        });
        await Promise.all(batch);
        // Mid-flood, the API answers and the stack holds no more than the cap.
        if (s % 10 === 9) {
          expect(await apiAnswers()).toBe(true);
          expect((await sipCounters()).tcpOpen).toBeLessThanOrEqual(MAX_TCP);
        }
      }
      const open = () => sockets.filter((e) => !e.closed).length;
      await until(() => open() <= MAX_TCP, 'the refused connections to close', 30_000);
      const c = await sipCounters();
      expect(c.tcpOpen).toBeLessThanOrEqual(MAX_TCP);
      // Every connection was refused at once, closed for silence, or is one of the few held.
      expect(c.tcpRefused + c.tcpFirstMessageTimeouts + c.tcpOpen).toBeGreaterThanOrEqual(SOURCES * PER - 10);
      expect(c.tcpRefused).toBeGreaterThan((SOURCES * PER) / 2);
      expect(openFds() - fdsBefore).toBeLessThanOrEqual(MAX_TCP + 10);
      expect(await apiAnswers()).toBe(true);
      // None of them said anything: all closed by the first-message deadline (3 s).
      await until(() => open() === 0, 'silent connections to be closed', 30_000);
      const after = await sipCounters();
      expect(after.tcpFirstMessageTimeouts - c.tcpFirstMessageTimeouts).toBeGreaterThanOrEqual(c.tcpOpen);
      expect(after.tcpOpen).toBe(0);
      expect(await apiAnswers()).toBe(true);
    } finally {
      for (const e of sockets) e.sock.destroy();
    }
  });

  it('an in-dialog INFO flood with large bodies is dropped and rate-limited; RSS stays within 64 MB', async () => {
    // Over TCP: flow control, so every message reaches the stack and the counters are exact.
    const sock = connect({ port: sipPort, host: '127.0.0.1' });
    sock.on('error', () => {});
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let received = '';
    sock.on('data', (d) => {
      received += d.toString('latin1');
    });
    const port = sock.localPort ?? 0;
    const via = () => `Via: SIP/2.0/TCP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`;
    const message = (lines: string[], body: string) =>
      Buffer.from([...lines, `Content-Length: ${body.length}`, '', body].join('\r\n'));
    const info = (i: number, bodyBytes: number) =>
      message(
        [
          'INFO sip:fyrkant@127.0.0.1;transport=tcp SIP/2.0',
          via(),
          'From: <sip:pbx@127.0.0.1>;tag=pbx',
          `To: <sip:fyrkant@127.0.0.1>;tag=t${i}`,
          `Call-ID: flood-${i}@127.0.0.1`,
          'CSeq: 2 INFO',
          'Max-Forwards: 70',
          'Content-Type: application/octet-stream',
        ],
        'x'.repeat(bodyBytes),
      );
    const write = (b: Buffer) =>
      new Promise<void>((r) => {
        if (sock.write(b)) r();
        else sock.once('drain', () => r());
      });
    const options = message(
      [
        'OPTIONS sip:fyrkant@127.0.0.1;transport=tcp SIP/2.0',
        via(),
        'From: <sip:probe@127.0.0.1>;tag=probe',
        'To: <sip:fyrkant@127.0.0.1>',
        'Call-ID: probe-1',
        'CSeq: 1 OPTIONS',
      ],
      '',
    );
    try {
      // A valid first message, so the connection outlives the first-message deadline.
      await write(options);
      await until(() => received.includes('Call-ID: probe-1'), 'the OPTIONS answer');
      // The shipped default (sip.userAgent: null): no Server header naming the product.
      expect(received).toMatch(/^SIP\/2\.0 200 /);
      expect(received).not.toMatch(/^(Server|User-Agent):/im);
      const rssBefore = rssBytes();
      const c0 = await sipCounters();
      for (let i = 0; i < 1000; i++) await write(info(i, 60_000)); // 60 MB of 60 KB INFOs
      const big = await pollCounters((c) => c.oversize - c0.oversize >= 1000, 60_000);
      for (let i = 0; i < 4000; i++) await write(info(i, 12_000)); // 48 MB of 12 KB INFOs, under maxRequestBytes
      const c1 = await pollCounters((c) => c.inDialogRateLimited - c0.inDialogRateLimited + count481() >= 4000, 60_000);
      const growth = rssBytes() - rssBefore;
      process.stdout.write(`sip-flood: RSS growth ${Math.round(growth / 1048576)} MB\n`);
      expect(growth).toBeLessThan(64 * 1024 * 1024);
      expect(big.oversize - c0.oversize).toBe(1000);
      // Answered at most the burst (50) plus 20/s over the flood; the rest cut by the in-dialog limit.
      expect(count481()).toBeLessThan(1000);
      expect(c1.inDialogRateLimited - c0.inDialogRateLimited + count481()).toBe(4000);
      expect(await apiAnswers()).toBe(true);
    } finally {
      sock.destroy();
    }

    function count481(): number {
      return received.split('SIP/2.0 481 ').length - 1;
    }
  });
});
