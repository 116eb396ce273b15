/** `say`: text rendered by TTS at run time (templates allowed); one text or one per language. */
import type { Localized, ParsedStep } from '../schema';
import { NEXT, type Next, STOP, type Verb, type VerbContext } from './base';

export class SayVerb implements Verb<'say'> {
  constructor(readonly step: ParsedStep<'say'>) {}

  async run(ctx: VerbContext): Promise<Next> {
    const a = this.step.args;
    let text: string | Localized;
    let bargeIn = false;
    if (typeof a === 'string') text = a;
    // A language tag is never `text`, so a `text` key means the long form.
    else if ('text' in a) {
      const long = a as { text: string | Localized; bargeIn?: boolean };
      text = long.text;
      bargeIn = long.bargeIn ?? false;
    } else text = a as Localized;
    const r = await ctx.play({ kind: 'say', text }, bargeIn);
    return r.status === 'call-ended' || r.status === 'aborted' ? STOP : NEXT;
  }
}
