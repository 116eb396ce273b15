/**
 * What a SIP ladder shows, computed from an attempt's trace (pure; no markup). Three lifelines:
 * fyrkant, the trunk or PBX (the SIP peer we talk to), and the phone behind it. SIP messages travel
 * between fyrkant and the trunk/PBX; prompts are heard on the phone and the phone's key presses come
 * back to us; the extension digits we send after answer are consumed by the PBX's auto-attendant,
 * so they end at the PBX lifeline.
 */
import type { TraceEvent } from '../../telephony/port';

export type LadderColumn = 'fyrkant' | 'pbx' | 'phone';

export type ArrowTone = 'request' | 'provisional' | 'success' | 'redirect' | 'failure' | 'dtmf' | 'prompt';
export type MarkTone = 'state' | 'info' | 'warn' | 'error' | 'media';

interface RowBase {
  /** Position of the event in the trace as given (stable id for the raw-message anchor). */
  readonly index: number;
  readonly at: number;
  /** Milliseconds since the first event of the trace. */
  readonly offsetMs: number;
}

export interface ArrowRow extends RowBase {
  readonly kind: 'arrow';
  readonly from: LadderColumn;
  readonly to: LadderColumn;
  /** Short label drawn on the arrow: the method (`INVITE`) or the status (`180 Ringing`). */
  readonly label: string;
  /** For responses, the method of the transaction from CSeq (`200 OK` to `INVITE` vs `BYE`). */
  readonly sublabel?: string;
  /** Full one-line description for tooltips and screen readers. */
  readonly detail: string;
  readonly tone: ArrowTone;
  /** Dashed arrows are media-plane events (prompts, DTMF), solid ones SIP messages. */
  readonly plane: 'signalling' | 'media';
  /** The whole SIP message (already redacted by the backend), shown on click. */
  readonly raw?: string;
}

export interface MarkRow extends RowBase {
  readonly kind: 'mark';
  readonly column: LadderColumn;
  readonly label: string;
  readonly tone: MarkTone;
}

export type LadderRow = ArrowRow | MarkRow;

export interface Ladder {
  /** Epoch ms of the first event (0 when the trace is empty). */
  readonly startAt: number;
  /** Distinct SIP peers seen (e.g. `udp:127.0.0.1:5062`), in order of appearance. */
  readonly peers: readonly string[];
  readonly rows: readonly LadderRow[];
}

/** Words the ladder needs in the viewer's language; defaults are English. */
export interface LadderWords {
  readonly prompt: (name: string) => string;
  readonly promptEnd: (name: string) => string;
  readonly promptInterrupted: (name: string) => string;
  readonly dtmfIn: (digit: string, source: string) => string;
  readonly dtmfOut: (digit: string, source: string) => string;
  readonly state: (state: string, detail?: string) => string;
}

export const englishLadderWords: LadderWords = {
  prompt: (n) => `▶ ${n}`,
  promptEnd: (n) => `■ ${n} ended`,
  promptInterrupted: (n) => `■ ${n} interrupted`,
  dtmfIn: (d, s) => `key ${d} (${s})`,
  dtmfOut: (d, s) => `sent ${d} (${s})`,
  state: (s, d) => (d ? `${s}: ${d}` : s),
};

const SOURCE_NAMES: Record<string, string> = { rfc4733: 'RFC 4733', info: 'SIP INFO', inband: 'in-band' };

const STATUS_LINE = /^(?:SIP\/2\.0\s+)?([1-6]\d\d)\b\s*(.*)$/;
const REQUEST_LINE = /^([A-Z][A-Z_-]*)\b\s*(.*)$/;
const CSEQ = /^CSeq\s*:\s*\d+\s+([A-Za-z_-]+)/im;

function toneForStatus(status: number): ArrowTone {
  if (status < 200) return 'provisional';
  if (status < 300) return 'success';
  if (status < 400) return 'redirect';
  return 'failure';
}

function sipArrow(event: Extract<TraceEvent, { kind: 'sip' }>, base: RowBase): ArrowRow {
  const from: LadderColumn = event.direction === 'out' ? 'fyrkant' : 'pbx';
  const to: LadderColumn = event.direction === 'out' ? 'pbx' : 'fyrkant';
  const summary = event.summary.trim();
  const status = STATUS_LINE.exec(summary);
  if (status) {
    const code = Number(status[1]);
    // Some backends already name the transaction in the summary: `180 Ringing (INVITE)`.
    const named = /^(.*?)\s*\(([A-Z][A-Z_-]*)\)$/.exec((status[2] ?? '').trim());
    const reason = (named ? named[1]! : (status[2] ?? '')).trim();
    const method = CSEQ.exec(event.raw)?.[1]?.toUpperCase() ?? named?.[2];
    return {
      ...base,
      kind: 'arrow',
      from,
      to,
      label: reason ? `${code} ${reason}` : String(code),
      ...(method ? { sublabel: method } : {}),
      detail: summary,
      tone: toneForStatus(code),
      plane: 'signalling',
      raw: event.raw,
    };
  }
  const request = REQUEST_LINE.exec(summary);
  return {
    ...base,
    kind: 'arrow',
    from,
    to,
    label: request?.[1] ?? (summary || '?'),
    detail: summary,
    tone: 'request',
    plane: 'signalling',
    raw: event.raw,
  };
}

export function buildLadder(trace: readonly TraceEvent[], words: LadderWords = englishLadderWords): Ladder {
  // Stable sort by time: backends may write a trace slightly out of order across threads of work.
  const ordered = trace
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.at - b.event.at || a.index - b.index);
  const startAt = ordered[0]?.event.at ?? 0;
  const peers: string[] = [];
  const rows: LadderRow[] = [];
  for (const { event, index } of ordered) {
    const base: RowBase = { index, at: event.at, offsetMs: Math.max(0, event.at - startAt) };
    switch (event.kind) {
      case 'sip':
        if (!peers.includes(event.peer)) peers.push(event.peer);
        rows.push(sipArrow(event, base));
        break;
      case 'dtmf': {
        const source = SOURCE_NAMES[event.source] ?? event.source;
        rows.push(
          event.direction === 'in'
            ? {
                ...base,
                kind: 'arrow',
                from: 'phone',
                to: 'fyrkant',
                label: `DTMF ${event.digit}`,
                detail: words.dtmfIn(event.digit, source),
                tone: 'dtmf',
                plane: 'media',
              }
            : {
                ...base,
                kind: 'arrow',
                from: 'fyrkant',
                to: 'pbx',
                label: `DTMF ${event.digit}`,
                detail: words.dtmfOut(event.digit, source),
                tone: 'dtmf',
                plane: 'media',
              },
        );
        break;
      }
      case 'prompt':
        if (event.phase === 'start') {
          rows.push({
            ...base,
            kind: 'arrow',
            from: 'fyrkant',
            to: 'phone',
            label: words.prompt(event.prompt),
            detail: words.prompt(event.prompt),
            tone: 'prompt',
            plane: 'media',
          });
        } else {
          const label = event.phase === 'end' ? words.promptEnd(event.prompt) : words.promptInterrupted(event.prompt);
          rows.push({ ...base, kind: 'mark', column: 'phone', label, tone: 'media' });
        }
        break;
      case 'media':
        rows.push({ ...base, kind: 'mark', column: 'fyrkant', label: event.summary, tone: 'media' });
        break;
      case 'state':
        rows.push({
          ...base,
          kind: 'mark',
          column: 'fyrkant',
          label: words.state(event.state, event.detail),
          tone: 'state',
        });
        break;
      case 'note':
        rows.push({ ...base, kind: 'mark', column: 'fyrkant', label: event.message, tone: event.level });
        break;
    }
  }
  return { startAt, peers, rows };
}

/** `+1.234 s`: offsets are what people compare on a ladder (post-dial delay, time to answer, time to #). */
export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)} s`;
}
