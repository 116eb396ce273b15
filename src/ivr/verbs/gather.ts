/**
 * `gather`: play a prompt and collect digits, up to `tries` times. Input is matched against `match`
 * (first hit wins: exact digits with {variables}, a regex, the user's PIN through the domain's
 * `PinVerifier`, or anything); a hit may set a result and jump. Input that matches nothing is invalid
 * (optionally `invalidPrompt`, then retry); a try without input retries too. When the tries run out,
 * `invalid` applies if any try had input, else `noInput`. Without `match`, any input is accepted and
 * only stored in `{lastDigits}` / `{lastDigit}`.
 */
import type { DtmfSource } from '../../telephony/port';
import type { MatchEntry, ParsedStep } from '../schema';
import { expand } from '../template';
import { goTo, IvrError, NEXT, type Next, STOP, type Verb, type VerbContext } from './base';
import { collectInput, GATHER_DEFAULTS } from './gather-input';

type Consequence = { result?: MatchEntry['result']; goto?: string };

export class GatherVerb implements Verb<'gather'> {
  private readonly secret: boolean;

  constructor(readonly step: ParsedStep<'gather'>) {
    this.secret = (step.args.match ?? []).some((m) => 'pin' in m);
  }

  async run(ctx: VerbContext): Promise<Next> {
    if (!this.secret) return this.ask(ctx);
    ctx.emit({ kind: 'secret-input', at: Date.now(), active: true });
    try {
      return await this.ask(ctx);
    } finally {
      ctx.emit({ kind: 'secret-input', at: Date.now(), active: false });
    }
  }

  private async ask(ctx: VerbContext): Promise<Next> {
    const a = this.step.args;
    const tries = a.tries ?? GATHER_DEFAULTS.tries;
    const bargeIn = a.bargeIn ?? GATHER_DEFAULTS.bargeIn;
    let hadInput = false;
    let lastKeys = '';
    let lastSource: DtmfSource | undefined;
    // Keys pressed earlier in the call (during a transfer prompt, while the extension was dialled) are
    // kept unless the step asks for a clean slate: a person at a direct line presses # as soon as they
    // hear us. Echoes of our own in-band extension tones never get here (the backend drops them).
    if (a.flush ?? GATHER_DEFAULTS.flush) ctx.dtmf.clear();
    ctx.emit({ kind: 'listening', at: Date.now(), step: this.step.index, buffered: ctx.dtmf.pending });
    for (let attempt = 1; attempt <= tries; attempt++) {
      const key = attempt > 1 && a.retryPrompt ? a.retryPrompt : a.prompt;
      // With barge-in, a key already pressed has interrupted the prompt before it began.
      if (key && !(bargeIn && ctx.dtmf.pending > 0)) {
        const played = await ctx.play({ kind: 'prompt', key }, bargeIn);
        if (played.status === 'call-ended' || played.status === 'aborted' || ctx.signal.aborted) return STOP;
        // Without barge-in, keys pressed before the prompt ended do not count.
        if (!bargeIn) ctx.dtmf.clear();
      }
      const input = await collectInput(ctx, a);
      if (input.kind === 'stopped') return STOP;
      const last = attempt === tries;
      if (input.kind === 'none') {
        ctx.emit({ kind: 'digits', at: Date.now(), digits: '', outcome: 'no-input', attempt });
        if (!last && a.noInputPrompt && (await this.playAside(ctx, a.noInputPrompt))) return STOP;
        continue;
      }
      hadInput = true;
      const shown = this.mask(input.keys);
      lastKeys = shown;
      lastSource = input.source;
      ctx.state.vars.lastDigits = this.secret ? '' : input.digits;
      ctx.state.vars.lastDigit = this.secret ? '' : (input.digits.at(-1) ?? input.terminator ?? '');
      const valid = input.digits.length >= (a.minDigits ?? GATHER_DEFAULTS.minDigits);
      const hit = valid ? await this.match(ctx, input.digits) : undefined;
      if (ctx.signal.aborted) return STOP;
      if (hit || (valid && !a.match)) {
        ctx.emit({
          kind: 'digits',
          at: Date.now(),
          digits: shown,
          source: input.source,
          outcome: a.match ? 'matched' : 'collected',
          attempt,
        });
        return this.apply(ctx, hit ?? {}, shown, input.source);
      }
      ctx.emit({ kind: 'digits', at: Date.now(), digits: shown, source: input.source, outcome: 'invalid', attempt });
      if (!last && a.invalidPrompt && (await this.playAside(ctx, a.invalidPrompt))) return STOP;
    }
    const c = hadInput ? a.invalid : a.noInput;
    return this.apply(ctx, c ?? {}, lastKeys, hadInput ? lastSource : undefined);
  }

  private apply(ctx: VerbContext, c: Consequence, keys: string, source: DtmfSource | undefined): Next {
    if (c.result) {
      // The keys first: setting the result reports the decision with them.
      ctx.state.decidingDigits = keys;
      ctx.state.decidingSource = source;
      ctx.setResult(c.result);
    }
    return c.goto ? goTo(c.goto) : NEXT;
  }

  private async match(ctx: VerbContext, digits: string): Promise<Consequence | undefined> {
    for (const m of this.step.args.match ?? []) {
      if ('digits' in m && digits === expand(m.digits, ctx.state.vars).replace(/\s/g, '')) return m;
      if ('regex' in m && new RegExp(m.regex).test(digits)) return m;
      if ('any' in m) return m;
      if ('pin' in m) {
        if (!ctx.pin) throw new IvrError('this script checks a PIN, but no PIN verifier was given to the run');
        if (digits && (await ctx.pin.verify(digits, ctx.signal))) return m;
      }
    }
    return undefined;
  }

  /** Plays a side prompt (invalid / no input); true if the run must stop. */
  private async playAside(ctx: VerbContext, key: string): Promise<boolean> {
    const r = await ctx.play({ kind: 'prompt', key }, false);
    return r.status === 'call-ended' || r.status === 'aborted' || ctx.signal.aborted;
  }

  private mask(keys: string): string {
    if (!this.secret) return keys;
    const t = this.step.args.terminators ?? GATHER_DEFAULTS.terminators;
    return [...keys].map((k) => (t.includes(k) ? k : '*')).join('');
  }
}
