#!/usr/bin/env node
/** The `fyrkant` command line. Each sub-command lives in its own file under `src/cli/commands/`. */
import { Command } from 'commander';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('fyrkant')
    .description('Self-hosted IVR engine that verifies office phones over SIP.')
    .showHelpAfterError();
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`fyrkant: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
