/**
 * Where the REAL drachtio-server + FreeSWITCH are, from the environment. The opt-in suite
 * (`npm run test:drachtio-real`) fails at once with this list when something is not set: it never
 * skips silently. Everything runs on one machine: FreeSWITCH reads fyrkant's prompt files directly.
 */
import { execFileSync } from 'node:child_process';

const REQUIRED = {
  DRACHTIO_REAL_HOST: 'drachtio-server admin (control) address, e.g. 127.0.0.1',
  DRACHTIO_REAL_PORT: 'drachtio-server admin port (its --port)',
  DRACHTIO_REAL_SECRET: 'drachtio-server shared secret (its --secret)',
  FREESWITCH_REAL_ESL_HOST: 'FreeSWITCH event-socket address',
  FREESWITCH_REAL_ESL_PORT: 'FreeSWITCH event-socket port',
  FREESWITCH_REAL_ESL_PASSWORD: 'FreeSWITCH event-socket password',
} as const;

/** Commands the health test uses to stop and start FreeSWITCH (e.g. your own scripts). */
const CONTROL = {
  FREESWITCH_REAL_STOP: 'shell command that stops FreeSWITCH (the suite kills it to check health)',
  FREESWITCH_REAL_START: 'shell command that starts FreeSWITCH again and returns once it runs',
} as const;

export interface RealServers {
  readonly drachtio: { readonly host: string; readonly port: number; readonly secret: string };
  readonly freeswitch: { readonly host: string; readonly port: number; readonly password: string };
  readonly profile: string;
  /** What the servers say they are (for the report), when given. */
  readonly versions: string;
}

function missingMessage(names: Record<string, string>): string | undefined {
  const missing = Object.entries(names).filter(([k]) => !process.env[k]);
  if (missing.length === 0) return undefined;
  return [
    'The real-server suite needs real drachtio-server + FreeSWITCH (see docs/drachtio.md). Set:',
    ...missing.map(([k, why]) => `  ${k}  — ${why}`),
  ].join('\n');
}

export function realServers(): RealServers {
  const why = missingMessage(REQUIRED);
  if (why) throw new Error(why);
  const env = process.env as Record<keyof typeof REQUIRED, string>;
  return {
    drachtio: { host: env.DRACHTIO_REAL_HOST, port: Number(env.DRACHTIO_REAL_PORT), secret: env.DRACHTIO_REAL_SECRET },
    freeswitch: {
      host: env.FREESWITCH_REAL_ESL_HOST,
      port: Number(env.FREESWITCH_REAL_ESL_PORT),
      password: env.FREESWITCH_REAL_ESL_PASSWORD,
    },
    profile: process.env.FREESWITCH_REAL_PROFILE || 'drachtio_mrf',
    versions: [process.env.DRACHTIO_REAL_VERSION, process.env.FREESWITCH_REAL_VERSION].filter(Boolean).join(' + '),
  };
}

/** Stops or starts FreeSWITCH with the configured command. */
export function controlFreeswitch(action: 'stop' | 'start'): void {
  const why = missingMessage(CONTROL);
  if (why) throw new Error(why);
  const cmd = action === 'stop' ? process.env.FREESWITCH_REAL_STOP! : process.env.FREESWITCH_REAL_START!;
  execFileSync('bash', ['-c', cmd], { stdio: 'pipe', timeout: 120_000 });
}

/** The `drachtio` section of a fyrkant site config pointing at the real servers. */
export function drachtioConfig(real: RealServers, listenPort: number): Record<string, unknown> {
  return {
    host: real.drachtio.host,
    port: real.drachtio.port,
    secret: real.drachtio.secret,
    freeswitch: {
      address: real.freeswitch.host,
      port: real.freeswitch.port,
      secret: real.freeswitch.password,
      listenAddress: '127.0.0.1',
      listenPort,
      profile: real.profile,
    },
  };
}
