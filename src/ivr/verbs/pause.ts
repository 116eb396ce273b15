/** `pause`: silence for a while; with `bargeIn` a key press ends it (the digit stays buffered). */
import type { ParsedStep } from '../schema';
import { NEXT, type Next, STOP, type Verb, type VerbContext } from './base';

export class PauseVerb implements Verb<'pause'> {
  constructor(readonly step: ParsedStep<'pause'>) {}

  async run(ctx: VerbContext): Promise<Next> {
    const a = this.step.args;
    const ms = typeof a === 'number' ? a : a.ms;
    const bargeIn = typeof a === 'number' ? false : (a.bargeIn ?? false);
    const r = await ctx.sleep(ms, { bargeIn });
    return r === 'stopped' ? STOP : NEXT;
  }
}
