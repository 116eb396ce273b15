/**
 * The trace sink handed to the backend and the script: every event is appended to the attempt's
 * ordered trace in SQLite, then published to live listeners. A failing write is logged, never thrown
 * into the SIP stack.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics';
import { appendAttemptEvent, type Store } from '../../store';
import type { TraceEvent, TraceSink } from '../../telephony/port';
import type { AttemptBus } from './attempt-bus';

export function traceRecorder(
  store: Store,
  bus: AttemptBus,
  metrics: Metrics,
  log: Logger,
  attemptId: string,
): TraceSink {
  return (event: TraceEvent) => {
    try {
      const row = appendAttemptEvent(store.db, attemptId, event);
      if (event.kind === 'dtmf' && event.direction === 'in') metrics.dtmfDigits.inc({ source: event.source });
      bus.publish({ type: 'trace', attemptId, seq: row.seq, at: row.at, kind: row.kind, summary: row.summary });
    } catch (err) {
      log.error({ err, attemptId, kind: event.kind }, 'could not record trace event');
    }
  };
}
