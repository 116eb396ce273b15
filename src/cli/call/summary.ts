/** The human-readable report of `fyrkant call`. */
import { textLadder } from './ladder';
import type { CallReport } from './run-call';

export function humanSummary(target: string, r: CallReport): string {
  const lines = [`fyrkant call ${target}`];
  if (r.requestUri) lines.push(`  Request-URI  ${r.requestUri}`);
  if (r.policy) lines.push(`  policy       ${r.policy.allow ? 'allowed' : 'denied'} (${r.policy.reason})`);
  if (r.trace.length) lines.push('', 'SIP ladder:', textLadder(r.trace), '');
  lines.push(`Outcome: ${r.outcome} — ${r.reason}`);
  const details = [
    r.sipStatus !== null ? `SIP ${r.sipStatus}` : undefined,
    r.digits ? `digits ${r.digits}${r.dtmfSource ? ` via ${r.dtmfSource}` : ''}` : undefined,
    r.extensionSent ? `extension ${r.extensionSent} sent` : undefined,
    `${(r.durationMs / 1000).toFixed(1)} s`,
    r.callId ? `Call-ID ${r.callId}` : undefined,
  ].filter(Boolean);
  lines.push(`  ${details.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `--json`: exactly one object, without the trace. */
export function jsonReport(r: CallReport): string {
  // The fields the issue promises first, in a stable order; then the extras.
  const ordered = {
    outcome: r.outcome,
    sipStatus: r.sipStatus,
    reason: r.reason,
    digits: r.digits,
    dtmfSource: r.dtmfSource,
    extensionSent: r.extensionSent,
    durationMs: r.durationMs,
    callId: r.callId,
    attemptId: r.attemptId,
    requestUri: r.requestUri,
    scriptId: r.scriptId,
    policy: r.policy,
  };
  return `${JSON.stringify(ordered)}\n`;
}
