/** `set-result`: records the outcome (approved, fraud, …); a later `set-result` overrides it. */
import type { ParsedStep } from '../schema';
import { NEXT, type Next, type Verb, type VerbContext } from './base';

export class SetResultVerb implements Verb<'set-result'> {
  constructor(readonly step: ParsedStep<'set-result'>) {}

  async run(ctx: VerbContext): Promise<Next> {
    ctx.setResult(this.step.args);
    return NEXT;
  }
}
