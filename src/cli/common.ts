/** Helpers shared by the sub-commands: the `--config` option and config loading with readable errors. */
import type { Command } from 'commander';
import { type Config, ConfigError, type DeepPartial, formatIssue, loadConfig } from '../config';

/** Thrown to end the command with a message and exit code (main prints it, no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function withConfigOption(cmd: Command): Command {
  return cmd.option(
    '-c, --config <file>',
    'site config file layered over config/default.yaml (default: $FYRKANT_CONFIG)',
  );
}

export function loadCliConfig(file: string | undefined, overrides?: DeepPartial<Config>): Config {
  try {
    return loadConfig({ file, ...(overrides ? { overrides } : {}) }).config;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(configErrorText(err), 2);
    throw err;
  }
}

export function configErrorText(err: ConfigError): string {
  const n = err.issues.length;
  return `invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
