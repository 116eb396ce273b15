/**
 * Stored attempt events back to the telephony port's `TraceEvent`s for the ladder. The store keeps
 * each trace event as JSON in `data` (raw SIP text separately, redacted); rows written by the
 * service itself (kind `script`, or without data) become notes so nothing recorded is hidden.
 */
import type { AttemptEventRow } from '../../store/schema';
import type { DtmfSource, TraceEvent } from '../../telephony/port';

const SOURCES: readonly DtmfSource[] = ['rfc4733', 'info', 'inband'];

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

export function traceFromEventRows(
  rows: readonly Pick<AttemptEventRow, 'at' | 'kind' | 'summary' | 'raw' | 'data'>[],
): TraceEvent[] {
  return rows.map((row): TraceEvent => {
    const d = (row.data ?? {}) as Record<string, unknown>;
    const at = row.at;
    switch (row.kind) {
      case 'sip':
        return {
          kind: 'sip',
          at,
          direction: d.direction === 'in' ? 'in' : 'out',
          peer: str(d.peer),
          summary: str(d.summary, row.summary.replace(/^[→←]\s*/, '')),
          raw: row.raw ?? '',
          ...(typeof d.callId === 'string' ? { callId: d.callId } : {}),
        };
      case 'dtmf':
        return {
          kind: 'dtmf',
          at,
          direction: d.direction === 'out' ? 'out' : 'in',
          digit: str(d.digit, '?'),
          source: SOURCES.includes(d.source as DtmfSource) ? (d.source as DtmfSource) : 'rfc4733',
        };
      case 'prompt': {
        const phase = d.phase === 'end' || d.phase === 'interrupted' ? d.phase : 'start';
        return { kind: 'prompt', at, phase, prompt: str(d.prompt, row.summary) };
      }
      case 'media':
        return { kind: 'media', at, summary: row.summary };
      case 'state':
        if (d.kind === 'state' && typeof d.state === 'string') {
          return {
            kind: 'state',
            at,
            state: d.state as Extract<TraceEvent, { kind: 'state' }>['state'],
            ...(typeof d.detail === 'string' ? { detail: d.detail } : {}),
          };
        }
        return { kind: 'note', at, level: 'info', message: row.summary };
      case 'note': {
        const level = d.level === 'warn' || d.level === 'error' ? d.level : 'info';
        return { kind: 'note', at, level, message: str(d.message, row.summary) };
      }
      default:
        return { kind: 'note', at, level: 'info', message: row.summary };
    }
  });
}
