/** `when:` conditions on steps: run the step only if the condition holds. */
import type { ScriptResult } from './results';
import type { Condition } from './schema';
import { isVariableName, type Vars } from './template';

export function holds(cond: Condition, state: { result: ScriptResult | undefined; vars: Vars }): boolean {
  if ('result' in cond) {
    const want = Array.isArray(cond.result) ? cond.result : [cond.result];
    return state.result !== undefined && (want as readonly string[]).includes(state.result);
  }
  if ('noResult' in cond) return (state.result === undefined) === cond.noResult;
  if ('has' in cond) return isVariableName(cond.has) && !!state.vars[cond.has];
  if ('missing' in cond) return !(isVariableName(cond.missing) && state.vars[cond.missing]);
  return false;
}
