#!/usr/bin/env node
/** The `fyrkant` command line. Each sub-command lives in its own file under `src/cli/commands/`. */
import { Command } from 'commander';
import { PortInUseError } from '../app/port-in-use';
import { VERSION } from '../app/version';
import * as apikeyCmd from './commands/apikey';
import * as callCmd from './commands/call';
import * as configCmd from './commands/config';
import * as dbCmd from './commands/db';
import * as fakePhoneCmd from './commands/fake-phone';
import * as nodeCmd from './commands/node';
import * as numbersCmd from './commands/numbers';
import * as oidcCmd from './commands/oidc';
import * as promptsCmd from './commands/prompts';
import * as scriptsCmd from './commands/scripts';
import * as serveCmd from './commands/serve';
import * as usersCmd from './commands/users';
import * as verifyCmd from './commands/verify';
import { CliError } from './common';

/** `serve` (or `call`) could not listen: a port in the config is taken. */
export const EXIT_PORT_IN_USE = 4;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('fyrkant')
    .description('Self-hosted IVR engine that verifies office phones over SIP.')
    .version(VERSION)
    .showHelpAfterError();
  serveCmd.register(program);
  configCmd.register(program);
  dbCmd.register(program);
  numbersCmd.register(program);
  callCmd.register(program);
  scriptsCmd.register(program);
  promptsCmd.register(program);
  usersCmd.register(program);
  apikeyCmd.register(program);
  verifyCmd.register(program);
  oidcCmd.register(program);
  fakePhoneCmd.register(program);
  nodeCmd.register(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      if (err instanceof CliError) {
        process.stderr.write(`fyrkant: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      if (err instanceof PortInUseError) {
        // A configuration problem with a one-line fix: the line, no stack trace.
        process.stderr.write(`fyrkant: ${err.message}\n`);
        process.exit(EXIT_PORT_IN_USE);
      }
      process.stderr.write(`fyrkant: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
