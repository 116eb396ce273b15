/**
 * The production deployment files: docker-compose.yml must parse (Debian's docker-compose validates
 * it without a Docker engine), wire the three services the way the drachtio backend needs them, and
 * the site config it mounts must load with the secrets the compose file passes in.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { drachtioOptions } from '../../src/app/backend-options';
import { loadConfig } from '../../src/config';
import { requireTool } from '../support/tools';

const ROOT = resolve(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  network_mode?: string;
  restart?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: Array<{ source?: string; target: string; read_only?: boolean } | string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** The deployment as a user has it after `cp .env.example .env`, in a scratch directory. */
function scratchDeployment(envText?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fyrkant-compose-'));
  for (const f of ['docker-compose.yml', 'Dockerfile']) copyFileSync(join(ROOT, f), join(dir, f));
  cpSync(join(ROOT, 'deploy'), join(dir, 'deploy'), { recursive: true });
  writeFileSync(join(dir, '.env'), envText ?? readFileSync(join(ROOT, '.env.example'), 'utf8'));
  return dir;
}

function compose(dir: string, args: string[]) {
  const bin = requireTool('docker-compose', 'docker-compose');
  // No engine needed for `config`; keep compose from reading the caller's COMPOSE_* / secrets.
  return spawnSync(bin, ['--project-directory', dir, '-f', join(dir, 'docker-compose.yml'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
  });
}

describe('production deployment (docker-compose)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('docker-compose config -q accepts docker-compose.yml with .env.example as .env', () => {
    const dir = scratchDeployment();
    dirs.push(dir);
    const r = compose(dir, ['config', '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses to render without the secrets it needs', () => {
    const env = readFileSync(join(ROOT, '.env.example'), 'utf8').replace(/^DRACHTIO_SECRET=.*$/m, 'DRACHTIO_SECRET=');
    const dir = scratchDeployment(env);
    dirs.push(dir);
    const r = compose(dir, ['config', '-q']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/DRACHTIO_SECRET/);
  });

  it('wires drachtio-server, FreeSWITCH and fyrkant on the host network with health checks and shared prompts', () => {
    const dir = scratchDeployment();
    dirs.push(dir);
    const rendered = compose(dir, ['config']);
    expect(rendered.status).toBe(0);
    const doc = parseYaml(rendered.stdout) as { services: Record<string, ComposeService> };
    const { drachtio, freeswitch, fyrkant } = doc.services;
    for (const s of [drachtio, freeswitch, fyrkant]) {
      expect(s?.network_mode).toBe('host');
      expect(s?.restart).toBe('unless-stopped');
    }
    expect(drachtio?.image).toMatch(/^drachtio\/drachtio-server:/);
    expect(drachtio?.command).toEqual(expect.arrayContaining(['--contact', '--secret', 'change-me-drachtio-secret']));
    // drachtio-server 0.9.10 ignores --mtu (every transport is forced to 65535; seen in its log and in
    // sip-transports.cpp), so the file must not claim it does anything.
    expect(drachtio?.command).not.toContain('--mtu');
    expect(drachtio?.healthcheck?.test.join(' ')).toContain('/dev/tcp/127.0.0.1/9022');
    expect(freeswitch?.image).toMatch(/^drachtio\/drachtio-freeswitch-mrf:/);
    expect(freeswitch?.command).toEqual(
      expect.arrayContaining(['--password', 'change-me-freeswitch-password', '--rtp-range-start', '25000']),
    );
    expect(freeswitch?.healthcheck?.test.join(' ')).toContain('fs_cli');
    expect(fyrkant?.build).toBeDefined();
    expect(Object.keys(fyrkant?.depends_on ?? {})).toEqual(expect.arrayContaining(['drachtio', 'freeswitch']));
    expect(fyrkant?.depends_on?.freeswitch?.condition).toBe('service_healthy');
    // The same named volume is fyrkant's prompt cache and FreeSWITCH's sounds directory.
    // docker-compose 1.x renders mounts as `source:target[:mode]`, newer ones as objects.
    const mount = (s: ComposeService | undefined, vol: string) =>
      (s?.volumes ?? [])
        .map((v) => {
          if (typeof v !== 'string') return { source: v.source, target: v.target, read_only: v.read_only === true };
          const [source, target, mode] = v.split(':');
          return { source, target, read_only: mode === 'ro' };
        })
        .find((m) => m.source === vol);
    expect(mount(fyrkant, 'prompts')?.target).toBe('/var/lib/fyrkant/prompts');
    expect(mount(freeswitch, 'prompts')).toMatchObject({
      target: '/usr/local/freeswitch/sounds/fyrkant',
      read_only: true,
    });

    // The site config fyrkant mounts loads with exactly the environment compose gives it, and maps
    // prompts to where the volume is mounted in each container.
    const env = { ...(fyrkant?.environment ?? {}) };
    env.FYRKANT_CONFIG = join(dir, 'deploy', 'fyrkant.yaml');
    const fyrkantEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('FYRKANT_')));
    const { config } = loadConfig({ env: fyrkantEnv });
    expect(config.telephony.backend).toBe('drachtio');
    const opts = drachtioOptions(config);
    expect(opts.drachtio).toEqual({ host: '127.0.0.1', port: 9022, secret: 'change-me-drachtio-secret' });
    expect(opts.freeswitch).toMatchObject({
      port: 8021,
      secret: 'change-me-freeswitch-password',
      listenAddress: '127.0.0.1',
    });
    expect(opts.media.promptDirLocal).toBe(mount(fyrkant, 'prompts')?.target);
    expect(opts.media.promptDirRemote).toBe(mount(freeswitch, 'prompts')?.target);
    expect(config.ivr.promptCacheDir).toBe(opts.media.promptDirLocal);
  });

  it('builds fyrkant on Node 20 slim with espeak-ng, running as a non-root user with volumes', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const from = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(from.at(-1)).toMatch(/^node:20-[a-z]+-slim$/);
    expect(dockerfile).toMatch(/apt-get install[^\n]*espeak-ng/);
    const user = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toMatch(/^VOLUME .*\/etc\/fyrkant.*\/var\/lib\/fyrkant/m);
    // Every path the image copies exists in the repository.
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) expect(() => execFileSync('test', ['-e', join(ROOT, src)])).not.toThrow();
    }
  });
});
