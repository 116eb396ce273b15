/** `fyrkant users import users.csv`: validate every row, then import the good ones in one transaction. */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { policyOptions } from '../../app/domain-options';
import { DestinationPolicy } from '../../domain/policy';
import { phonePort } from '../../services/adapters/phone-policy';
import { IMPORT_COLUMNS, importUsersInSlices, toImportRows, validateImport } from '../../services/users/import';
import { openStore } from '../../store';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';
import { parseCsv } from '../users/csv';

interface ImportFlags {
  readonly config?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

export function register(program: Command): void {
  const users = program.command('users').description('manage users');
  withConfigOption(users.command('import'))
    .description(
      `import users from a CSV file with the columns: ${IMPORT_COLUMNS.join(', ')} (a header row is optional)`,
    )
    .argument('<file.csv>', 'CSV file (comma or semicolon separated, UTF-8)')
    .option('--dry-run', 'validate only; import nothing')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      process.exitCode = await usersImport(file, flags);
    });
}

export async function usersImport(file: string, flags: ImportFlags): Promise<number> {
  const config = loadCliConfig(flags.config);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new CliError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const store = openStore({ path: config.database.path, busyTimeoutMs: config.database.busyTimeoutMs });
  try {
    const rows = toImportRows(records);
    const phones = phonePort(new DestinationPolicy(policyOptions(config)));
    const { valid, problems } = validateImport(store, phones, rows, {
      language: config.defaultLanguage,
      country: config.homeCountry,
      languages: config.languages,
    });
    let imported = 0;
    if (!flags.dryRun && valid.length > 0) {
      // The bar goes to stderr so `--json` output on stdout stays clean.
      const bar = new SingleBar({
        format: 'importing [{bar}] {value}/{total} users',
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 250,
        hideCursor: true,
      });
      bar.start(valid.length, 0);
      // Short transactions: a running `serve` keeps writing calls' outcomes while this imports.
      imported = await importUsersInSlices(store, valid, 'cli', { onRow: (n) => bar.update(n) });
      bar.stop();
    }
    const result = { file, rows: rows.length, valid: valid.length, imported, dryRun: !!flags.dryRun, problems };
    if (flags.json) printJson(result);
    else {
      for (const p of problems) process.stdout.write(`${file}:${p.line}: ${p.field}: ${p.message}\n`);
      process.stdout.write(
        `${rows.length} rows: ${valid.length} valid, ${problems.length ? `${new Set(problems.map((p) => p.line)).size} with problems, ` : ''}${flags.dryRun ? 'nothing imported (dry run)' : `${imported} imported`}\n`,
      );
    }
    return problems.length > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}
