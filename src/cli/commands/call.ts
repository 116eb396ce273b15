/**
 * `fyrkant call <number-or-sip-uri>`: place one verification call and print what happened.
 * Exit code 0 only when the call was approved; 3 when the destination policy refused it.
 */
import { type Command, Option } from 'commander';
import { startBackend } from '../../app/backends';
import { silentLogger } from '../../log';
import { type CallInput, runCall } from '../call/run-call';
import { humanSummary, jsonReport } from '../call/summary';
import { loadCliConfig, withConfigOption } from '../common';
import { EXIT_DENIED } from './numbers';

interface CallFlags {
  readonly country?: string;
  readonly ext?: string;
  readonly script?: string;
  readonly lang?: string;
  readonly json?: boolean;
  readonly config?: string;
  readonly backend?: 'embedded' | 'drachtio';
}

export function register(program: Command): void {
  withConfigOption(program.command('call'))
    .description(
      'Place a verification call to a phone number or (if telephony.allowSipUriDial) a sip: URI and report the outcome. Exit code 0 = approved, 1 = not approved or invalid number, 3 = refused by the policy',
    )
    .argument('<number-or-sip-uri>', 'phone number as people type it, or a sip: URI')
    .option('--country <CC>', 'default country for numbers without + (default: homeCountry)')
    .option('--ext <digits>', 'extension dialled as DTMF after answer (digits, * # , w)')
    .option('--script <id>', 'IVR script to run (default: ivr.defaultScript)')
    .option('--lang <tag>', 'language of the prompts, e.g. sv-SE or en-US (default: defaultLanguage)')
    .option('--json', 'print one JSON object instead of the summary')
    .addOption(new Option('--backend <name>', 'telephony backend').choices(['embedded', 'drachtio']))
    .action(async (target: string, flags: CallFlags) => {
      process.exitCode = await callCommand(target, flags, (s) => process.stdout.write(s));
    });
}

/**
 * Exit codes, the same as `numbers parse` where they overlap: 0 = approved, 3 = refused by the
 * destination policy (nothing was dialled), 1 = anything else (invalid number, not answered, …).
 */
export function callExitCode(outcome: string): number {
  if (outcome === 'approved') return 0;
  return outcome === 'policy-denied' ? EXIT_DENIED : 1;
}

/** The command without commander, for tests: returns the exit code. */
export async function callCommand(target: string, flags: CallFlags, write: (s: string) => void): Promise<number> {
  const config = loadCliConfig(flags.config);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const input: CallInput = {
      target,
      ...(flags.country ? { country: flags.country } : {}),
      ...(flags.ext ? { ext: flags.ext } : {}),
      ...(flags.script ? { script: flags.script } : {}),
      ...(flags.lang ? { lang: flags.lang } : {}),
      ...(flags.backend ? { backend: flags.backend } : {}),
    };
    const report = await runCall(input, {
      config,
      startBackend: async (c) => (await startBackend({ config: c, logger: silentLogger() })).backend,
      signal: controller.signal,
    });
    write(flags.json ? jsonReport(report) : humanSummary(target, report));
    return callExitCode(report.outcome);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
