/** `play`: a prompt from the script's catalogue, or digits read out one by one (`{ digits: "{lastDigit}" }`). */
import type { ParsedStep } from '../schema';
import { expand } from '../template';
import { NEXT, type Next, STOP, type Verb, type VerbContext } from './base';

export class PlayVerb implements Verb<'play'> {
  constructor(readonly step: ParsedStep<'play'>) {}

  async run(ctx: VerbContext): Promise<Next> {
    const a = this.step.args;
    const bargeIn = typeof a === 'string' ? false : (a.bargeIn ?? false);
    const request =
      typeof a === 'string'
        ? ({ kind: 'prompt', key: a } as const)
        : 'prompt' in a
          ? ({ kind: 'prompt', key: a.prompt } as const)
          : ({ kind: 'digits', digits: expand(a.digits, ctx.state.vars) } as const);
    if (request.kind === 'digits' && request.digits === '') return NEXT;
    const r = await ctx.play(request, bargeIn);
    return r.status === 'call-ended' || r.status === 'aborted' ? STOP : NEXT;
  }
}
