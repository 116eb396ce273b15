/**
 * `send-digits`: sends DTMF toward the far end — typically `{extension}` right after answer, so an
 * auto-attendant transfers the call. An empty expansion (no extension) skips the step silently.
 */
import type { ParsedStep } from '../schema';
import { expand, templateVariables } from '../template';
import { IvrError, NEXT, type Next, STOP, type Verb, type VerbContext } from './base';

const SENDABLE = /^[0-9*#A-D,wW]+$/;

export class SendDigitsVerb implements Verb<'send-digits'> {
  constructor(readonly step: ParsedStep<'send-digits'>) {}

  async run(ctx: VerbContext): Promise<Next> {
    const written = typeof this.step.args === 'string' ? { digits: this.step.args } : this.step.args;
    const isExtension = templateVariables(written.digits).includes('extension');
    const a = isExtension && ctx.extensionDelays ? { ...written, ...ctx.extensionDelays } : written;
    // Spaces and dashes are how people write numbers; they are not digits to send.
    const digits = expand(a.digits, ctx.state.vars).replace(/[\s-]/g, '');
    if (digits === '') return NEXT;
    if (!SENDABLE.test(digits)) {
      throw new IvrError(`send-digits: "${digits}" contains characters that cannot be sent as DTMF`);
    }
    if (a.preDelayMs && (await ctx.sleep(a.preDelayMs)) === 'stopped') return STOP;
    try {
      await ctx.call.sendDigits(digits, {
        ...(a.toneMs !== undefined ? { toneMs: a.toneMs } : {}),
        ...(a.gapMs !== undefined ? { gapMs: a.gapMs } : {}),
        signal: ctx.signal,
      });
    } catch (err) {
      // The call ending while we send is not a script failure; the session sees the end itself.
      if (ctx.signal.aborted || ctx.call.state.name === 'ended') return STOP;
      throw err;
    }
    ctx.emit({ kind: 'digits-sent', at: Date.now(), digits });
    if (isExtension && ctx.state.vars.extension) ctx.state.extensionSent = true;
    if (a.postDelayMs && (await ctx.sleep(a.postDelayMs)) === 'stopped') return STOP;
    return NEXT;
  }
}
