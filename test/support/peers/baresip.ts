/**
 * baresip as an office phone: auto-answers, optionally registered at a registrar, remote-controlled
 * through ctrl_tcp (netstring-framed JSON). `events` collects everything baresip reports.
 */
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../ports';
import { requireTool } from '../tools';
import {
  delay,
  makeTempDir,
  type PeerProcess,
  retryOnPortClash,
  spawnPeer,
  tcpPortListening,
  waitUntil,
} from './process';

export interface BaresipOptions {
  /** Extension / user part (default 1001). */
  readonly user?: string;
  /** Register at this registrar (`127.0.0.1:port`) with this password; without it baresip just listens. */
  readonly registrar?: { readonly hostport: string; readonly password: string };
  /** Audio to send (8 kHz mono 16-bit WAV); default 60 s of silence (baresip hangs up at end of file). */
  readonly audioFile?: string;
  /** Extra account parameters, e.g. `;dtmfmode=info`. */
  readonly accountParams?: string;
  /** Extra config lines. */
  readonly extraConfig?: string;
  /** Modules loaded before the accounts (e.g. `srtp.so`, so `;mediaenc=srtp-mand` finds it). */
  readonly modules?: readonly string[];
}

export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly param?: string;
  readonly [key: string]: unknown;
}

export interface BaresipPeer extends PeerProcess {
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly user: string;
  readonly events: BaresipEvent[];
  /** Direct URI (bypassing any registrar). */
  uri(): string;
  /** Send a ctrl_tcp command; resolves with baresip's response object. */
  command(command: string, params?: string): Promise<{ ok: boolean; data?: string }>;
  /** Wait for an event of this type (optionally matching), looking at past events too. */
  waitEvent(type: string, timeoutMs?: number, match?: (e: BaresipEvent) => boolean): Promise<BaresipEvent>;
}

/** Netstring framing (`<len>:<bytes>,`) used by ctrl_tcp. */
export function netstring(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from(`${b.length}:`), b, Buffer.from(',')]);
}

export class NetstringReader {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): string[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) break;
      const len = Number(this.buf.subarray(0, colon).toString());
      if (!Number.isInteger(len) || len < 0) {
        this.buf = Buffer.alloc(0);
        break;
      }
      if (this.buf.length < colon + 1 + len + 1) break;
      out.push(this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      this.buf = this.buf.subarray(colon + 1 + len + 1);
    }
    return out;
  }
}

export function silenceWav(path: string, seconds: number): void {
  const samples = 8000 * seconds;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + samples * 2, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(samples * 2, 40);
  writeFileSync(path, Buffer.concat([h, Buffer.alloc(samples * 2)]));
}

export function startBaresip(options: BaresipOptions = {}): Promise<BaresipPeer> {
  return retryOnPortClash(() => startBaresipOnce(options));
}

async function startBaresipOnce(options: BaresipOptions): Promise<BaresipPeer> {
  const bin = requireTool('baresip', 'baresip-core');
  const dir = makeTempDir('baresip');
  const [sipPort, ctrlPort] = [await freePort(), await freePort()];
  const user = options.user ?? '1001';
  const audio = options.audioFile ?? join(dir, 'silence.wav');
  if (!options.audioFile) silenceWav(audio, 60);
  writeFileSync(
    join(dir, 'config'),
    `poll_method epoll
sip_listen 127.0.0.1:${sipPort}
net_interface 127.0.0.1
dns_server 127.0.0.1:53
audio_source aufile,${audio}
audio_player aubridge,sink
audio_alert aubridge,sink
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
${(options.modules ?? []).map((m) => `module ${m}\n`).join('')}module account.so
module menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:${ctrlPort}
snd_path ${dir}
${options.extraConfig ?? ''}
`,
  );
  const reg = options.registrar;
  const account = reg
    ? `<sip:${user}@${reg.hostport}>;auth_pass=${reg.password};regint=300;answermode=auto;audio_codecs=PCMU/8000/1${options.accountParams ?? ''}`
    : `<sip:${user}@127.0.0.1:${sipPort}>;regint=0;answermode=auto;audio_codecs=PCMU/8000/1${options.accountParams ?? ''}`;
  writeFileSync(join(dir, 'accounts'), `${account}\n`);
  writeFileSync(join(dir, 'contacts'), '');
  const peer = spawnPeer('baresip', bin, ['-f', dir], dir, { HOME: dir });
  try {
    await waitUntil(peer, () => tcpPortListening(ctrlPort), 8000);

    const events: BaresipEvent[] = [];
    const pending: Array<(r: { ok: boolean; data?: string }) => void> = [];
    const sock: Socket = connect({ host: '127.0.0.1', port: ctrlPort });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    sock.on('error', () => {});
    const reader = new NetstringReader();
    sock.on('data', (chunk) => {
      for (const s of reader.push(chunk)) {
        try {
          const msg = JSON.parse(s) as Record<string, unknown>;
          if (msg.event) events.push(msg as unknown as BaresipEvent);
          else if (msg.response) pending.shift()?.({ ok: Boolean(msg.ok), data: msg.data as string | undefined });
        } catch {
          // not JSON: ignore
        }
      }
    });

    const waitEvent = async (type: string, timeoutMs = 5000, match?: (e: BaresipEvent) => boolean) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const e = events.find((x) => x.type === type && (!match || match(x)));
        if (e) return e;
        if (Date.now() > end) {
          throw new Error(
            `baresip: no ${type} within ${timeoutMs} ms; events: ${events.map((x) => x.type).join(', ')}\n${peer.output()}`,
          );
        }
        await delay(20);
      }
    };
    if (reg) {
      // Registration may finish before our ctrl_tcp connection: baresip's console line is the reliable sign.
      await waitUntil(
        peer,
        () => /\{0\/UDP\/v4\} 200 OK/.test(peer.output()) || events.some((e) => e.type === 'REGISTER_OK'),
        8000,
      );
    }
    const stop = peer.stop;
    return {
      ...peer,
      sipPort,
      ctrlPort,
      user,
      events,
      uri: () => `sip:${user}@127.0.0.1:${sipPort}`,
      command: (command, params) =>
        new Promise((resolve) => {
          pending.push(resolve);
          const body =
            params === undefined
              ? { command, token: String(Date.now()) }
              : { command, params, token: String(Date.now()) };
          sock.write(netstring(JSON.stringify(body)));
        }),
      waitEvent,
      stop: async () => {
        sock.destroy();
        await stop();
      },
    };
  } catch (err) {
    await peer.stop();
    throw err;
  }
}
