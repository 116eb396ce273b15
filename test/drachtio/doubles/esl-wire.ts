/**
 * FreeSWITCH event-socket framing for the FreeSWITCH double: blocks of `Name: value` lines ended by a
 * blank line, an optional body of `Content-Length` bytes; header values URL-encoded as FreeSWITCH
 * does (drachtio-modesl decodes them).
 */
import type { Socket } from 'node:net';

export interface EslCommand {
  /** First line, e.g. `api sofia status`, `sendmsg <uuid>`, `event json DTMF`. */
  readonly line: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Splits what a client writes (`command\nheader: value\n\n`) into commands. */
export class EslCommandReader {
  private buffer = '';

  push(chunk: Buffer): EslCommand[] {
    this.buffer += chunk.toString('utf8');
    const out: EslCommand[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end === -1) return out;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const [line = '', ...rest] = block.split('\n');
      const headers: Record<string, string> = {};
      for (const h of rest) {
        const i = h.indexOf(': ');
        if (i > 0) headers[h.slice(0, i)] = h.slice(i + 2);
      }
      if (line.trim()) out.push({ line: line.trim(), headers });
    }
  }
}

/** Values FreeSWITCH URL-encodes (event/channel data) vs. protocol headers it writes as they are. */
const RAW = new Set(['Content-Type', 'Reply-Text', 'Job-UUID']);

function block(headers: Record<string, string>, body?: string): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${RAW.has(k) ? v : encodeURIComponent(v)}`);
  if (body !== undefined) {
    lines.unshift(`Content-Length: ${Buffer.byteLength(body, 'utf8')}`);
    return `${lines.join('\n')}\n\n${body}`;
  }
  return `${lines.join('\n')}\n\n`;
}

export function write(socket: Socket, headers: Record<string, string>, body?: string): void {
  if (!socket.destroyed) socket.write(block(headers, body));
}

export function commandReply(socket: Socket, replyText: string, extra: Record<string, string> = {}): void {
  write(socket, { 'Content-Type': 'command/reply', 'Reply-Text': replyText, ...extra });
}

export function apiResponse(socket: Socket, body: string): void {
  write(socket, { 'Content-Type': 'api/response' }, body);
}

/** An event as `text/event-json` (what drachtio-fsmrf subscribes to). */
export function jsonEvent(socket: Socket, fields: Record<string, string>, body?: string): void {
  const json = JSON.stringify(body !== undefined ? { ...fields, _body: body } : fields);
  write(socket, { 'Content-Type': 'text/event-json' }, json);
}

export function disconnectNotice(socket: Socket, text: string): void {
  write(socket, { 'Content-Type': 'text/disconnect-notice' }, text);
}
