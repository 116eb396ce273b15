/**
 * Debian's HAProxy (2.6) running the shipped `deploy/haproxy.cfg` as-is: the nodes and the listening
 * address come in through the environment variables that file reads. Ready once its port accepts
 * TCP connections.
 */
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { requireTool } from '../tools';
import { makeTempDir, type PeerProcess, spawnPeer, waitUntil } from './process';

export const SHIPPED_HAPROXY_CFG = resolve(__dirname, '..', '..', '..', 'deploy', 'haproxy.cfg');

export interface HaproxyOptions {
  readonly port: number;
  /** `host:port` of each node, in the order of the file's `server` lines (node-a, node-b). */
  readonly nodes: readonly [string, string];
  readonly checkInterval?: string;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

export async function startHaproxy(o: HaproxyOptions): Promise<PeerProcess & { readonly url: string }> {
  const bin = requireTool('haproxy', 'haproxy');
  const peer = spawnPeer('haproxy', bin, ['-db', '-f', SHIPPED_HAPROXY_CFG], makeTempDir('haproxy'), {
    FYRKANT_LB_BIND: `127.0.0.1:${o.port}`,
    FYRKANT_NODE_A: o.nodes[0],
    FYRKANT_NODE_B: o.nodes[1],
    FYRKANT_LB_CHECK_INTERVAL: o.checkInterval ?? '2s',
  });
  await waitUntil(peer, () => tcpOpen(o.port), 10_000);
  return Object.assign(peer, { url: `http://127.0.0.1:${o.port}` });
}
