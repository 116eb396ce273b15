/** Script validation messages for a Swedish admin: every message shape the validator makes has Swedish words. */
import { diagnosticText } from '../../src/ivr/diagnostic-text';
import { validateScript } from '../../src/ivr/validate';

describe('script errors in Swedish', () => {
  it('translates messages with their hints and paths, and leaves English as it is', () => {
    expect(diagnosticText('unknown verb "plya" (did you mean "play"?) [steps[1].plya]', 'sv')).toBe(
      'okänt verb ”plya” (menade du ”play”?) [steps[1].plya]',
    );
    expect(diagnosticText('prompt "hello" has no sv-SE version (the fallback is used)', 'sv')).toBe(
      'prompten ”hello” saknar sv-SE-version (reservspråket används)',
    );
    expect(diagnosticText('unknown variable {nmae} (did you mean {name}?)', 'sv')).toBe(
      'okänd variabel {nmae} (menade du {name}?)',
    );
    expect(diagnosticText('unknown verb "x"', 'en')).toBe('unknown verb "x"');
  });

  it('has a Swedish row for what the validator says about a script full of mistakes', () => {
    const text = `description: many mistakes
language: en-US
languages: [sv-SE, en-US]
prompts:
  hello:
    en-US: Hello {nmae}.
  unused:
    sv-SE: Hej.
    en-US: Hi.
steps:
  - id: a
    play: hello
  - id: a
    play: hello
  - plya: hello
  - play: missing-prompt
  - goto: nowhere
  - {}
  - play: hello
    say: hi
  - gather: { prompt: hello, minDigits: 5, maxDigits: 2 }
  - send-digits: { digits: "xyz" }
`;
    const result = validateScript(text, '/tmp/many-mistakes.yaml');
    expect(result.diagnostics.length).toBeGreaterThan(8);
    const untranslated = result.diagnostics.map((d) => d.message).filter((msg) => diagnosticText(msg, 'sv') === msg);
    expect(untranslated).toEqual([]);
  });
});
