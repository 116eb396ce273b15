/**
 * The trace sink handed to the backend and the script: every event joins the attempt's ordered
 * trace through the shared per-turn batch (trace-batch.ts), which commits it and then publishes it
 * to live listeners. A failing write is logged, never thrown into the SIP stack.
 */
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics';
import type { TraceEvent, TraceSink } from '../../telephony/port';
import type { TraceBatch } from './trace-batch';

export function traceRecorder(batch: TraceBatch, metrics: Metrics, log: Logger, attemptId: string): TraceSink {
  return (event: TraceEvent) => {
    try {
      batch.add(attemptId, event);
      if (event.kind === 'dtmf' && event.direction === 'in') metrics.dtmfDigits.inc({ source: event.source });
    } catch (err) {
      log.error({ err, attemptId, kind: event.kind }, 'could not record trace event');
    }
  };
}
