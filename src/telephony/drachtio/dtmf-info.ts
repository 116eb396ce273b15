/** DTMF carried in SIP INFO bodies (`application/dtmf-relay` `Signal=#`, or `application/dtmf` `#`). */
import { type DtmfDigit, isDtmfDigit } from '../port';

export interface InfoDigit {
  readonly digit: DtmfDigit;
  readonly durationMs?: number;
}

export function parseInfoDtmf(contentType: string | undefined, body: string | undefined): InfoDigit | undefined {
  if (!contentType || body === undefined) return undefined;
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/dtmf-relay') {
    const signal = /^\s*signal\s*=\s*(\S)\s*$/im.exec(body)?.[1]?.toUpperCase();
    const duration = /^\s*duration\s*=\s*(\d+)\s*$/im.exec(body)?.[1];
    if (!signal || !isDtmfDigit(signal)) return undefined;
    return duration ? { digit: signal, durationMs: Number(duration) } : { digit: signal };
  }
  if (type === 'application/dtmf') {
    const d = body.trim().toUpperCase();
    return isDtmfDigit(d) ? { digit: d } : undefined;
  }
  return undefined;
}
