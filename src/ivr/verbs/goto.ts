/**
 * `goto`: continue at another step. Branching on results is a `goto` with a `when` condition, e.g.
 * `- goto: goodbye` + `when: { result: fraud }`; the session evaluates `when` for every verb.
 */
import type { ParsedStep } from '../schema';
import { goTo, type Next, type Verb } from './base';

export class GotoVerb implements Verb<'goto'> {
  constructor(readonly step: ParsedStep<'goto'>) {}

  async run(): Promise<Next> {
    return goTo(this.step.args);
  }
}
