/**
 * A minimal stand-in for the IVR interpreter, for service/API tests that are about the service, not
 * the script: sends the extension, plays one prompt, collects digits up to `#`.
 * `#` → approved, `0#` → fraud, `<pin>#` in PIN mode → approved/pin-failed, nothing → no-input.
 */
import type { ScriptInput, ScriptRun, ScriptRunner } from '../../src/services/verification/ports';
import type { Call, DtmfEvent } from '../../src/telephony/port';

export function simpleScriptRunner(options: { inputTimeoutMs?: number } = {}): ScriptRunner & { runs: ScriptInput[] } {
  const runs: ScriptInput[] = [];
  return {
    runs,
    select: ({ purpose, pin }) => ({
      scriptId: pin ? 'pin-verify' : purpose === 'enrollment' ? 'office-phone-verify' : 'signin-approve',
      hash: 'test-hash',
    }),
    async run(call: Call, input: ScriptInput): Promise<ScriptRun> {
      runs.push(input);
      const digitsSent = input.variables.extension;
      if (digitsSent) await call.sendDigits(digitsSent, { signal: input.signal });
      let digits = '';
      let last: DtmfEvent | undefined;
      const collected = new Promise<'done' | 'ended' | 'timeout' | 'aborted'>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), options.inputTimeoutMs ?? 1000);
        call.on('dtmf', (ev) => {
          last = ev;
          digits += ev.digit;
          if (ev.digit === '#') {
            clearTimeout(timer);
            resolve('done');
          }
        });
        call.once('end', () => resolve('ended'));
        input.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      });
      void call.play(
        { name: `${input.scriptId}/greeting@${input.language}`, path: '/dev/null', hash: 'x' },
        { bargeIn: true },
      );
      const how = await collected;
      const base = {
        digits,
        digitsSent,
        ...(last ? { dtmfSource: last.source } : {}),
      };
      if (how === 'ended') return { result: 'hangup', ...base };
      if (how !== 'done') return { result: 'no-input', ...base };
      if (digits === '0#') return { result: 'fraud', ...base };
      if (input.verifyPin)
        return { result: (await input.verifyPin(digits.slice(0, -1))) ? 'approved' : 'pin-failed', ...base };
      return { result: digits === '#' ? 'approved' : 'denied', ...base };
    },
  };
}
