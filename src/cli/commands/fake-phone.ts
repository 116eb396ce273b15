/**
 * `fyrkant fake-phone`: a fake office phone on this machine, to try fyrkant without a PBX. It listens
 * where the default `sip.trunk.uri` points (127.0.0.1:5080), answers OPTIONS and INVITE, and presses #
 * after answering. Runs until Ctrl-C.
 */
import type { Command } from 'commander';
import { CliError } from '../common';

type FakePhoneModule = typeof import('../../fake-phone/fake-phone');

interface Flags {
  readonly host: string;
  readonly port: number;
  readonly answerAfter: number;
  readonly pressAfter: number;
  readonly digits: string;
  readonly reject?: number;
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name}: expected a whole number, got "${v}"`, 2);
  return n;
};

export function register(program: Command): void {
  program
    .command('fake-phone')
    .description(
      'a fake office phone on this machine for trying fyrkant without a PBX: answers OPTIONS and calls, then presses # (RFC 4733). Runs until Ctrl-C',
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--port <port>',
      'SIP port, UDP and TCP (0 = any free port); the default trunk points at 5080',
      int('--port'),
      5080,
    )
    .option('--answer-after <ms>', 'ring this long before answering', int('--answer-after'), 1000)
    .option(
      '--press-after <ms>',
      'press the keys this long after answering (or after the last digit fyrkant sends, e.g. an extension)',
      int('--press-after'),
      2500,
    )
    .option('--digits <keys>', 'keys to press: # verifies, 0# reports a call you did not ask for', '#')
    .option('--reject <status>', 'answer every call with this SIP status instead, e.g. 486 (busy)', int('--reject'))
    .action(async (flags: Flags) => {
      if (flags.reject !== undefined && (flags.reject < 300 || flags.reject > 699))
        throw new CliError(`--reject: expected a final SIP status 300–699, got ${flags.reject}`, 2);
      if (!/^[0-9*#A-D]+$/i.test(flags.digits))
        throw new CliError(`--digits: only 0-9, *, # and A-D can be pressed, got "${flags.digits}"`, 2);
      const { FakePhone } = require('../../fake-phone/fake-phone') as FakePhoneModule;
      const { isAddressInUse } = require('../../app/port-in-use') as typeof import('../../app/port-in-use');
      const phone = new FakePhone({
        host: flags.host,
        port: flags.port,
        answerAfterMs: flags.answerAfter,
        pressAfterMs: flags.pressAfter,
        digits: flags.digits,
        ...(flags.reject !== undefined ? { rejectWith: flags.reject } : {}),
        log: (line) => process.stdout.write(`fake-phone: ${line}\n`),
      });
      let uri: string;
      try {
        uri = await phone.start();
      } catch (err) {
        if (!isAddressInUse(err)) throw err;
        throw new CliError(
          `the port ${flags.host}:${flags.port} is already in use — start the fake phone with --port <free port> and point sip.trunk.uri (FYRKANT_SIP__TRUNK__URI) at it`,
          4,
        );
      }
      // Signal handlers before the line others wait for: a stop sent right after it is clean.
      const stopped = new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void phone.stop().finally(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      process.stdout.write(
        `fake-phone: listening on ${uri} (UDP and TCP): answers after ${flags.answerAfter} ms and presses ${flags.digits} ${flags.pressAfter} ms later. Point sip.trunk.uri at ${uri} (the default config already does when the port is 5080). Ctrl-C stops it.\n`,
      );
      await stopped;
      process.stdout.write(`fake-phone: stopped after ${phone.answered} answered call(s)\n`);
    });
}
