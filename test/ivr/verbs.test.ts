/** One describe per verb, each run by the real session on the scripted fake call. */
import type { IvrEvent } from '../../src/ivr/events';
import type { PromptRequest } from '../../src/ivr/prompt-source';
import { maskSecretDtmf } from '../../src/ivr/secret-mask';
import { type IvrVars, runScript } from '../../src/ivr/session';
import type { PinVerifier } from '../../src/ivr/verbs/base';
import type { TraceEvent } from '../../src/telephony/port';
import { afterPrompt, afterPromptEnd, type FakeCallPlan, fakeCall, press } from '../support/fake-telephony';
import { namedPrompts, scriptFromText } from './helpers';

const PROMPTS = `prompts:
  ask: { sv-SE: Fråga, en-US: Ask }
  again: { sv-SE: Igen, en-US: Again }
  wrong: { sv-SE: Fel, en-US: Wrong }
  silent: { sv-SE: Tyst, en-US: Silent }
  bye: { sv-SE: Hej då, en-US: Bye }
`;

async function run(
  steps: string,
  plan: FakeCallPlan = {},
  options: { vars?: Partial<IvrVars>; pin?: PinVerifier; maxCallMs?: number } = {},
) {
  const script = scriptFromText(`${PROMPTS}steps:\n${steps}`);
  const call = fakeCall(plan);
  const requests: PromptRequest[] = [];
  const events: IvrEvent[] = [];
  const t0 = Date.now();
  const out = await runScript({
    script,
    call,
    vars: { company: 'Example AB', language: 'en-US', challengeDigit: '7', ...options.vars },
    prompts: namedPrompts(requests),
    maxCallMs: options.maxCallMs ?? 10_000,
    onEvent: (e) => events.push(e),
    ...(options.pin ? { pinVerifier: options.pin } : {}),
  });
  return { out, call, requests, events, ms: Date.now() - t0, plays: call.plays.map((p) => p.name.split('/')[1]) };
}

/** Every text in `value` (digits are strings); numbers are left out — a millisecond timestamp such as …124711… is no leak. */
function textOf(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' ? undefined : v));
}

/** `run` under a fake clock (timers and Date), so durations and counts do not depend on the machine's load. */
async function runOnFakeClock(...args: Parameters<typeof run>): ReturnType<typeof run> {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  try {
    const running = run(...args);
    await jest.advanceTimersByTimeAsync(15_000);
    return await running;
  } finally {
    jest.useRealTimers();
  }
}

describe('play', () => {
  it('plays a prompt key in the caller language, without barge-in by default', async () => {
    const r = await run(
      `  - play: ask\n`,
      { steps: [press('1', afterPrompt('ask'), 5)] },
      { vars: { language: 'sv-SE' } },
    );
    expect(r.plays).toEqual(['ask@sv-SE']);
    expect(r.call.plays[0]).toMatchObject({ bargeIn: false, result: { status: 'completed' } });
  });
  it('can be interrupted when bargeIn is set', async () => {
    const r = await runOnFakeClock(`  - play: { prompt: ask, bargeIn: true }\n`, {
      playMs: 500,
      steps: [press('1', afterPrompt('ask'), 5)],
    });
    expect(r.call.plays[0]!.result).toEqual({ status: 'interrupted', digit: '1' });
    expect(r.ms).toBeLessThan(400);
  });
  it('reads digits out, skipping when the variable is empty', async () => {
    const r = await run(
      `  - play: { digits: "{extension}" }\n  - play: { digits: "{lastDigits}" }\n`,
      {},
      {
        vars: { extension: '12#' },
      },
    );
    expect(r.requests).toEqual([{ kind: 'digits', digits: '12#' }]);
  });
  it('stops the script when the call ends during the prompt', async () => {
    const r = await run(`  - play: ask\n  - play: bye\n`, {
      playMs: 300,
      steps: [{ on: afterPrompt('ask'), delayMs: 10, action: { do: 'hangup' } }],
    });
    expect(r.plays).toEqual(['ask@en-US']);
    expect(r.out.result).toBe('hangup');
  });
});

describe('say', () => {
  it('renders one text, a text per language, or the long form with barge-in', async () => {
    const r = await run(
      `  - say: "Hi {displayName}"\n  - say: { sv-SE: Hej, en-US: Hello }\n  - say: { text: Hello, bargeIn: true }\n`,
      {},
      { vars: { displayName: 'Anna' } },
    );
    expect(r.requests).toEqual([
      { kind: 'say', text: 'Hi {displayName}' },
      { kind: 'say', text: { 'sv-SE': 'Hej', 'en-US': 'Hello' } },
      { kind: 'say', text: 'Hello' },
    ]);
    expect(r.call.plays.map((p) => p.bargeIn)).toEqual([false, false, true]);
  });
});

describe('gather', () => {
  const G = (extra: string) => `  - gather:
      prompt: ask
      timeoutMs: 150
      interDigitTimeoutMs: 80
${extra}`;

  it('ends input on a terminator and matches exact digits', async () => {
    const r = await run(G(`      match:\n        - { digits: "12", result: approved }\n`), {
      steps: [press('12#', afterPromptEnd('ask'), 5, { gapMs: 10 })],
    });
    expect(r.out).toMatchObject({ result: 'approved', digits: '12#', dtmfSource: 'rfc4733' });
  });

  it('ends input at maxDigits without a terminator', async () => {
    const r = await run(
      G(
        `      maxDigits: 2\n      terminators: ""\n      match: [{ digits: "{challengeDigit}9", result: approved }]\n`,
      ),
      {
        steps: [press('79', afterPromptEnd('ask'), 5, { gapMs: 10 })],
      },
    );
    expect(r.out).toMatchObject({ result: 'approved', digits: '79' });
  });

  it('ends input after the inter-digit timeout and evaluates what it has', async () => {
    const r = await run(G(`      match: [{ regex: "^[0-9]{3}$", result: approved }]\n`), {
      steps: [press('123', afterPromptEnd('ask'), 5, { gapMs: 20 })],
    });
    expect(r.out).toMatchObject({ result: 'approved', digits: '123' });
  });

  it('ends input at the overall timeout even while digits keep coming', async () => {
    const r = await runOnFakeClock(
      `  - gather:
      prompt: ask
      timeoutMs: 120
      interDigitTimeoutMs: 1000
      tries: 1
      match: [{ any: true, result: approved }]
`,
      { steps: [press('1111111111', afterPromptEnd('ask'), 5, { gapMs: 30 })] },
    );
    expect(r.out.result).toBe('approved');
    // Digits at 5, 35, 65 and 95 ms after the prompt; the 120 ms deadline ends input before the fifth (125 ms).
    expect(r.out.digits).toBe('1111');
  });

  it('retries with retryPrompt and noInputPrompt, and applies noInput after the last try', async () => {
    const r = await run(
      G(
        `      retryPrompt: again\n      noInputPrompt: silent\n      tries: 3\n      match: [{ digits: "", result: approved }]\n      noInput: { result: no-input, goto: end }\n  - play: ask\n  - id: end\n    play: bye\n`,
      ),
    );
    expect(r.out).toMatchObject({ result: 'no-input', digits: '' });
    expect(r.plays).toEqual(['ask@en-US', 'silent@en-US', 'again@en-US', 'silent@en-US', 'again@en-US', 'bye@en-US']);
    expect(r.events.filter((e) => e.kind === 'digits').map((e) => e.kind === 'digits' && e.outcome)).toEqual([
      'no-input',
      'no-input',
      'no-input',
    ]);
  });

  it('plays invalidPrompt after input that matches nothing, then applies invalid', async () => {
    const r = await run(
      G(
        `      tries: 2\n      invalidPrompt: wrong\n      minDigits: 2\n      match: [{ any: true, result: approved }]\n      invalid: { result: denied }\n`,
      ),
      {
        steps: [
          press('5#', afterPromptEnd('ask', 1), 5, { gapMs: 5 }),
          press('6#', afterPromptEnd('ask', 2), 5, { gapMs: 5 }),
        ],
      },
    );
    expect(r.out).toMatchObject({ result: 'denied', digits: '6#' });
    expect(r.plays).toEqual(['ask@en-US', 'wrong@en-US', 'ask@en-US']);
  });

  it('takes digits pressed during the prompt with barge-in, and ignores them without', async () => {
    const plan: FakeCallPlan = { playMs: 300, steps: [press('#', afterPrompt('ask'), 10)] };
    const withBarge = await run(G(`      tries: 1\n      match: [{ digits: "", result: approved }]\n`), plan);
    expect(withBarge.out.result).toBe('approved');
    expect(withBarge.call.plays[0]!.result?.status).toBe('interrupted');
    const without = await run(
      G(
        `      tries: 1\n      bargeIn: false\n      match: [{ digits: "", result: approved }]\n      noInput: { result: no-input }\n`,
      ),
      plan,
    );
    expect(without.out.result).toBe('no-input');
    expect(without.call.plays[0]!.result?.status).toBe('completed');
  });

  it('keeps keys pressed before it (default) unless flush is true', async () => {
    const steps = (flush: string) =>
      `  - play: { prompt: ask, bargeIn: true }\n  - gather:\n      timeoutMs: 100\n      tries: 1\n${flush}      match: [{ digits: "", result: approved }]\n      noInput: { result: no-input }\n`;
    const plan: FakeCallPlan = { playMs: 300, steps: [press('#', afterPrompt('ask'), 5)] };
    expect((await run(steps(''), plan)).out.result).toBe('approved');
    expect((await run(steps('      flush: false\n'), plan)).out.result).toBe('approved');
    expect((await run(steps('      flush: true\n'), plan)).out.result).toBe('no-input');
  });

  it('a key pressed before it barges in on its prompt (the prompt is not played), and it says it listens', async () => {
    const r = await run(
      `  - play: ask\n  - gather:\n      prompt: again\n      tries: 1\n      match: [{ digits: "", result: approved }]\n`,
      { playMs: 200, steps: [press('#', afterPrompt('ask'), 5)] },
    );
    expect(r.out).toMatchObject({ result: 'approved', digits: '#' });
    expect(r.plays).toEqual(['ask@en-US']);
    expect(r.events.find((e) => e.kind === 'listening')).toMatchObject({ buffered: 1 });
  });

  it('checks a PIN through the verifier, masks it everywhere, and retries on a wrong one', async () => {
    const seen: string[] = [];
    const pin: PinVerifier = {
      verify: async (d) => {
        seen.push(d);
        return d === '4711';
      },
    };
    const r = await run(
      G(
        `      invalidPrompt: wrong\n      match:\n        - { digits: "0", result: fraud }\n        - { pin: true, result: pin-ok }\n      invalid: { result: pin-failed }\n`,
      ),
      {
        steps: [
          press('1234#', afterPromptEnd('ask', 1), 5, { gapMs: 5 }),
          press('4711#', afterPromptEnd('ask', 2), 5, { gapMs: 5 }),
        ],
      },
      { pin },
    );
    expect(seen).toEqual(['1234', '4711']);
    expect(r.out).toMatchObject({ result: 'pin-ok', digits: '****#' });
    const shown = textOf(r.events);
    expect(shown).not.toContain('1234');
    expect(shown).not.toContain('4711');
  });

  it('fails the run clearly when a PIN script gets no verifier', async () => {
    const r = await run(G(`      match: [{ pin: true, result: pin-ok }]\n`), {
      steps: [press('1#', afterPromptEnd('ask'), 5)],
    });
    expect(r.out).toMatchObject({ result: 'error', error: expect.stringMatching(/no PIN verifier/) });
  });

  it('without match stores the input in {lastDigits}/{lastDigit} and continues', async () => {
    const r = await run(
      `${G(`      tries: 1\n`)}  - play: { digits: "{lastDigits}" }\n  - play: { digits: "{lastDigit}" }\n`,
      {
        steps: [press('42#', afterPromptEnd('ask'), 5, { gapMs: 5 })],
      },
    );
    expect(r.requests.slice(1)).toEqual([
      { kind: 'digits', digits: '42' },
      { kind: 'digits', digits: '2' },
    ]);
    expect(r.out.result).toBe('no-result');
  });

  it('jumps to the goto of the matching entry', async () => {
    const r = await run(
      `${G(`      match: [{ digits: "1", goto: one }]\n`)}  - play: wrong\n  - id: one\n    play: bye\n`,
      {
        steps: [press('1#', afterPromptEnd('ask'), 5, { gapMs: 5 })],
      },
    );
    expect(r.plays).toEqual(['ask@en-US', 'bye@en-US']);
  });
});

describe('send-digits', () => {
  it('sends the expanded digits with pauses after the pre-delay, then waits the post-delay', async () => {
    const r = await run(
      `  - send-digits: { digits: "{extension}", preDelayMs: 100, postDelayMs: 100, toneMs: 80, gapMs: 60 }\n  - play: ask\n`,
      {},
      {
        vars: { extension: '12,3w4' },
      },
    );
    const sent = r.call.sentDigits[0]!;
    expect(sent.digits).toBe('12,3w4');
    expect(sent.options).toMatchObject({ toneMs: 80, gapMs: 60 });
    expect(sent.at - r.out.startedAt).toBeGreaterThanOrEqual(95);
    expect(r.call.plays[0]!.startedAt - sent.at).toBeGreaterThanOrEqual(95);
    expect(r.out.extensionSent).toBe(true);
  });
  it('skips when the expansion is empty and sends literal digits without marking the extension sent', async () => {
    const r = await run(`  - send-digits: "{extension}"\n  - send-digits: "9 99"\n`);
    expect(r.call.allSentDigits).toBe('999');
    expect(r.out.extensionSent).toBe(false);
  });
  it('fails the run for characters that cannot be sent', async () => {
    const r = await run(`  - send-digits: "{extension}"\n`, {}, { vars: { extension: '12x' } });
    expect(r.out).toMatchObject({ result: 'error', error: expect.stringMatching(/cannot be sent as DTMF/) });
  });
  it('stops quietly when the call ends while sending', async () => {
    const r = await run(`  - send-digits: "1001"\n  - play: ask\n`, {
      sendDigitsMs: 200,
      steps: [{ delayMs: 20, action: { do: 'hangup' } }],
    });
    expect(r.out).toMatchObject({ result: 'hangup', endedBy: 'remote' });
    expect(r.call.plays).toEqual([]);
  });
});

describe('pause', () => {
  it('waits the given milliseconds', async () => {
    const r = await runOnFakeClock(`  - pause: 150\n`);
    expect(r.ms).toBeGreaterThanOrEqual(150);
  });
  it('ends early on a key with bargeIn, leaving the key for the next gather', async () => {
    const r = await runOnFakeClock(
      `  - pause: { ms: 2000, bargeIn: true }\n  - gather: { flush: false, timeoutMs: 50, tries: 1, match: [{ digits: "", result: approved }] }\n`,
      { steps: [press('#', { after: 'answer' }, 30)] },
    );
    expect(r.ms).toBeLessThan(1000);
    expect(r.out.result).toBe('approved');
  });
});

describe('set-result', () => {
  it('sets the result; a later one overrides it', async () => {
    expect((await run(`  - set-result: denied\n  - set-result: approved\n`)).out.result).toBe('approved');
  });
});

describe('goto and when', () => {
  it('jumps, and branches on results and variables', async () => {
    const r = await run(
      `  - set-result: fraud
  - when: { result: [approved, denied] }
    goto: a
  - when: { result: fraud }
    goto: b
  - id: a
    play: ask
  - id: b
    when: { has: extension }
    play: again
  - when: { missing: extension }
    play: wrong
  - when: { noResult: true }
    play: silent
  - play: bye
`,
    );
    expect(r.plays).toEqual(['wrong@en-US', 'bye@en-US']);
    expect(r.events.filter((e) => e.kind === 'step-skipped').length).toBe(3);
  });
});

describe('hangup', () => {
  it('hangs up with its reason and ends the script', async () => {
    const r = await run(`  - hangup: { reason: done here }\n  - play: ask\n`);
    expect(r.call.hangupReasons).toEqual(['done here']);
    expect(r.call.plays).toEqual([]);
    expect(r.out.endedBy).toBe('script');
  });
  it('is also hung up by the session when the script just ends', async () => {
    const r = await run(`  - play: ask\n`);
    expect(r.call.hangupReasons).toEqual(['script finished']);
  });
});

describe('PIN privacy in the attempt trace', () => {
  it('masks digits the backend traces while a PIN is collected, and only then', async () => {
    const trace: TraceEvent[] = [];
    const mask = maskSecretDtmf((e) => trace.push(e));
    const script = scriptFromText(`${PROMPTS}steps:
  - gather: { prompt: ask, tries: 1, timeoutMs: 100, match: [{ digits: "1" }] }
  - gather: { prompt: again, tries: 1, timeoutMs: 200, match: [{ pin: true, result: pin-ok }] }
`);
    const call = fakeCall(
      {
        steps: [
          press('1#', afterPromptEnd('ask'), 5, { gapMs: 5 }),
          press('4711#', afterPromptEnd('again'), 5, { gapMs: 5 }),
        ],
      },
      { trace: mask.trace },
    );
    const out = await runScript({
      script,
      call,
      vars: { company: 'X', language: 'en-US' },
      prompts: namedPrompts(),
      maxCallMs: 5000,
      pinVerifier: { verify: async (d) => d === '4711' },
      trace: mask.trace,
      onEvent: mask.onEvent,
    });
    expect(out.result).toBe('pin-ok');
    const digits = trace.flatMap((e) => (e.kind === 'dtmf' ? [e.digit] : []));
    expect(digits).toEqual(['1', '#', '*', '*', '*', '*', '*']);
    expect(textOf(trace)).not.toContain('4711');
  });
});
