/** `fyrkant serve`: run the service until SIGTERM/SIGINT, then stop cleanly. */
import type { Command } from 'commander';
import { CliError, loadCliConfig, withConfigOption } from '../common';

type AppModule = typeof import('../../app/app');
type LogModule = typeof import('../../log');
type StoreModule = typeof import('../../store');
type HintsModule = typeof import('../../app/operator-hints');
type NodeModule = typeof import('../../app/node-runtime');
type NodeMessagesModule = typeof import('../../services/nodes/messages');

export function register(program: Command): void {
  withConfigOption(program.command('serve'))
    .description(
      'start fyrkant: telephony backend, database, HTTP API/UI and /healthz; SIGTERM/SIGINT (or `fyrkant node drain`) drains: no new calls, running calls finish (up to node.drainSeconds), then exit 0; a second signal hangs up at once',
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
      const { NodeIdInUseError } = require('../../services/nodes/messages') as NodeMessagesModule;
      const app = await startApp(config, { logger }).catch((err: unknown) => {
        if (err instanceof NodeIdInUseError) throw new CliError(err.message, 4);
        throw err;
      });
      const { nodeOf } = require('../../app/node-runtime') as NodeModule;
      const node = nodeOf(app.ctx);
      node.setHttpUrl(app.url);
      // Handlers first, then the lines that tell others we are up: a SIGTERM sent the moment the
      // "listening" line is read still stops us cleanly.
      const stopped = new Promise<void>((resolve) => {
        const stop = () =>
          app.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, 'stop failed');
            process.exitCode = 1;
            resolve();
          });
        // Drain (issue 19): no new calls, the running ones finish (or the deadline hangs them up), then stop.
        node.onDrain((source) => {
          void node.drain(source).then(stop, stop);
        });
        const onSignal = (signal: NodeJS.Signals) => {
          if (!node.isDraining) {
            logger.info({ signal }, 'signal received: draining (send it again to hang up the calls now)');
            void node.drain({ kind: 'signal', signal }).then(stop, stop);
            return;
          }
          // Impatient operator: end the calls now — each is hung up and recorded as interrupted.
          logger.warn(
            { signal, calls: node.activeCalls },
            'second signal while draining: hanging up the calls in progress, recording them, then exiting',
          );
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          stop();
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
