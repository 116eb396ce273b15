/** Serialising messages for the wire; Content-Length always matches the body. */
import { displayName } from './header-names';
import type { SipMessage } from './message';

export function serialize(msg: SipMessage): Buffer {
  let head = `${msg.startLine}\r\n`;
  for (const h of msg.headers) {
    if (h.name === 'content-length') continue;
    head += `${h.wireName === h.name ? displayName(h.name) : h.wireName}: ${h.value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), msg.body]);
}
