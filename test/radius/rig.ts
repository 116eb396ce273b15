/**
 * The whole app as `fyrkant serve` builds it (startApp: store, policy, embedded SIP/RTP backend, IVR
 * scripts, REST API, RADIUS door) on free ports, with the trunk pointing at a port where each test
 * starts its own sipp callee, and helpers to create users and read metrics.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiRuntime } from '../../src/app/api-runtime';
import { type RunningApp, startApp } from '../../src/app/app';
import { radiusAddress } from '../../src/app/radius-runtime';
import { loadConfig } from '../../src/config';
import { hashSecret } from '../../src/domain/secrets/slow-hash';
import { silentLogger } from '../../src/log';
import {
  addPhoneMethod,
  createUser,
  listAttempts,
  markPhoneMethodVerified,
  setDefaultPhoneMethod,
} from '../../src/store';
import { writeCallConfig } from '../support/call-config';
import { type SippPeer, startSippUas } from '../support/peers/sipp';
import { freeEvenPortPair, freePort } from '../support/ports';

export interface RadiusRig {
  readonly app: RunningApp;
  readonly dir: string;
  readonly trunkPort: number;
  /** `127.0.0.1:<port>` of the RADIUS door. */
  readonly radius: string;
  sipp(xml: string): Promise<SippPeer>;
  user(username: string, opts?: { language?: string; pin?: string }): Promise<string>;
  /** Attempts placed for the user (every call, retries included). */
  attempts(userId: string): ReturnType<typeof listAttempts>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/** The shipped scripts with shorter input timeouts and one try, so "no input" ends in seconds. */
function quickScripts(dir: string): string {
  const src = resolve(__dirname, '..', '..', 'ivr-scripts');
  const out = join(dir, 'scripts');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(src).filter((n) => n.endsWith('.yaml') || n === 'schema.json'))
    writeFileSync(
      join(out, f),
      readFileSync(join(src, f), 'utf8')
        .replace(/timeoutMs: (8000|15000)/g, 'timeoutMs: 4000')
        .replace(/tries: 3/g, 'tries: 1'),
    );
  return out;
}

export async function startRadiusRig(radius: Record<string, unknown>): Promise<RadiusRig> {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-radius-'));
  const trunkPort = await freePort();
  const rtp = await freeEvenPortPair();
  const promptCacheDir = join(dir, 'prompts');
  const file = await writeCallConfig({
    dir,
    promptCacheDir,
    allowSipUriDial: false,
    ringTimeoutSeconds: 5,
    trunk: { uri: `sip:127.0.0.1:${trunkPort}` },
    extra: {
      companyName: 'Example AB',
      homeCountry: 'SE',
      http: { address: '127.0.0.1', port: 0 },
      ivr: { scriptsDir: quickScripts(dir), promptCacheDir },
      dialPlan: { requestUri: 'sip:{e164}@{host}', extension: { preDelayMs: 200, postDelayMs: 300 } },
      // Every test calls the same number; the rate limits are not what is tested here.
      policy: {
        rateLimits: {
          perUser: { max: 0, windowSeconds: 60 },
          perNumber: { max: 0, windowSeconds: 60 },
          globalConcurrent: 10,
          globalPerMinute: 600,
        },
      },
      jobs: { trunkHealthCron: '0 0 1 1 *' },
      // A narrow RTP range (one call at a time per rig): the default 400-port range of a rig running
      // in the other jest worker could swallow this rig's trunk port, and sipp could not bind it.
      media: { address: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 11 },
      radius: { enabled: true, address: '127.0.0.1', port: 0, ...radius },
    },
  });
  const config = loadConfig({ file }).config;
  const app = await startApp(
    { ...config, telephony: { ...config.telephony, backend: 'embedded' } },
    {
      logger: silentLogger(),
    },
  );
  const address = radiusAddress(app.ctx);
  if (!address) throw new Error('the RADIUS door is not listening');
  // The start-up trunk probe (an OPTIONS to the port nobody holds yet, retransmitted for up to
  // 32 s) must be over before sipp takes the port, or sipp gets it instead of the first INVITE.
  const jobs = apiRuntime(app.ctx).jobs;
  for (
    let i = 0;
    i < 900 && jobs.status().some((j) => j.name === 'trunk-health' && (j.running || !j.lastStartedAt));
    i++
  )
    await new Promise((r) => setTimeout(r, 50));
  const peers: SippPeer[] = [];
  return {
    app,
    dir,
    trunkPort,
    radius: address,
    async sipp(xml) {
      // An attempt ends at the callee's answer while its call still plays the goodbye and hangs up:
      // that call must be over before a new sipp takes the port, or the new one gets its BYE (and
      // the old one, still bound, the next INVITE: a CI run lost a 486 case that way). So wait for
      // the queue to go idle and for every earlier callee to have exited (each runs one call).
      // Not met in 30 s is an error that shows the earlier callees, not a new sipp beside an old one
      // (which surfaced as a radclient timeout a minute later, with nothing to go on).
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        Promise.all([apiRuntime(app.ctx).verification.queue.whenIdle(), ...peers.map((p) => p.finished())]).then(
          () => true,
        ),
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), 30_000);
        }),
      ]);
      clearTimeout(timer);
      if (!idle)
        throw new Error(
          `the last call or callee was still running 30 s later (queue active: ${apiRuntime(app.ctx).verification.activeCount}):\n${peers
            .map((p) => `${p.output()}\n${p.logs()}`)
            .join('\n')}`,
        );
      const peer = await startSippUas({
        scenarioXml: xml,
        port: trunkPort,
        mediaPort: await freeEvenPortPair(),
        calls: 1,
        timeoutS: 100,
      });
      peers.push(peer);
      return peer;
    },
    async user(username, opts = {}) {
      const db = app.ctx.store.db;
      const u = createUser(db, { username, displayName: username, language: opts.language ?? 'en-US' });
      const m = addPhoneMethod(db, {
        userId: u.id,
        kind: 'office',
        country: 'SE',
        e164: '+46812345678',
        pinHash: opts.pin ? await hashSecret(opts.pin, { logN: 11, r: 8, p: 1 }) : null,
      });
      markPhoneMethodVerified(db, m.id);
      setDefaultPhoneMethod(db, m.id);
      return u.id;
    },
    attempts: (userId) => listAttempts(app.ctx.store.db, { userId }),
    async metric(name, labels = {}) {
      const text = await apiRuntime(app.ctx).metrics.registry.metrics();
      const want = Object.entries(labels);
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = m[2] ?? '';
        if (want.every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[3]);
      }
      return sum;
    },
    async stop() {
      await Promise.all(peers.splice(0).map((p) => p.stop()));
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
