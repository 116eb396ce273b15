import fc from 'fast-check';
import type { TraceEvent } from '../../src/telephony/port';
import { buildLadder, formatOffset } from '../../src/web/ladder/model';
import { renderLadderSvg } from '../../src/web/ladder/svg';
import { busyTrace, verifiedTrace } from './trace-fixtures';

describe('SIP ladder model', () => {
  it('turns a verification trace into arrows between fyrkant, the PBX and the phone', () => {
    const ladder = buildLadder(verifiedTrace());
    expect(ladder.peers).toEqual(['udp:127.0.0.1:5062']);
    const arrows = ladder.rows.filter((r) => r.kind === 'arrow');
    expect(arrows.map((a) => [a.label, a.from, a.to])).toEqual([
      ['INVITE', 'fyrkant', 'pbx'],
      ['100 Trying', 'pbx', 'fyrkant'],
      ['180 Ringing', 'pbx', 'fyrkant'],
      ['200 OK', 'pbx', 'fyrkant'],
      ['ACK', 'fyrkant', 'pbx'],
      ['DTMF 1', 'fyrkant', 'pbx'],
      ['DTMF 2', 'fyrkant', 'pbx'],
      ['▶ greeting@sv-SE', 'fyrkant', 'phone'],
      ['DTMF #', 'phone', 'fyrkant'],
      ['BYE', 'fyrkant', 'pbx'],
      ['200 OK', 'pbx', 'fyrkant'],
    ]);
  });

  it('tells a 200 to INVITE from a 200 to BYE by the CSeq method', () => {
    const oks = buildLadder(verifiedTrace()).rows.filter((r) => r.kind === 'arrow' && r.label === '200 OK');
    expect(oks.map((r) => (r.kind === 'arrow' ? r.sublabel : undefined))).toEqual(['INVITE', 'BYE']);
  });

  it('reads the method from a summary like `180 Ringing (INVITE)` when there is no CSeq', () => {
    const ladder = buildLadder([
      { kind: 'sip', at: 0, direction: 'in', peer: 'udp:x', summary: '180 Ringing (INVITE)', raw: '' },
      { kind: 'sip', at: 1, direction: 'in', peer: 'udp:x', summary: 'SIP/2.0 200 OK (BYE)', raw: 'CSeq: 2 BYE' },
    ]);
    expect(ladder.rows.map((r) => (r.kind === 'arrow' ? [r.label, r.sublabel] : []))).toEqual([
      ['180 Ringing', 'INVITE'],
      ['200 OK', 'BYE'],
    ]);
  });

  it('measures offsets from the first event and sorts by time, keeping the original index', () => {
    const trace = verifiedTrace();
    const shuffled = [trace[3]!, trace[0]!, trace[1]!, trace[2]!];
    const ladder = buildLadder(shuffled);
    expect(ladder.rows.map((r) => r.index)).toEqual([1, 2, 3, 0]);
    expect(ladder.rows.map((r) => r.offsetMs)).toEqual([0, 1, 12, 40]);
  });

  it('colours responses by class and marks media events as dashed', () => {
    const rows = buildLadder(busyTrace()).rows;
    expect(rows.map((r) => (r.kind === 'arrow' ? r.tone : r.tone))).toEqual([
      'request',
      'provisional',
      'failure',
      'request',
    ]);
    const dtmf = buildLadder(verifiedTrace()).rows.find((r) => r.kind === 'arrow' && r.tone === 'dtmf');
    expect(dtmf?.kind === 'arrow' && dtmf.plane).toBe('media');
  });

  it('formats offsets in seconds with milliseconds', () => {
    expect(formatOffset(0)).toBe('+0.000 s');
    expect(formatOffset(1230)).toBe('+1.230 s');
  });
});

describe('SIP ladder SVG', () => {
  it('draws every arrow with its label and links SIP arrows to their raw message', () => {
    const svg = renderLadderSvg(verifiedTrace(), { idPrefix: 'a1-' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const label of ['INVITE', '100 Trying', '180 Ringing', '200 OK', 'ACK', 'BYE', 'DTMF #']) {
      expect(svg).toContain(`data-label="${label}"`);
    }
    expect(svg).toContain('200 OK · INVITE');
    expect(svg).toContain('200 OK · BYE');
    expect(svg).toContain('href="#a1-raw-1"');
    expect(svg).toContain('marker-end="url(#a1-arrow-request)"');
    expect(svg).toContain('+1.230 s');
    // DTMF is media-plane: dashed, and has no raw SIP message to link to.
    expect(svg).toMatch(
      /data-label="DTMF #" data-index="9"><title>[^<]*<\/title><text[^>]*>\+4\.100 s<\/text><line[^>]*stroke-dasharray/,
    );
  });

  it('uses the column titles it is given', () => {
    const svg = renderLadderSvg(busyTrace(), { columns: { fyrkant: 'fyrkant', pbx: 'Växel', phone: 'Telefon' } });
    expect(svg).toContain('>Växel</text>');
    expect(svg).toContain('>Telefon</text>');
  });

  it('says so when the trace is empty', () => {
    expect(renderLadderSvg([], { emptyText: 'Inga händelser.' })).toContain('Inga händelser.');
  });

  it('escapes whatever the network sent', () => {
    const hostile: TraceEvent[] = [
      {
        kind: 'sip',
        at: 1,
        direction: 'in',
        peer: 'udp:1.2.3.4:5060"><script>alert(1)</script>',
        summary: '<img src=x onerror=alert(1)> INVITE',
        raw: '</svg><script>alert(2)</script>',
      },
      { kind: 'note', at: 2, level: 'error', message: '<b>bold</b> & "quoted"' },
    ];
    const svg = renderLadderSvg(hostile);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
  });

  it('never throws and never lets markup through, whatever the events hold', () => {
    const text = fc.string({ maxLength: 40 });
    const event: fc.Arbitrary<TraceEvent> = fc.oneof(
      fc.record({
        kind: fc.constant('sip' as const),
        at: fc.integer({ min: 0, max: 1e7 }),
        direction: fc.constantFrom('in' as const, 'out' as const),
        peer: text,
        summary: text,
        raw: text,
      }),
      fc.record({
        kind: fc.constant('dtmf' as const),
        at: fc.integer({ min: 0, max: 1e7 }),
        direction: fc.constantFrom('in' as const, 'out' as const),
        digit: text,
        source: fc.constantFrom('rfc4733' as const, 'info' as const, 'inband' as const),
      }),
      fc.record({
        kind: fc.constant('prompt' as const),
        at: fc.integer({ min: 0, max: 1e7 }),
        phase: fc.constantFrom('start' as const, 'end' as const, 'interrupted' as const),
        prompt: text,
      }),
      fc.record({
        kind: fc.constant('note' as const),
        at: fc.integer({ min: 0, max: 1e7 }),
        level: fc.constantFrom('info' as const, 'warn' as const, 'error' as const),
        message: text,
      }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), (trace) => {
        const svg = renderLadderSvg(trace);
        // Every `<` in the output starts one of the elements the renderer itself writes.
        const tags = svg.match(/<\/?([a-zA-Z]+)/g) ?? [];
        const allowed = new Set(['svg', 'title', 'defs', 'marker', 'path', 'rect', 'g', 'line', 'text', 'a']);
        for (const t of tags) expect(allowed.has(t.replace(/^<\/?/, ''))).toBe(true);
        expect(svg.split('<').length - 1).toBe(tags.length);
      }),
      { numRuns: 300 },
    );
  });
});
