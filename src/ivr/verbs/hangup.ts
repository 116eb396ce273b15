/** `hangup`: ends the call (BYE) and the script. */
import type { ParsedStep } from '../schema';
import { type Next, STOP, type Verb, type VerbContext } from './base';

export class HangupVerb implements Verb<'hangup'> {
  constructor(readonly step: ParsedStep<'hangup'>) {}

  async run(ctx: VerbContext): Promise<Next> {
    const a = this.step.args;
    await ctx.call.hangup(a && typeof a === 'object' && a.reason ? a.reason : 'script hangup');
    return STOP;
  }
}
