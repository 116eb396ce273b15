/**
 * `fyrkant numbers parse "<input>"`: how fyrkant reads a number, whether the destination policy lets
 * it be called, and what the dial plan puts on the wire. Admins use it to check their dial plan.
 */
import type { Command } from 'commander';
import { dialPlanOptions, policyOptions } from '../../app/domain-options';
import type { Config } from '../../config/schema';
import { type DialPlan, planDial } from '../../domain/dialplan';
import { textLanguage } from '../../domain/language';
import { countryName, listCountries, NUMBER_TYPE_NAMES, parsePhone } from '../../domain/phone';
import { type Destination, DestinationPolicy, type PolicyEvaluation } from '../../domain/policy';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';

/** Exit codes: 0 = callable, 1 = not a valid number (or bad usage), 3 = valid but refused by the policy. */
export const EXIT_DENIED = 3;

interface ParseOpts {
  country?: string;
  ext?: string;
  json?: boolean;
  lang?: string;
  config?: string;
}

export function register(program: Command): void {
  const numbers = program.command('numbers').description('phone numbers, the dial plan and the destination policy');

  withConfigOption(numbers.command('parse'))
    .argument('<input>', 'a number as a person would type it, e.g. "08-123 456 78 ext 12", or a sip: URI')
    .option('--country <code>', 'default country for numbers without + (default: homeCountry from the config)')
    .option('--ext <digits>', 'extension given separately (digits, *, #, "," = 1 s pause, w = 0.5 s)')
    .option('--lang <tag>', 'language of messages: sv or en (default: defaultLanguage from the config)')
    .option('--json', 'print one JSON object')
    .description(
      'parse a number and show its E.164 form, type, extension, the policy decision and the dial plan. Exit code 0 = allowed, 1 = invalid, 3 = refused by the policy',
    )
    .action((input: string, opts: ParseOpts) => {
      const config = loadCliConfig(opts.config);
      const result = explain(input, opts, config);
      if (opts.json) printJson(result.json);
      else process.stdout.write(result.text);
      process.exitCode = result.exitCode;
    });

  numbers
    .command('countries')
    .option('--lang <tag>', 'language of the names: sv or en', 'en')
    .option('--json', 'print JSON')
    .description('list countries/regions with calling codes')
    .action((opts: { lang: string; json?: boolean }) => {
      const list = listCountries(textLanguage(opts.lang));
      if (opts.json) return printJson(list);
      for (const c of list) process.stdout.write(`${c.code}  +${c.callingCode.padEnd(4)} ${c.name}\n`);
    });
}

function explain(input: string, opts: ParseOpts, config: Config): { json: unknown; text: string; exitCode: number } {
  const lang = textLanguage(opts.lang ?? config.defaultLanguage);
  const country = (opts.country ?? config.homeCountry).toUpperCase();
  const policy = new DestinationPolicy(policyOptions(config));

  if (/^sips?:/i.test(input.trim())) {
    const uri = input.trim();
    const decision = policy.evaluate({ kind: 'sip-uri', uri });
    const json = {
      input,
      ok: true,
      kind: 'sip-uri',
      uri,
      policy: policyJson(decision),
      dialPlan: { route: 'direct', requestUri: uri, postAnswer: null },
    };
    const text = `${row('Input', uri)}${row('Policy', policyText(decision, lang))}${row('Dial plan', `INVITE ${uri}`)}`;
    return { json, text, exitCode: decision.allow ? 0 : EXIT_DENIED };
  }

  const parsed = parsePhone(input, { country, extension: opts.ext });
  if (!parsed.ok) {
    const json = {
      input,
      ok: false,
      defaultCountry: country,
      error: { code: parsed.code, field: parsed.field, message: parsed.message },
    };
    if (opts.json) return { json, text: '', exitCode: 1 };
    throw new CliError(`${parsed.message[lang]} (${parsed.code})`, 1);
  }
  const destination: Destination = { kind: 'phone', phone: parsed };
  const decision = policy.evaluate(destination);
  const plan = planDial(parsed, dialPlanOptions(config));
  const json = {
    input,
    ok: true,
    defaultCountry: country,
    e164: parsed.e164,
    national: parsed.national,
    international: parsed.international,
    country: parsed.country ?? null,
    callingCode: parsed.callingCode,
    type: parsed.type,
    extension: parsed.extension,
    policy: policyJson(decision),
    dialPlan: planJson(plan),
  };
  const where = parsed.country
    ? `${parsed.country} (${countryName(parsed.country, lang)}), +${parsed.callingCode}`
    : `+${parsed.callingCode}`;
  const text =
    row('Input', `${input}  (default country ${country})`) +
    row('E.164', parsed.e164) +
    row('National', parsed.national) +
    row('Country', where) +
    row('Type', `${NUMBER_TYPE_NAMES[parsed.type][lang]} (${parsed.type})`) +
    row('Extension', parsed.extension ?? '-') +
    row('Policy', policyText(decision, lang)) +
    row('Dial plan', planText(plan));
  return { json, text, exitCode: decision.allow ? 0 : EXIT_DENIED };
}

function policyJson(d: PolicyEvaluation) {
  return { decision: d.allow ? 'allow' : 'deny', allow: d.allow, reason: d.reason, message: d.message };
}

function planJson(plan: DialPlan) {
  if (!plan.ok) return { ok: false, code: plan.code, message: plan.message };
  return {
    ok: true,
    route: plan.route,
    requestUri: plan.requestUri,
    postAnswer: plan.postAnswer,
    ...(plan.route === 'internal' ? { extension: plan.extension } : {}),
  };
}

function policyText(d: PolicyEvaluation, lang: 'sv' | 'en'): string {
  return `${d.allow ? 'ALLOW' : 'DENY'} (${d.reason}): ${d.message[lang]}`;
}

function planText(plan: DialPlan): string {
  if (!plan.ok) return `cannot dial: ${plan.message} (${plan.code})`;
  const lines = [
    `INVITE ${plan.requestUri}${plan.route === 'internal' ? '  (internal range: extension dialled directly)' : ''}`,
  ];
  if (plan.postAnswer)
    lines.push(
      `after answer: wait ${plan.postAnswer.preDelayMs} ms, send DTMF "${plan.postAnswer.digits}", wait ${plan.postAnswer.postDelayMs} ms`,
    );
  else lines.push('after answer: no digits to send');
  return lines.join(`\n${' '.repeat(13)}`);
}

function row(label: string, value: string): string {
  return `${label.padEnd(12)} ${value}\n`;
}
