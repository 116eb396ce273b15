import { formatDiagnostic } from '../../src/ivr/diagnostics';
import { validateScript } from '../../src/ivr/validate';

const check = (text: string, id = 's') => validateScript(text, `/srv/scripts/${id}.yaml`);
const brief = (text: string) =>
  check(text).diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.path} | ${d.message}`);

const GOOD = `prompts:
  hello:
    sv-SE: Hej från {company}
    en-US: Hello from {company}
steps:
  - id: ask
    gather:
      prompt: hello
      match:
        - { digits: "", result: approved, goto: bye }
      noInput: { result: no-input }
  - goto: ask
  - id: bye
    hangup: { reason: done }
`;

describe('script validator', () => {
  it('accepts a good script and hands back steps, labels and the content hash', () => {
    const r = check(GOOD);
    expect(r.diagnostics).toEqual([]);
    expect(r.script?.steps.map((s) => s.verb)).toEqual(['gather', 'goto', 'hangup']);
    expect(r.script?.labels).toEqual(
      new Map([
        ['ask', 0],
        ['bye', 2],
      ]),
    );
    expect(r.script?.data.language).toBe('en-US');
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(check(`${GOOD}\n`).hash).not.toBe(r.hash);
  });

  it('reports a typo in a verb name with its line and column, and suggests the verb', () => {
    const r = check(`prompts:
  hello:
    sv-SE: Hej
    en-US: Hello
steps:
  - gahter:
      prompt: hello
  - hangup
`);
    expect(r.script).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      severity: 'error',
      line: 6,
      column: 5,
      path: 'steps[0].gahter',
      found: '"gahter"',
    });
    expect(r.diagnostics[0]!.message).toBe('unknown verb "gahter" (did you mean "gather"?)');
    expect(formatDiagnostic(r.diagnostics[0]!)).toMatch(/^\/srv\/scripts\/s\.yaml:6:5: error: unknown verb "gahter"/);
  });

  it('reports a bare-word unknown verb', () => {
    expect(brief(`prompts: {}\nsteps:\n  - hangupp\n`)).toEqual([
      '3:5 error steps[0] | unknown verb "hangupp" (did you mean "hangup"?)',
    ]);
  });

  it('reports bad verb arguments at the exact key or value, with found and expected', () => {
    const r = check(`prompts:
  hello:
    sv-SE: Hej
    en-US: Hello
steps:
  - gather:
      prompt: hello
      tires: 3
      maxDigits: 0
      match:
        - { digits: "1", result: aproved }
  - play: { prompt: hello, bargein: true }
  - send-digits: "12x"
  - pause: -5
  - set-result: maybe
  - hangup
`);
    expect(r.diagnostics.map((d) => [d.line, d.column, d.path, d.message, d.found ?? '', d.expected ?? ''])).toEqual([
      [
        8,
        7,
        'steps[0].gather.tires',
        'unknown key "tires" (did you mean "tries"?)',
        '',
        expect.stringContaining('tries'),
      ],
      [9, 18, 'steps[0].gather.maxDigits', 'too small', '0', 'at least 1'],
      [
        11,
        34,
        'steps[0].gather.match[0].result',
        'not an allowed value',
        '"aproved"',
        expect.stringContaining('"approved"'),
      ],
      [12, 28, 'steps[1].play.bargein', 'unknown key "bargein" (did you mean "bargeIn"?)', '', ''],
      [13, 18, 'steps[2].send-digits', 'these cannot be sent as DTMF', '"12x"', expect.stringContaining('0-9')],
      [14, 12, 'steps[3].pause', 'too small', '-5', 'at least 0'],
      [15, 17, 'steps[4].set-result', 'not an allowed value', '"maybe"', expect.stringContaining('pin-ok')],
    ]);
  });

  it('reports unknown prompt keys, step ids and variables as errors', () => {
    expect(
      brief(`prompts:
  hello:
    sv-SE: Hej {compnay}
    en-US: Hello
steps:
  - play: helo
  - gather:
      prompt: hello
      retryPrompt: nope
      match:
        - { digits: "{challengeDigit}", goto: sucess }
  - id: success
    goto: nowhere
`),
    ).toEqual([
      '3:12 error prompts.hello.sv-SE | unknown variable {compnay} (did you mean {company}?)',
      '6:11 error steps[0].play | unknown prompt key "helo" (did you mean "hello"?)',
      '9:20 error steps[1].gather.retryPrompt | unknown prompt key "nope"',
      '11:47 error steps[1].gather.match[0].goto | no step has id "sucess" (did you mean "success"?)',
      '13:11 error steps[2].goto | no step has id "nowhere"',
    ]);
  });

  it('warns about missing translations, unused prompts and unreachable steps, and still loads', () => {
    const r = check(`prompts:
  hello:
    sv-SE: Hej
  unused:
    sv-SE: x
    en-US: x
steps:
  - play: hello
  - hangup
  - play: hello
`);
    expect(r.script).toBeDefined();
    expect(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`)).toEqual([
      '3:5 warning prompt "hello" has no en-US version (the fallback is used)',
      '4:3 warning prompt "unused" is not used by any step',
      '10:5 warning step 2 (play) can never run',
    ]);
    expect(r.script?.warnings).toHaveLength(3);
  });

  it('counts steps reached through goto, match targets and conditional steps as reachable', () => {
    const r = check(`prompts:
  p: { sv-SE: a, en-US: b }
steps:
  - when: { has: extension }
    goto: later
  - gather:
      prompt: p
      match:
        - { any: true, goto: later }
      noInput: { goto: end }
      invalid: { goto: end }
  - play: p
  - id: later
    hangup:
  - id: end
    hangup:
`);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['step 2 (play) can never run']);
  });

  it('reports the top-level shape: wrong types, missing and unknown keys, empty steps', () => {
    expect(brief(`description: 5\nprompt: {}\nsteps: []\n`)).toEqual([
      '1:1 error prompts | required, but missing',
      '1:14 error description | wrong type',
      '2:1 error prompt | unknown key "prompt" (did you mean "prompts"?)',
      '3:8 error steps | too small',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const r = check(`prompts:\n  a: [1, 2\nsteps:\n  - hangup\n`);
    expect(r.diagnostics[0]).toMatchObject({ line: 3, column: 1, severity: 'error' });
    expect(r.diagnostics[0]!.message).toMatch(/^YAML syntax: /);
  });

  it('reports language-tag and prompt-variant mistakes', () => {
    expect(
      brief(`prompts:
  hello:
    sv-SE: { txt: Hej }
    english: Hello
steps:
  - play: hello
`),
    ).toEqual([
      '3:12 error prompts.hello.sv-SE.text | required, but missing',
      '3:14 error prompts.hello.sv-SE.txt | unknown key "txt" (did you mean "text"?)',
      '4:5 error prompts.hello.english | "english" is not a language tag',
    ]);
  });

  it('reports two verbs in one step, an empty step, duplicate ids, bad regexes and missing audio files', () => {
    expect(
      brief(`prompts:
  a: { sv-SE: a, en-US: a }
  rec: { sv-SE: { file: missing.wav }, en-US: a }
steps:
  - play: a
    say: hi
  - {}
`),
    ).toEqual([
      '3:25 error prompts.rec.sv-SE.file | audio file not found',
      '6:5 error steps[0].say | a step has exactly one verb; this one has play and say',
      '7:5 error steps[1] | this step has no verb',
    ]);
    expect(
      brief(`prompts:
  a: { sv-SE: a, en-US: a }
  rec: { sv-SE: { file: missing.wav }, en-US: a }
steps:
  - id: x
    play: a
  - id: x
    gather: { prompt: rec, match: [{ regex: "([0-9" }] }
`),
    ).toEqual([
      '3:25 error prompts.rec.sv-SE.file | audio file not found',
      '7:9 error steps[1].id | duplicate step id "x"',
      '8:45 error steps[1].gather.match[0].regex | invalid regular expression (Unterminated character class)',
    ]);
  });

  it('rejects a file name that is not a script id', () => {
    const r = validateScript(GOOD, '/srv/scripts/My Script.yaml');
    expect(r.diagnostics[0]).toMatchObject({
      line: 0,
      message: expect.stringMatching(/file name must be a script id/),
    });
  });
});
