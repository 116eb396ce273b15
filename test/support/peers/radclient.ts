/**
 * Debian's `radclient` (freeradius-utils) as a real RADIUS client: sends one request (with the
 * retransmission schedule asked for) and reports what came back, parsed from its `-x` output.
 * Seen with radclient 3.2.1: `Packet-Src-IP-Address` picks the source address (so one test machine
 * can be a known and an unknown client), `Message-Authenticator = 0x00` makes it compute one, and a
 * retry resends the same packet (same Id, same Request Authenticator).
 */
import { spawn } from 'node:child_process';
import { requireTool } from '../tools';

export interface RadclientOptions {
  readonly server: string;
  readonly secret: string;
  /** `Name = value` lines; strings are quoted here. */
  readonly attributes: Readonly<Record<string, string | number>>;
  /** Adds `Message-Authenticator = 0x00` (radclient fills it in). Default true. */
  readonly messageAuthenticator?: boolean;
  /** Source address (default 127.0.0.1). */
  readonly source?: string;
  /** Seconds before each retransmission (radclient -t). */
  readonly timeoutS: number;
  /** Retransmissions after the first send (radclient -r; 1 = send once). */
  readonly tries?: number;
}

export interface RadclientResult {
  /** `Access-Accept`, `Access-Reject`, `Access-Challenge`, or null when nothing came back. */
  readonly code: string | null;
  readonly replyMessage: string;
  /** The State attribute as radclient prints it (`0x…`). */
  readonly state: string | null;
  readonly messageAuthenticator: boolean;
  readonly output: string;
  /** Access-Requests radclient says it sent (first + retransmissions). */
  readonly sent: number;
}

function value(v: string | number): string {
  return typeof v === 'number' || /^0x[0-9a-f]*$/i.test(v) ? String(v) : `"${v.replace(/["\\]/g, '\\$&')}"`;
}

export async function radclient(o: RadclientOptions): Promise<RadclientResult> {
  const bin = requireTool('radclient', 'freeradius-utils');
  const attrs = Object.entries(o.attributes).map(([k, v]) => `${k} = ${value(v)}`);
  attrs.push(`Packet-Src-IP-Address = ${o.source ?? '127.0.0.1'}`);
  if (o.messageAuthenticator ?? true) attrs.push('Message-Authenticator = 0x00');
  const child = spawn(bin, ['-x', '-t', String(o.timeoutS), '-r', String(o.tries ?? 1), o.server, 'auth', o.secret], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  child.stdin.end(`${attrs.join('\n')}\n`);
  // 'close', not 'exit': after 'exit' the pipes may still hold radclient's last lines (under load the
  // reply was missed so and read as no answer).
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  const received = /^Received (Access-\w+) Id \d+ .*$/m.exec(output);
  const after = received ? output.slice((received.index ?? 0) + received[0].length) : '';
  const replyMessage = [...after.matchAll(/^\s*Reply-Message = "(.*)"$/gm)].map((m) => m[1] ?? '').join('');
  return {
    code: received?.[1] ?? null,
    replyMessage: replyMessage.replace(/\\(.)/g, '$1'),
    state: /^\s*State = (0x[0-9a-f]+)$/m.exec(after)?.[1] ?? null,
    messageAuthenticator: /^\s*Message-Authenticator = 0x/m.test(after),
    output,
    sent: (output.match(/^Sent Access-Request/gm) ?? []).length,
  };
}
