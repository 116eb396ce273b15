/**
 * A text SIP ladder for the terminal: one line per message between fyrkant and each peer, with
 * DTMF, prompts and media notes interleaved, times relative to the first event.
 */
import type { TraceEvent } from '../../telephony/port';

const READABLE_NOTE = /^(ivr: input |ivr: step \d+ listens|ivr: sent digits|ivr: result |outcome: )/;

export function textLadder(events: readonly TraceEvent[]): string {
  if (events.length === 0) return '  (no events)';
  const t0 = events[0]!.at;
  const lines: string[] = [];
  for (const e of events) {
    const t = `+${((e.at - t0) / 1000).toFixed(3).padStart(7)}s`;
    switch (e.kind) {
      case 'sip':
        lines.push(
          e.direction === 'out'
            ? `${t}  fyrkant ──${e.summary}──▶ ${e.peer}`
            : `${t}  fyrkant ◀──${e.summary}── ${e.peer}`,
        );
        break;
      case 'dtmf':
        lines.push(`${t}  DTMF ${e.direction === 'in' ? 'received' : 'sent'} ${e.digit} (${e.source})`);
        break;
      case 'prompt':
        lines.push(`${t}  prompt ${e.prompt}: ${e.phase}`);
        break;
      case 'media':
        lines.push(`${t}  media: ${e.summary}${e.stats ? ` ${formatStats(e.stats)}` : ''}`);
        break;
      case 'state':
        lines.push(`${t}  call ${e.state}${e.detail ? ` (${e.detail})` : ''}`);
        break;
      case 'note':
        if (e.level !== 'info') lines.push(`${t}  ${e.level}: ${e.message}`);
        // What the script heard and why the call ended; the step-by-step notes stay out.
        else if (READABLE_NOTE.test(e.message)) lines.push(`${t}  ${e.message}`);
        break;
    }
  }
  return lines.map((l) => `  ${l}`).join('\n');
}

function formatStats(stats: Readonly<Record<string, number | string>>): string {
  return Object.entries(stats)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
