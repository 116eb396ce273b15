/** `fyrkant serve`: run the service until SIGTERM/SIGINT, then stop cleanly. */
import type { Command } from 'commander';
import { loadCliConfig, withConfigOption } from '../common';

type AppModule = typeof import('../../app/app');
type LogModule = typeof import('../../log');
type StoreModule = typeof import('../../store');
type HintsModule = typeof import('../../app/operator-hints');

export function register(program: Command): void {
  withConfigOption(program.command('serve'))
    .description(
      'start fyrkant: telephony backend, database, HTTP API/UI and /healthz; stops cleanly on SIGTERM or SIGINT',
    )
    .option('--http-port <port>', 'override http.port (0 = any free port)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { config?: string; httpPort?: number }) => {
      const config = loadCliConfig(
        opts.config,
        opts.httpPort !== undefined ? { http: { port: opts.httpPort } } : undefined,
      );
      // Loaded here, not at the top: the whole service (HTTP, backends, jobs) is heavy, and every other
      // command (and `--help`) would pay for it on start-up.
      const { startApp } = require('../../app/app') as AppModule;
      const { createLogger } = require('../../log') as LogModule;
      const logger = createLogger({ level: config.log.level });
      const app = await startApp(config, { logger });
      // Handlers first, then the lines that tell others we are up: a SIGTERM sent the moment the
      // "listening" line is read still stops us cleanly.
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'signal received');
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          app.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, 'stop failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      // A machine-readable line for scripts and tests that start us with port 0.
      process.stdout.write(`${JSON.stringify({ fyrkant: 'listening', url: app.url })}\n`);
      // First run: one plain line on the terminal that says how to get in (the log is JSON for machines).
      const { listApiKeys } = require('../../store') as StoreModule;
      const { firstRunLine } = require('../../app/operator-hints') as HintsModule;
      const hasAdmin = listApiKeys(app.ctx.store.db).some((k) => k.revokedAt === null && k.scopes.includes('admin'));
      if (!hasAdmin) process.stderr.write(`${firstRunLine(app.url, opts.config ?? process.env.FYRKANT_CONFIG)}\n`);
      await stopped;
    });
}
