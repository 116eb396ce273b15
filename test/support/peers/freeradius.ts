/**
 * A real FreeRADIUS server (Debian package freeradius) proxying one realm to a home server — the
 * privacyIDEA / Duo proxy pattern, here with fyrkant as the home server. Its own raddb in a temp
 * dir (radiusd.conf, clients.conf, proxy.conf, dictionary), a free port on 127.0.0.1, run in the
 * foreground as our child; the system's freeradius (if the package started one) is never used.
 *
 * Seen with FreeRADIUS 3.2.1: every proxied Access-Request carries a Message-Authenticator (also
 * when radclient's request had none) and a Proxy-State of its own.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../ports';
import { requireTool } from '../tools';
import { makeTempDir, type PeerProcess, retryOnPortClash, spawnPeer, udpPortBound, waitUntil } from './process';

export interface FreeRadiusOptions {
  /** Secret between radclient and FreeRADIUS. */
  readonly frontSecret: string;
  /** The realm proxied to the home server (User-Name `user@realm`). */
  readonly realm: string;
  readonly home: { readonly address: string; readonly port: number; readonly secret: string };
}

export interface FreeRadiusPeer extends PeerProcess {
  /** `127.0.0.1:<port>` to send Access-Requests to. */
  readonly server: string;
}

function binary(): string {
  if (existsSync('/usr/sbin/freeradius')) return '/usr/sbin/freeradius';
  return requireTool('freeradius', 'freeradius');
}

export function startFreeRadius(o: FreeRadiusOptions): Promise<FreeRadiusPeer> {
  return retryOnPortClash(() => startOnce(o));
}

async function startOnce(o: FreeRadiusOptions): Promise<FreeRadiusPeer> {
  const bin = binary();
  const dir = makeTempDir('freeradius');
  for (const d of ['log', 'run']) mkdirSync(join(dir, d));
  const port = await freePort();
  const files: Record<string, string> = {
    dictionary: '$INCLUDE /usr/share/freeradius/dictionary\n',
    'clients.conf': `client front {
  ipaddr = 127.0.0.1
  secret = ${o.frontSecret}
  require_message_authenticator = no
}
`,
    'proxy.conf': `proxy server {
  default_fallback = no
}
home_server fyrkant {
  type = auth
  ipaddr = ${o.home.address}
  port = ${o.home.port}
  secret = ${o.home.secret}
  # The call rings and waits for a key press: the home server answers in tens of seconds.
  response_window = 60
  zombie_period = 120
  revive_interval = 120
  status_check = none
}
home_server_pool fyrkant_pool {
  type = fail-over
  home_server = fyrkant
}
realm ${o.realm} {
  auth_pool = fyrkant_pool
}
realm LOCAL {
}
`,
    'radiusd.conf': `prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = ${dir}/log
raddbdir = ${dir}
radacctdir = \${logdir}/radacct
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}/mods-config
run_dir = ${dir}/run
db_dir = \${raddbdir}
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
max_request_time = 120
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
  destination = stdout
  auth = yes
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = no
}
proxy_requests = yes
$INCLUDE proxy.conf
$INCLUDE clients.conf
thread pool {
  start_servers = 2
  max_servers = 4
  min_spare_servers = 1
  max_spare_servers = 3
}
modules {
  realm suffix {
    format = suffix
    delimiter = "@"
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${port}
  }
  authorize {
    suffix
  }
  authenticate {
  }
  post-proxy {
  }
  post-auth {
  }
}
`,
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    // FreeRADIUS refuses configuration files anyone may write.
    chmodSync(join(dir, name), 0o640);
  }
  const peer = spawnPeer('freeradius', bin, ['-f', '-l', 'stdout', '-d', dir, '-n', 'radiusd', '-x'], dir);
  await waitUntil(peer, () => udpPortBound(port), 15_000).catch(async (err: unknown) => {
    await peer.stop();
    throw err;
  });
  return { ...peer, server: `127.0.0.1:${port}` };
}
