/** `fyrkant db migrate` (also `--to <postgres-url>`: copy SQLite into PostgreSQL) and `fyrkant db status`. */
import type { Command } from 'commander';
import { appliedMigrations, openStore } from '../../store';
import { copySqliteToPg, PgCopyError } from '../../store/pg/migrate-copy';
import { PgOpenError } from '../../store/pg/open';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';

/**
 * Where `db migrate --to` (without a value) reads the PostgreSQL URL, so the password stays off the
 * command line (the usual name; FYRKANT_* is reserved for configuration keys). Read only with --to.
 */
export const PG_URL_ENV = 'DATABASE_URL';

export function register(program: Command): void {
  const db = program.command('db').description('database maintenance');

  withConfigOption(db.command('migrate'))
    .description('apply pending migrations from db/ to the database (serve also does this on start)')
    .option(
      '--to [postgres-url]',
      `instead: copy the SQLite database into an EMPTY PostgreSQL (all or nothing, verified); without a value the URL comes from $${PG_URL_ENV}`,
    )
    .action(async (opts: { config?: string; to?: string | true }) => {
      const config = loadCliConfig(opts.config);
      if (opts.to !== undefined) return copyToPostgres(config.database, opts.to);
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

/** Swedish when the locale says so (LANG/LC_ALL sv…), English otherwise. */
function say(text: { en: string; sv: string }): string {
  const locale = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return locale.toLowerCase().startsWith('sv') ? text.sv : text.en;
}

async function copyToPostgres(database: { path: string; busyTimeoutMs: number }, to: string | true): Promise<void> {
  const url = to === true ? process.env[PG_URL_ENV] : to;
  if (!url) {
    throw new CliError(
      say({
        en: `--to needs a PostgreSQL URL: give it as --to postgres://user@host/db (password from PGPASSWORD) or set $${PG_URL_ENV}`,
        sv: `--to behöver en PostgreSQL-URL: ange --to postgres://användare@värd/databas (lösenord från PGPASSWORD) eller sätt $${PG_URL_ENV}`,
      }),
      2,
    );
  }
  // Migrated first, so both sides have the same shape (serve would do the same on start).
  const store = openStore({ path: database.path, busyTimeoutMs: database.busyTimeoutMs });
  try {
    const result = await copySqliteToPg(store.sqlite, url, (p) =>
      process.stderr.write(
        `${say({
          en: `[${p.index}/${p.total}] ${p.table}: ${p.rows} row(s) copied and verified`,
          sv: `[${p.index}/${p.total}] ${p.table}: ${p.rows} rad(er) kopierade och kontrollerade`,
        })}\n`,
      ),
    );
    const rows = result.tables.reduce((n, t) => n + t.rows, 0);
    process.stdout.write(
      `${say({
        en: `${database.path} → PostgreSQL ${result.target}: ${result.tables.length} tables, ${rows} rows copied; counts and checksums match`,
        sv: `${database.path} → PostgreSQL ${result.target}: ${result.tables.length} tabeller, ${rows} rader kopierade; antal och kontrollsummor stämmer`,
      })}\n`,
    );
  } catch (err) {
    if (err instanceof PgCopyError) throw new CliError(say(err.text), 1);
    if (err instanceof PgOpenError) throw new CliError(say({ en: err.message, sv: err.sv }), 1);
    throw err;
  } finally {
    store.close();
  }
}
