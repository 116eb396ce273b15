/**
 * The PBX leg's SIP messages as trace events, built from drachtio-srf's request/response objects
 * (their `raw` is the text drachtio-server put on or took off the wire). Digest credentials are
 * redacted before anything leaves this file.
 */
import type Srf from 'drachtio-srf';
import { redactSipText } from '../../redact';
import type { TraceEvent, TraceSink } from '../port';

type SipView = Srf.SrfRequest | Srf.SrfResponse;

function firstLine(raw: string): string {
  const end = raw.indexOf('\r\n');
  return (end === -1 ? raw : raw.slice(0, end)).replace(/\s+SIP\/2\.0$/, '').replace(/^SIP\/2\.0\s+/, '');
}

function summaryOf(msg: SipView): string {
  if (msg.raw) return firstLine(msg.raw);
  if ('method' in msg) return `${msg.method} ${msg.uri}`;
  return `${msg.status} ${msg.reason}`;
}

/**
 * One `sip` trace event. `direction` is from fyrkant's point of view: `out` for what we sent to the
 * PBX, `in` for what it sent us.
 */
export function sipTraceEvent(msg: SipView, direction: 'in' | 'out', at = Date.now()): TraceEvent {
  const proto = (msg.protocol || 'udp').toLowerCase();
  const peer = `${proto}:${msg.source_address ?? '?'}:${msg.source_port ?? '?'}`;
  const callId = msg.get('Call-ID');
  return {
    kind: 'sip',
    at,
    direction,
    peer,
    summary: summaryOf(msg),
    raw: redactSipText(msg.raw ?? summaryOf(msg)),
    ...(callId ? { callId } : {}),
  };
}

/** A trace sink that never throws into the call's control flow (a broken sink must not drop a call). */
export function safeSink(sink: TraceSink): TraceSink {
  return (event) => {
    try {
      sink(event);
    } catch {
      // The trace is diagnostics; the call goes on without it.
    }
  };
}
