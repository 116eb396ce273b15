/**
 * Tracing SIP messages to the attempt's TraceSink: one-line summary, raw text with credentials
 * redacted. Sinks are registered per Call-ID by the dialogs that own them.
 */
import type { TraceSink } from '../../../port';
import type { SipMessage } from '../message';
import { formatAddress, type TransportAddress } from '../transport';

const SECRET_HEADERS = /^(authorization|proxy-authorization)[ \t]*:/i;

/** Replace Authorization / Proxy-Authorization values (and their folded lines) in raw message text. */
export function redact(raw: string): string {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const head = headerEnd >= 0 ? raw.slice(0, headerEnd) : raw;
  if (!/authorization/i.test(head)) return raw;
  const lines = head.split('\r\n');
  const out: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (skipping && (line.startsWith(' ') || line.startsWith('\t'))) continue;
    skipping = false;
    const m = SECRET_HEADERS.exec(line);
    if (m) {
      out.push(`${line.slice(0, line.indexOf(':'))}: <redacted>`);
      skipping = true;
    } else out.push(line);
  }
  return out.join('\r\n') + (headerEnd >= 0 ? raw.slice(headerEnd) : '');
}

export function summary(msg: SipMessage): string {
  return msg.kind === 'request' ? `${msg.method} ${msg.uri}` : `${msg.status} ${msg.reason} (${msg.cseq.method})`;
}

export class TraceRouter {
  private readonly sinks = new Map<string, TraceSink>();

  register(callId: string, sink: TraceSink): void {
    this.sinks.set(callId, sink);
  }

  unregister(callId: string): void {
    this.sinks.delete(callId);
  }

  trace(direction: 'in' | 'out', msg: SipMessage, peer: TransportAddress, raw: Buffer): void {
    const sink = this.sinks.get(msg.callId);
    if (!sink) return;
    try {
      sink({
        kind: 'sip',
        at: Date.now(),
        direction,
        peer: formatAddress(peer),
        summary: summary(msg),
        raw: redact(raw.toString('utf8')),
        callId: msg.callId,
      });
    } catch {
      // A failing sink must not break signalling.
    }
  }
}
