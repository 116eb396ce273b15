/**
 * kamailio as a PBX stand-in: registrar (401 challenge on REGISTER), proxy that challenges INVITE with
 * 407, record-routes, looks the callee up in the location table and relays. Users and passwords are
 * given per test; signalling only (no media). Runs in the foreground on free 127.0.0.1 ports.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../ports';
import { requireTool } from '../tools';
import { makeTempDir, type PeerProcess, retryOnPortClash, spawnPeer, udpPortBound, waitUntil } from './process';

export interface KamailioOptions {
  /** Users allowed to REGISTER and to place calls: name → password. */
  readonly users: Readonly<Record<string, string>>;
  /** Digest algorithm of the challenges (default MD5). */
  readonly algorithm?: 'MD5' | 'SHA-256';
  /** Challenge INVITEs with 407 (default true). */
  readonly challengeInvite?: boolean;
  /** Challenge in-dialog BYEs from this user with 407 (PBXs that authenticate BYE too). */
  readonly challengeByeFrom?: string;
  /** Extra lines appended to the request route before relaying (for tests that need more). */
  readonly extraRouteLines?: string;
}

export interface KamailioPeer extends PeerProcess {
  readonly port: number;
  readonly host: string;
  /** `sip:<user>@127.0.0.1:<port>` */
  uri(user?: string): string;
}

const MODULES = [
  'tm',
  'sl',
  'rr',
  'pv',
  'maxfwd',
  'textops',
  'siputils',
  'xlog',
  'usrloc',
  'registrar',
  'auth',
  'kex',
  'corex',
];

export function kamailioConfig(port: number, options: KamailioOptions): string {
  const pw = Object.entries(options.users)
    .map(([u, p], i) => `  ${i ? 'else ' : ''}if ($au == "${u}") $var(pw) = "${p}";`)
    .join('\n');
  const challengeInvite = options.challengeInvite ?? true;
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
alias="127.0.0.1:${port}"
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
${MODULES.map((m) => `loadmodule "${m}.so"`).join('\n')}
modparam("usrloc", "db_mode", 0)
modparam("auth", "algorithm", "${options.algorithm ?? 'MD5'}")
modparam("tm", "fr_timer", 5000)
modparam("tm", "fr_inv_timer", 20000)

route[PASSWORD] {
  $var(pw) = "";
${pw}
}

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
${
  options.challengeByeFrom
    ? `    if (is_method("BYE") && $fU == "${options.challengeByeFrom}") {
      route(PASSWORD);
      if (!pv_proxy_authenticate("$fd", "$var(pw)", "0")) { proxy_challenge("$fd", "1"); exit; }
      consume_credentials();
    }
`
    : ''
}    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  t_check_trans();
  if (is_method("REGISTER")) {
    route(PASSWORD);
    if (!pv_www_authenticate("$td", "$var(pw)", "0")) { www_challenge("$td", "1"); exit; }
    consume_credentials();
    save("location");
    exit;
  }
  if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "OK"); exit; }
  if (${challengeInvite ? 'is_method("INVITE")' : '0'}) {
    route(PASSWORD);
    if (!pv_proxy_authenticate("$fd", "$var(pw)", "0")) { proxy_challenge("$fd", "1"); exit; }
    consume_credentials();
  }
${options.extraRouteLines ?? ''}
  record_route();
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

export function startKamailio(options: KamailioOptions): Promise<KamailioPeer> {
  return retryOnPortClash(() => startKamailioOnce(options));
}

async function startKamailioOnce(options: KamailioOptions): Promise<KamailioPeer> {
  const bin = requireTool('kamailio', 'kamailio');
  const dir = makeTempDir('kamailio');
  const port = await freePort();
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, kamailioConfig(port, options));
  // Absolute -P/-Y (a relative pid file makes it quit); -DD keeps it in the foreground so we own its PID.
  const peer = spawnPeer(
    'kamailio',
    bin,
    ['-f', cfg, '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '64', '-M', '8'],
    dir,
  );
  await waitUntil(peer, () => udpPortBound(port), 8000).catch(async (err: unknown) => {
    await peer.stop();
    throw err;
  });
  return { ...peer, port, host: '127.0.0.1', uri: (user = '') => `sip:${user ? `${user}@` : ''}127.0.0.1:${port}` };
}
