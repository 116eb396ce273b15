import { traceToEvent } from '../../src/store/repo/attempts';
import { callStatus } from '../../src/web/call-status';
import { bucketise, renderOutcomesChart, seriesOf } from '../../src/web/chart/outcomes';
import { messages } from '../../src/web/i18n';
import { traceFromEventRows } from '../../src/web/ladder/from-store';
import { verifiedTrace } from './trace-fixtures';

describe('outcomes chart', () => {
  const HOUR = 3600_000;
  it('folds outcomes into the five series and buckets', () => {
    expect(['approved', 'no-answer', 'timeout', 'busy', 'fraud', 'rejected', 'policy-denied'].map(seriesOf)).toEqual([
      'approved',
      'no-answer',
      'no-answer',
      'busy',
      'fraud',
      'failed',
      'failed',
    ]);
    expect(seriesOf('cancelled')).toBeUndefined();
    const b = bucketise(
      [
        { bucketStart: 0, outcome: 'approved', count: 3 },
        { bucketStart: HOUR, outcome: 'busy', count: 1 },
        { bucketStart: HOUR, outcome: 'not-found', count: 2 },
        { bucketStart: 99 * HOUR, outcome: 'approved', count: 9 }, // outside the window
      ],
      0,
      HOUR,
      3,
    );
    expect(b.map((x) => x.counts)).toEqual([
      { approved: 3, 'no-answer': 0, busy: 0, fraud: 0, failed: 0 },
      { approved: 0, 'no-answer': 0, busy: 1, fraud: 0, failed: 2 },
      { approved: 0, 'no-answer': 0, busy: 0, fraud: 0, failed: 0 },
    ]);
  });

  it('draws stacked bars with a tooltip per series and says when there is nothing', () => {
    const buckets = bucketise([{ bucketStart: HOUR, outcome: 'approved', count: 4 }], 0, HOUR, 3);
    const svg = renderOutcomesChart(buckets, {
      title: 'Utfall <24h>',
      tick: (t) => `${t / HOUR}h`,
      seriesName: (s) => s,
      emptyText: 'none',
    });
    expect(svg).toContain('<title id="chart-title">Utfall &lt;24h&gt;</title>');
    expect(svg.match(/class="bar bar-approved"/g)).toHaveLength(1);
    expect(svg).toContain('<title>1h · approved: 4</title>');
    expect(svg).not.toContain('>none<');
    const empty = renderOutcomesChart(bucketise([], 0, HOUR, 3), {
      title: 't',
      tick: String,
      seriesName: String,
      emptyText: 'none',
    });
    expect(empty).toContain('>none<');
  });
});

describe('call status in plain words', () => {
  const sv = messages('sv');
  const en = messages('en');
  const base = { sipStatus: null, reasonCode: null, digitsSent: null };
  it('follows the attempt through ringing to verified', () => {
    expect(callStatus({ ...base, state: 'ringing', outcome: null }, sv)).toMatchObject({
      phase: 'ringing',
      step: 'ringing',
      final: false,
    });
    expect(callStatus({ ...base, state: 'ended', outcome: 'approved' }, sv)).toEqual({
      phase: 'verified',
      step: 'verified',
      status: 'Verifierad. Tack!',
      final: true,
    });
  });

  it('says "press #" only once the script listens, not while the transfer prompt plays', () => {
    expect(callStatus({ ...base, state: 'in-script', outcome: null }, en).status).toBe(
      'The call was answered. Listen to the message.',
    );
    expect(callStatus({ ...base, state: 'listening', outcome: null }, en)).toMatchObject({
      phase: 'listening',
      step: 'answered',
      status: 'Press # (the pound key) on your phone now.',
      final: false,
    });
  });

  it('a failed call with an automatic retry to come is not final and says when it calls again', () => {
    const busy = { ...base, state: 'ended' as const, outcome: 'busy' as const, sipStatus: 486 };
    const s = callStatus({ ...busy, retryDueAt: 61_000, nextAttemptId: null }, en, 1_000);
    expect(s).toMatchObject({ phase: 'retrying', final: false });
    expect(s.status).toBe('We will call you again automatically in about 60 s. Keep the phone near you.');
    expect(s.reason).toBe('What happened: The line was busy (486 Busy Here).');
    expect(callStatus({ ...busy, retryDueAt: null, nextAttemptId: null }, en).final).toBe(true);
  });

  it('explains a busy line with the SIP status and says what to try', () => {
    const s = callStatus({ ...base, state: 'ended', outcome: 'busy', sipStatus: 486 }, en);
    expect(s.phase).toBe('failed');
    expect(s.reason).toBe('What happened: The line was busy (486 Busy Here).');
    expect(s.tip).toBe('What to try: Make sure the line is free, then call again.');
  });

  it('blames the extension when the call was answered, digits were sent and nothing came back', () => {
    const s = callStatus({ ...base, state: 'ended', outcome: 'no-input', digitsSent: '123' }, sv);
    expect(s.tip).toContain('Växeln tog inte emot anknytningen');
    const vm = callStatus({ ...base, state: 'ended', outcome: 'no-input', reasonCode: 'voicemail' }, en);
    expect(vm.tip).toContain('went to voicemail');
  });
});

describe('stored trace back to ladder events', () => {
  it('round-trips the trace the store writes', () => {
    const trace = verifiedTrace();
    const rows = trace.map((e) => {
      const ev = traceToEvent(e);
      return { at: ev.at, kind: ev.kind, summary: ev.summary, raw: ev.raw ?? null, data: ev.data ?? null };
    });
    expect(traceFromEventRows(rows)).toEqual(trace);
  });
});

describe('chart axis', () => {
  it('uses whole numbers on the axis for any count', () => {
    for (const n of [0, 1, 2, 3, 5, 7, 13, 99, 250, 1234]) {
      const svg = renderOutcomesChart(bucketise([{ bucketStart: 0, outcome: 'approved', count: n }], 0, 1, 1), {
        title: 't',
        tick: String,
        seriesName: String,
        emptyText: 'none',
      });
      const ticks = [...svg.matchAll(/text-anchor="end" font-size="11" fill="#4a5159">([^<]+)</g)].map((m) =>
        Number(m[1]),
      );
      expect(ticks).toHaveLength(5);
      for (const t of ticks) expect(Number.isInteger(t)).toBe(true);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(n);
    }
  });
});
