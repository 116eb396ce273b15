/**
 * Cuts a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3). Enforces a maximum
 * message size so a peer cannot make us buffer without bound; keep-alive CRLFs (RFC 5626 §4.4.1)
 * between messages are skipped.
 */
import { findHeaderEnd } from '../message';

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,10})[ \t]*$/im;

export type FrameResult = { readonly messages: Buffer[]; readonly error?: string };

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessageSize: number) {}

  push(chunk: Buffer): FrameResult {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const messages: Buffer[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      if (start > 0) this.buffer = this.buffer.subarray(start);
      if (this.buffer.length === 0) return { messages };
      const ends = findHeaderEnd(this.buffer);
      if (!ends) {
        if (this.buffer.length > this.maxMessageSize) return { messages, error: 'header section too large' };
        return { messages };
      }
      // The header section is small and bounded; a linear regex over it is fine here (no nested quantifiers).
      const head = this.buffer.toString('latin1', 0, ends.headerEnd);
      const m = CONTENT_LENGTH.exec(head);
      const length = m ? Number(m[1]) : 0;
      const total = ends.bodyStart + length;
      if (total > this.maxMessageSize) return { messages, error: 'message too large' };
      if (this.buffer.length < total) return { messages };
      messages.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
  }
}
