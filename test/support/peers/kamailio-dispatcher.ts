/**
 * Debian's Kamailio running the shipped dispatcher example (deploy/kamailio-dispatcher.cfg) in front
 * of fyrkant nodes: the file is copied to a temp dir with only its four `#!substdef` values replaced
 * (listen address and port, list file, control socket); the node list is the shipped list with the
 * nodes' addresses in place of the examples. Foreground (-DD -E), free 127.0.0.1 port, no root needed.
 * `destinations()` reads the dispatcher's view through `kamcmd dispatcher.list` (the ctl module).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../ports';
import { requireTool } from '../tools';
import { makeTempDir, type PeerProcess, retryOnPortClash, spawnPeer, udpPortBound, waitUntil } from './process';

const DEPLOY = resolve(__dirname, '..', '..', '..', 'deploy');
export const SHIPPED_DISPATCHER_CFG = join(DEPLOY, 'kamailio-dispatcher.cfg');
export const SHIPPED_DISPATCHER_LIST = join(DEPLOY, 'kamailio-dispatcher.list');

export interface DispatcherNode {
  /** The node's SIP `host:port`. */
  readonly address: string;
}

/** One destination as `dispatcher.list` shows it: FLAGS `AP` active + probing, `IP` inactive + probing. */
export interface Destination {
  readonly uri: string;
  readonly flags: string;
  readonly duid: string;
}

export interface DispatcherPeer extends PeerProcess {
  readonly port: number;
  destinations(): Promise<Destination[]>;
  /** `kamcmd dispatcher.set_state <state> 1 <uri>` (e.g. `ap`: active + probing), as an operator would. */
  setState(state: string, uri: string): Promise<void>;
}

/** The shipped config with its `#!substdef` values replaced (every other line as shipped). */
export function dispatcherConfig(port: number, listFile: string, ctlSocket: string): string {
  const values: Record<string, string> = {
    DISPATCHER_ADDR: '127.0.0.1',
    DISPATCHER_PORT: String(port),
    DISPATCHER_LIST: listFile,
    DISPATCHER_CTL: ctlSocket,
  };
  let cfg = readFileSync(SHIPPED_DISPATCHER_CFG, 'utf8');
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^#!substdef "!${name}![^!]*!g"$`, 'm');
    if (!line.test(cfg)) throw new Error(`${SHIPPED_DISPATCHER_CFG} has no #!substdef line for ${name}`);
    cfg = cfg.replace(line, `#!substdef "!${name}!${value}!g"`);
  }
  return cfg;
}

/** The shipped list with the example nodes' addresses replaced by `nodes`, in order. */
export function dispatcherList(nodes: readonly DispatcherNode[]): string {
  const shipped = readFileSync(SHIPPED_DISPATCHER_LIST, 'utf8');
  let i = 0;
  const list = shipped.replace(/^(\d+ )sip:\S+/gm, (_, set: string) => {
    const node = nodes[i++];
    if (!node) throw new Error(`${SHIPPED_DISPATCHER_LIST} lists more nodes than the test gave`);
    return `${set}sip:${node.address}`;
  });
  if (i !== nodes.length) throw new Error(`${SHIPPED_DISPATCHER_LIST} lists ${i} nodes, the test gave ${nodes.length}`);
  return list;
}

/** `kamcmd dispatcher.list` output → its destinations. */
export function parseDispatcherList(text: string): Destination[] {
  return [...text.matchAll(/DEST: \{\s*URI: (\S+)\s*FLAGS: (\S+)[\s\S]*?DUID: (\S+)/g)].map((m) => ({
    uri: m[1]!,
    flags: m[2]!,
    duid: m[3]!,
  }));
}

export function startKamailioDispatcher(nodes: readonly DispatcherNode[]): Promise<DispatcherPeer> {
  return retryOnPortClash(() => startOnce(nodes));
}

async function startOnce(nodes: readonly DispatcherNode[]): Promise<DispatcherPeer> {
  const bin = requireTool('kamailio', 'kamailio');
  const kamcmd = requireTool('kamcmd', 'kamailio');
  const dir = makeTempDir('kamailio-dispatcher');
  const port = await freePort();
  const listFile = join(dir, 'dispatcher.list');
  const ctl = join(dir, 'kamailio_ctl');
  writeFileSync(listFile, dispatcherList(nodes));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, dispatcherConfig(port, listFile, ctl));
  // Absolute -P/-Y (a relative pid file makes it quit); -DD -E: foreground, log to stderr, our PID.
  const peer = spawnPeer(
    'kamailio-dispatcher',
    bin,
    ['-f', cfg, '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir, '-m', '64', '-M', '8'],
    dir,
  );
  await waitUntil(peer, async () => existsSync(ctl) && (await udpPortBound(port)), 8000).catch(async (err: unknown) => {
    await peer.stop();
    throw err;
  });
  const run = promisify(execFile);
  return Object.assign(peer, {
    port,
    async destinations() {
      const { stdout } = await run(kamcmd, ['-s', `unix:${ctl}`, 'dispatcher.list'], { timeout: 5000 });
      return parseDispatcherList(stdout);
    },
    async setState(state: string, uri: string) {
      await run(kamcmd, ['-s', `unix:${ctl}`, 'dispatcher.set_state', state, '1', uri], { timeout: 5000 });
    },
  });
}
