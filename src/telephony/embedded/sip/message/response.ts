/** Building a response to a request (RFC 3261 §8.2.6.2). */
import { type SipRequest, SipResponse } from './message';

export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  422: 'Session Interval Too Small',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
};

/**
 * Copy Via, From, To, Call-ID and CSeq; add our To tag unless it is a 100 or the request had one.
 */
export function createResponse(request: SipRequest, status: number, reason?: string, toTag?: string): SipResponse {
  const res = new SipResponse(status, reason ?? REASONS[status] ?? 'Unknown');
  for (const h of request.headers) {
    if (h.name === 'via') res.add('Via', h.value);
  }
  res.add('From', request.get('from') ?? '');
  let to = request.get('to') ?? '';
  if (toTag && status !== 100 && request.toTag === undefined) to += `;tag=${toTag}`;
  res.add('To', to);
  res.add('Call-ID', request.callId);
  res.add('CSeq', request.get('cseq') ?? '');
  return res;
}
