/** `fyrkant db migrate` and `fyrkant db status`. */
import type { Command } from 'commander';
import { appliedMigrations, openStore } from '../../store';
import { loadCliConfig, printJson, withConfigOption } from '../common';

export function register(program: Command): void {
  const db = program.command('db').description('database maintenance');

  withConfigOption(db.command('migrate'))
    .description('apply pending migrations from db/ to the database (serve also does this on start)')
    .action((opts: { config?: string }) => {
      const config = loadCliConfig(opts.config);
      const probe = openStore({
        path: config.database.path,
        busyTimeoutMs: config.database.busyTimeoutMs,
        migrate: false,
      });
      const before = appliedMigrations(probe).length;
      probe.close();
      const store = openStore({ path: config.database.path, busyTimeoutMs: config.database.busyTimeoutMs });
      const after = appliedMigrations(store).length;
      store.close();
      process.stdout.write(`${config.database.path}: ${after - before} migration(s) applied, ${after} in total\n`);
    });

  withConfigOption(db.command('status'))
    .description('show the database file, applied migrations and integrity check')
    .option('--json', 'print JSON')
    .action((opts: { config?: string; json?: boolean }) => {
      const config = loadCliConfig(opts.config);
      const store = openStore({
        path: config.database.path,
        busyTimeoutMs: config.database.busyTimeoutMs,
        migrate: false,
      });
      try {
        const status = {
          path: config.database.path,
          journalMode: store.sqlite.pragma('journal_mode', { simple: true }),
          migrations: appliedMigrations(store).length,
          integrity: store.sqlite.pragma('quick_check', { simple: true }),
        };
        if (opts.json) printJson(status);
        else for (const [k, v] of Object.entries(status)) process.stdout.write(`${k}: ${String(v)}\n`);
      } finally {
        store.close();
      }
    });
}
