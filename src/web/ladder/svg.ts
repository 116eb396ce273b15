/**
 * Draws a `Ladder` as an SVG document fragment. Pure: same trace in, same markup out, so it is
 * unit-tested on strings and embedded inline in pages (no script needed to see it). Every SIP arrow
 * is a link to `#<idPrefix>raw-<index>`, where the page puts the raw message; with the little client
 * script the link also opens that message. Colours are presentation attributes, so the SVG also
 * looks right when saved on its own.
 */
import type { TraceEvent } from '../../telephony/port';
import { escapeHtml } from '../html';
import {
  type ArrowRow,
  type ArrowTone,
  buildLadder,
  englishLadderWords,
  formatOffset,
  type LadderColumn,
  type LadderWords,
  type MarkRow,
  type MarkTone,
} from './model';

export interface LadderSvgOptions {
  /** Column titles in the viewer's language. */
  readonly columns?: { readonly fyrkant: string; readonly pbx: string; readonly phone: string };
  readonly words?: LadderWords;
  /** Accessible name of the whole picture. */
  readonly title?: string;
  /** Prefix for ids and anchors, so two ladders can share a page. */
  readonly idPrefix?: string;
  /** Shown instead of an empty picture when the trace has no events. */
  readonly emptyText?: string;
}

const WIDTH = 800;
const COLUMN_X: Record<LadderColumn, number> = { fyrkant: 200, pbx: 460, phone: 712 };
const HEADER = 74;
const ROW = 36;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

// Chosen for at least 4.5:1 contrast on white (WCAG AA for text).
const ARROW_COLOUR: Record<ArrowTone, string> = {
  request: '#1f3a93',
  provisional: '#4d4d4d',
  success: '#1b6e20',
  redirect: '#7a4a00',
  failure: '#b00020',
  dtmf: '#6a1b9a',
  prompt: '#00606b',
};
const MARK_COLOUR: Record<MarkTone, { fill: string; text: string }> = {
  state: { fill: '#e8eefc', text: '#1f3a93' },
  info: { fill: '#f1f1f1', text: '#333333' },
  media: { fill: '#e3f4f4', text: '#00505a' },
  warn: { fill: '#fff4e0', text: '#6b4000' },
  error: { fill: '#fde7ea', text: '#9a001c' },
};

const esc = escapeHtml;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Estimated width of `text` in a sans-serif font at `px`, on the wide side (DejaVu Sans, the Debian
 * default, is wider than most): labels are cut to fit their space, so they never run into the next
 * column or out of their pill. The browser test measures the real widths against these spaces.
 */
function textWidth(text: string, px = 12, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (/[iljtfr.,:;'!|()[\] ]/.test(ch)) em += 0.36;
    else if (/[mwMW@%#…→←▶■]/.test(ch)) em += 0.98;
    else if (/[A-Z0-9ÅÄÖ]/.test(ch)) em += 0.74;
    else em += 0.62;
  }
  return Math.ceil(em * px * (bold ? 1.1 : 1));
}

/** `text`, cut with an ellipsis until its estimated width fits `maxPx`. */
function fitText(text: string, maxPx: number, px: number, bold = false): string {
  if (textWidth(text, px, bold) <= maxPx) return text;
  const chars = [...text];
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, px, bold) > maxPx) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}

function arrow(row: ArrowRow, y: number, prefix: string): string {
  const x1 = COLUMN_X[row.from];
  const x2 = COLUMN_X[row.to];
  const colour = ARROW_COLOUR[row.tone];
  const span = Math.abs(x2 - x1);
  const bold = row.tone === 'request' || row.tone === 'failure';
  const label = fitText(row.sublabel ? `${row.label} · ${row.sublabel}` : row.label, span - 12, 12, bold);
  const mid = (x1 + x2) / 2;
  const dash = row.plane === 'media' ? ' stroke-dasharray="6 4"' : '';
  // Stop the line short of the lifeline so the arrowhead tip touches it.
  const dir = Math.sign(x2 - x1);
  const line =
    `<line x1="${x1}" y1="${y}" x2="${x2 - dir * 2}" y2="${y}" stroke="${colour}" stroke-width="1.6"${dash}` +
    ` marker-end="url(#${prefix}arrow-${row.tone})"/>`;
  const text =
    `<text x="${mid}" y="${y - 6}" text-anchor="middle" font-size="12" fill="${colour}"` +
    `${bold ? ' font-weight="600"' : ''}>${esc(label)}</text>`;
  const time = `<text x="8" y="${y + 4}" font-size="11" fill="#4d4d4d">${esc(formatOffset(row.offsetMs))}</text>`;
  const tip = `${formatOffset(row.offsetMs)} ${row.detail}`;
  const attrs = `class="ladder-arrow ladder-${row.tone}" data-label="${esc(row.label)}" data-index="${row.index}"`;
  if (row.raw === undefined) {
    return `<g ${attrs}><title>${esc(tip)}</title>${time}${line}${text}</g>`;
  }
  const left = Math.min(x1, x2);
  const hit = `<rect class="hit" x="${left}" y="${y - 22}" width="${span}" height="30" rx="4" fill="#ffffff" fill-opacity="0"/>`;
  return (
    `<g ${attrs}>${time}<a href="#${prefix}raw-${row.index}" class="ladder-link" data-raw-index="${row.index}"` +
    ` aria-label="${esc(tip)}"><title>${esc(tip)}</title>${hit}${line}${text}</a></g>`
  );
}

function mark(row: MarkRow, y: number): string {
  const colour = MARK_COLOUR[row.tone];
  const label = fitText(row.label, 244, 11);
  const w = Math.min(textWidth(label, 11) + 16, 260);
  const cx = Math.min(Math.max(COLUMN_X[row.column], w / 2 + 84), WIDTH - w / 2 - 4);
  const tip = `${formatOffset(row.offsetMs)} ${row.label}`;
  return (
    `<g class="ladder-mark ladder-mark-${row.tone}" data-index="${row.index}"><title>${esc(tip)}</title>` +
    `<text x="8" y="${y + 4}" font-size="11" fill="#4d4d4d">${esc(formatOffset(row.offsetMs))}</text>` +
    `<rect x="${cx - w / 2}" y="${y - 10}" width="${w}" height="20" rx="10" fill="${colour.fill}" stroke="${colour.text}" stroke-width="0.8"/>` +
    `<text x="${cx}" y="${y + 4}" text-anchor="middle" font-size="11" fill="${colour.text}">${esc(label)}</text></g>`
  );
}

function markers(prefix: string): string {
  return (Object.keys(ARROW_COLOUR) as ArrowTone[])
    .map(
      (tone) =>
        `<marker id="${prefix}arrow-${tone}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8"` +
        ` orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${ARROW_COLOUR[tone]}"/></marker>`,
    )
    .join('');
}

export function renderLadderSvg(trace: readonly TraceEvent[], options: LadderSvgOptions = {}): string {
  const prefix = options.idPrefix ?? 'ladder-';
  const columns = options.columns ?? { fyrkant: 'fyrkant', pbx: 'Trunk / PBX', phone: 'Phone' };
  const ladder = buildLadder(trace, options.words ?? englishLadderWords);
  const rowsHeight = Math.max(ladder.rows.length, 1) * ROW;
  const height = HEADER + rowsHeight + 16;
  const bottom = height - 8;
  const title = options.title ?? 'SIP ladder';

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}"` +
      ` height="${height}" font-family='${FONT}' role="group" aria-labelledby="${prefix}title">`,
    `<title id="${prefix}title">${esc(title)}</title>`,
    `<defs>${markers(prefix)}</defs>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
  );
  for (const col of ['fyrkant', 'pbx', 'phone'] as const) {
    const x = COLUMN_X[col];
    parts.push(
      `<g class="ladder-column" data-column="${col}">` +
        `<line x1="${x}" y1="40" x2="${x}" y2="${bottom}" stroke="#8a8a8a" stroke-width="1"/>` +
        `<rect x="${x - 75}" y="8" width="150" height="28" rx="6" fill="#1f2933"/>` +
        `<text x="${x}" y="27" text-anchor="middle" font-size="13" font-weight="600" fill="#ffffff">${esc(fitText(columns[col], 138, 13, true))}</text></g>`,
    );
  }
  if (ladder.peers.length > 0) {
    parts.push(
      `<text class="ladder-peer" x="${COLUMN_X.pbx}" y="54" text-anchor="middle" font-size="11" fill="#4d4d4d">` +
        `${esc(truncate(ladder.peers.join(', '), 48))}</text>`,
    );
  }
  if (ladder.rows.length === 0) {
    parts.push(
      `<text x="${WIDTH / 2}" y="${HEADER + 20}" text-anchor="middle" font-size="13" fill="#4d4d4d">` +
        `${esc(options.emptyText ?? 'No events recorded.')}</text>`,
    );
  }
  ladder.rows.forEach((row, i) => {
    const y = HEADER + i * ROW + 22;
    parts.push(row.kind === 'arrow' ? arrow(row, y, prefix) : mark(row, y));
  });
  parts.push('</svg>');
  return parts.join('');
}
