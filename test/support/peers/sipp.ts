/**
 * sipp (sip-tester) as a scripted SIP peer. `startSippUas` runs one scenario as a UAS on a free
 * 127.0.0.1 port and exits after `calls` calls; its exit code says whether the scenario passed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeEvenPortPair, freePort } from '../ports';
import { requireTool } from '../tools';
import {
  makeTempDir,
  type PeerProcess,
  retryOnPortClash,
  spawnPeer,
  tcpPortListening,
  udpPortBound,
  waitUntil,
} from './process';

export interface SippOptions {
  /** The scenario XML (a full `<scenario>` document). */
  readonly scenarioXml: string;
  readonly transport?: 'udp' | 'tcp';
  /** Calls to process before exiting (default 1). */
  readonly calls?: number;
  /** Overall timeout in seconds (default 20). */
  readonly timeoutS?: number;
  /** Extra command-line arguments (e.g. `-au`, `-ap`, `-mp`, `-rtp_echo`). */
  readonly extraArgs?: readonly string[];
  /** SIP port to listen on (e.g. where a running fyrkant's trunk points); default: a free one. */
  readonly port?: number;
  /** Media port for `-mp` (the media helper passes one from freeEvenPortPair). */
  readonly mediaPort?: number;
}

export interface SippPeer extends PeerProcess {
  readonly port: number;
  readonly host: string;
  /** `sip:service@127.0.0.1:port` to dial. */
  uri(user?: string): string;
  /** Wait for sipp to finish; resolves with the exit code (0 = every call passed). */
  finished(): Promise<number | null>;
}

export function startSippUas(options: SippOptions): Promise<SippPeer> {
  let attempt = 0;
  return retryOnPortClash(async () => {
    attempt++;
    // sipp binds audio RTP/RTCP at -mp and video RTP/RTCP at -mp+2/+3; any of them can be taken
    // between the caller's probe and sipp's bind. The media port is only a first choice: after a
    // clash, take four ports that are free now.
    if (attempt === 1 || !options.mediaPort) return startSippUasOnce(options);
    return startSippUasOnce({ ...options, mediaPort: await freeMediaPorts() });
  });
}

/** An even port with the next three free too (sipp's audio and video RTP/RTCP). */
async function freeMediaPorts(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freeEvenPortPair();
    const [a, b] = await Promise.all([udpPortBound(p + 2), udpPortBound(p + 3)]);
    if (!a && !b) return p;
  }
  throw new Error('no four free UDP ports in a row on 127.0.0.1 for sipp media');
}

async function startSippUasOnce(options: SippOptions): Promise<SippPeer> {
  const bin = requireTool('sipp', 'sip-tester');
  const dir = makeTempDir('sipp');
  const scenario = join(dir, 'uas.xml');
  writeFileSync(scenario, options.scenarioXml);
  const port = options.port ?? (await freePort());
  const transport = options.transport ?? 'udp';
  const args = [
    '-sf',
    scenario,
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    transport === 'tcp' ? 't1' : 'u1',
    '-m',
    String(options.calls ?? 1),
    '-timeout',
    `${options.timeoutS ?? 20}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-trace_msg',
    '-message_file',
    join(dir, 'messages.log'),
    '-mi',
    '127.0.0.1',
    ...(options.mediaPort ? ['-mp', String(options.mediaPort)] : []),
    ...(options.extraArgs ?? []),
  ];
  const peer = spawnPeer('sipp', bin, args, dir);
  return wrap(peer, port, transport);
}

async function wrap(peer: PeerProcess, port: number, transport: 'udp' | 'tcp'): Promise<SippPeer> {
  // sipp prints nothing useful without a terminal: it is ready once it holds its port.
  await waitUntil(peer, () => (transport === 'udp' ? udpPortBound(port) : tcpPortListening(port))).catch(
    async (err: unknown) => {
      await peer.stop();
      throw err;
    },
  );
  return {
    ...peer,
    port,
    host: '127.0.0.1',
    uri: (user = 'service') => `sip:${user}@127.0.0.1:${port}${transport === 'tcp' ? ';transport=tcp' : ''}`,
    finished: () => peer.exited,
  };
}
