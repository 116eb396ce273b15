/** From validated YAML data to verb objects: one constructor per verb name, nothing else. */
import type { ParsedStep, VerbName } from '../schema';
import type { Verb } from './base';
import { GatherVerb } from './gather';
import { GotoVerb } from './goto';
import { HangupVerb } from './hangup';
import { PauseVerb } from './pause';
import { PlayVerb } from './play';
import { SayVerb } from './say';
import { SendDigitsVerb } from './send-digits';
import { SetResultVerb } from './set-result';

type Ctor<V extends VerbName> = new (step: ParsedStep<V>) => Verb<V>;

const VERBS: { readonly [V in VerbName]: Ctor<V> } = {
  play: PlayVerb,
  say: SayVerb,
  gather: GatherVerb,
  'send-digits': SendDigitsVerb,
  pause: PauseVerb,
  'set-result': SetResultVerb,
  goto: GotoVerb,
  hangup: HangupVerb,
};

export function createVerb<V extends VerbName>(step: ParsedStep<V>): Verb<V> {
  const C = VERBS[step.verb] as Ctor<V>;
  return new C(step);
}
