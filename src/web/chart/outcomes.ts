/**
 * Outcomes over time as a stacked bar chart (SVG, pure). Five series as the dashboard needs them:
 * approved, no answer, busy, fraud and failed (every other ended outcome). The picture has a data
 * table next to it in the page for screen readers; colours are the Okabe–Ito palette, which stays
 * distinguishable for the common kinds of colour blindness.
 */
import { escapeHtml } from '../html';

export const SERIES = ['approved', 'no-answer', 'busy', 'fraud', 'failed'] as const;
export type Series = (typeof SERIES)[number];

export const SERIES_COLOUR: Readonly<Record<Series, string>> = {
  approved: '#009e73',
  'no-answer': '#e69f00',
  busy: '#56b4e9',
  fraud: '#d55e00',
  failed: '#5f5f5f',
};

/** Which series an attempt outcome counts in. Cancelled and not-yet-ended attempts are not counted. */
export function seriesOf(outcome: string | null | undefined): Series | undefined {
  switch (outcome) {
    case null:
    case undefined:
    case 'cancelled':
      return undefined;
    case 'approved':
      return 'approved';
    case 'no-answer':
    case 'timeout':
      return 'no-answer';
    case 'busy':
      return 'busy';
    case 'fraud':
      return 'fraud';
    default:
      return 'failed';
  }
}

export interface Bucket {
  readonly start: number;
  readonly counts: Readonly<Record<Series, number>>;
}

/** Folds (bucketStart, outcome, count) rows into `buckets` consecutive buckets starting at `since`. */
export function bucketise(
  rows: readonly { bucketStart: number; outcome: string; count: number }[],
  since: number,
  bucketMs: number,
  buckets: number,
): Bucket[] {
  const out: { start: number; counts: Record<Series, number> }[] = [];
  for (let i = 0; i < buckets; i++) {
    out.push({ start: since + i * bucketMs, counts: { approved: 0, 'no-answer': 0, busy: 0, fraud: 0, failed: 0 } });
  }
  for (const r of rows) {
    const series = seriesOf(r.outcome);
    const i = Math.floor((r.bucketStart - since) / bucketMs);
    const bucket = out[i];
    if (series && bucket && i >= 0) bucket.counts[series] += r.count;
  }
  return out;
}

export interface ChartOptions {
  readonly title: string;
  /** Label under a bucket (e.g. `14:00` or `3 Dec`); called for every bucket, shown for some. */
  readonly tick: (start: number) => string;
  readonly seriesName: (s: Series) => string;
  readonly emptyText: string;
}

const W = 760;
const H = 260;
const PAD = { left: 44, right: 12, top: 14, bottom: 36 };

/** Four gridline steps of 1, 2, 5 × 10^k, so the axis shows whole, readable numbers. */
function niceMax(n: number): number {
  const raw = Math.max(1, n) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return Math.max(1, step) * 4;
}

export function renderOutcomesChart(buckets: readonly Bucket[], o: ChartOptions): string {
  const totals = buckets.map((b) => SERIES.reduce((sum, s) => sum + b.counts[s], 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(buckets.length, 1);
  const barW = Math.max(2, slot * 0.72);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"` +
      ` font-family="system-ui, sans-serif" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeHtml(o.title)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    const yy = y(v);
    parts.push(
      `<line x1="${PAD.left}" y1="${yy}" x2="${W - PAD.right}" y2="${yy}" stroke="${i === 0 ? '#4a5159' : '#e1e5e9'}" stroke-width="1"/>`,
      `<text x="${PAD.left - 6}" y="${yy + 4}" text-anchor="end" font-size="11" fill="#4a5159">${v}</text>`,
    );
  }
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 12));
  buckets.forEach((b, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    let acc = 0;
    for (const s of SERIES) {
      const n = b.counts[s];
      if (n === 0) continue;
      const top = y(acc + n);
      const h = y(acc) - top;
      parts.push(
        `<rect class="bar bar-${s}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"` +
          ` fill="${SERIES_COLOUR[s]}"><title>${escapeHtml(`${o.tick(b.start)} · ${o.seriesName(s)}: ${n}`)}</title></rect>`,
      );
      acc += n;
    }
    if (i % labelEvery === 0) {
      parts.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#4a5159">${escapeHtml(o.tick(b.start))}</text>`,
      );
    }
  });
  if (totals.every((t) => t === 0)) {
    parts.push(
      `<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH / 2}" text-anchor="middle" font-size="14" fill="#4a5159">${escapeHtml(o.emptyText)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
