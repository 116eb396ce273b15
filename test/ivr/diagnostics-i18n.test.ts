/**
 * Every validator finding reads in Swedish too (issue 15): broken scripts that trigger each kind of
 * message go through `localizeDiagnostic`; a Swedish text that is still the English one fails here, so
 * a new validator message cannot ship untranslated.
 */
import { localizeDiagnostic, swedishExpected, swedishMessage } from '../../src/ivr/diagnostics-i18n';
import { validateScript } from '../../src/ivr/validate';

const BROKEN = [
  'steps: [',
  'description: 3\nlanguage: xx_yy\nlanguages: nope\nprompts: {}\nsteps: []\n',
  'prompts:\n  hi: { en-US: Hi {nmae}. }\n  unused: { en-US: x }\nsteps:\n  - paly: hi\n  - play: hj\n  - goto: nowhere\n  - dance\n  - 42\n  - {}\n',
  'prompts:\n  hi: { en-US: Hi, sv-SE: Hej, en_US: x }\nsteps:\n  - id: a\n    play: hi\n  - id: a\n    hangup: {}\n  - play: hi\n  - gather: { minDigits: 5, maxDigits: 2, match: [{ regex: "(" }], tries: 0, bogus: 1 }\n  - send-digits: "12x"\n  - play: { file: missing.wav }\n  - set-result: maybe\n  - play: hi\n    say: hi\n  - when: { result: 7 }\n    pause: -1\n',
  'prompts:\n  p: { en-US: { text: x, bogus: 1 } }\nsteps:\n  - play: p\n  - hangup\n  - play: p\n',
];

describe('validator findings in Swedish', () => {
  const all = BROKEN.flatMap((text) => validateScript(text, '/srv/scripts/s.yaml').diagnostics);

  it('covers many kinds of findings', () => {
    expect(new Set(all.map((d) => d.message.replace(/".*?"|\{.*?\}|\d+/g, ''))).size).toBeGreaterThanOrEqual(15);
  });

  it.each(BROKEN.map((t, i) => [i, t]))('script %i: every message and suggestion has a Swedish text', (_i, text) => {
    for (const d of validateScript(text as string, '/srv/scripts/s.yaml').diagnostics) {
      expect({ message: d.message, sv: swedishMessage(d.message) }).toEqual({
        message: d.message,
        sv: expect.any(String),
      });
      if (d.expected)
        expect({ expected: d.expected, sv: swedishExpected(d.expected) }).toEqual({
          expected: d.expected,
          sv: expect.any(String),
        });
      const p = localizeDiagnostic(d);
      expect(p.message.sv).not.toBe(p.message.en);
    }
  });

  it('turns "did you mean" into a suggestion in both languages', () => {
    const d = validateScript('prompts: { hi: { en-US: Hi, sv-SE: Hej } }\nsteps:\n  - paly: hi\n', '/s/x.yaml')
      .diagnostics[0]!;
    expect(localizeDiagnostic(d)).toMatchObject({
      line: 3,
      column: 5,
      message: { en: 'unknown verb "paly"', sv: 'okänt verb "paly"' },
      suggestion: { en: 'Did you mean "play"?', sv: 'Menade du "play"?' },
    });
  });
});
