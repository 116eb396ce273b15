/**
 * Keeps PINs out of the attempt trace. The backend writes every received DTMF digit to the trace sink
 * it was given at dial time; while a PIN `gather` runs, those digits are the user's PIN. Wrap the sink
 * before dialling and feed the run's IVR events in:
 *
 *   const mask = maskSecretDtmf(sink);
 *   const call = await backend.dial({ ..., trace: mask.trace });
 *   await runScript({ ..., trace: mask.trace, onEvent: mask.onEvent });
 *
 * Digits received while a PIN is being collected are recorded as `*` (source and timing are kept,
 * which is what DTMF troubleshooting needs).
 */
import type { TraceSink } from '../telephony/port';
import type { IvrEvent, IvrEventSink } from './events';

export function maskSecretDtmf(sink: TraceSink, next?: IvrEventSink): { trace: TraceSink; onEvent: IvrEventSink } {
  let secret = false;
  return {
    trace: (e) => {
      if (secret && e.kind === 'dtmf' && e.direction === 'in') sink({ ...e, digit: '*' });
      else sink(e);
    },
    onEvent: (e: IvrEvent) => {
      if (e.kind === 'secret-input') secret = e.active;
      next?.(e);
    },
  };
}
