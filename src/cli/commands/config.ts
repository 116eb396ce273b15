/** `fyrkant config check [FILE]` and `fyrkant config schema`. */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError, configSchema, loadConfig, maskedConfig } from '../../config';
import { CliError, configErrorText, printJson } from '../common';

export function register(program: Command): void {
  const config = program.command('config').description('check and inspect the configuration');

  config
    .command('check')
    .argument('[file]', 'site config file to check (default: $FYRKANT_CONFIG, else only the defaults)')
    .option('--json', 'print the effective configuration as JSON')
    .option('-q, --quiet', 'print nothing when the configuration is valid')
    .description(
      'validate the configuration without starting: prints every problem with file, line and key, or the effective configuration with secrets masked',
    )
    .action((file: string | undefined, opts: { json?: boolean; quiet?: boolean }) => {
      let loaded: ReturnType<typeof loadConfig>;
      try {
        loaded = loadConfig({ file });
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(configErrorText(err), 2);
        throw err;
      }
      if (opts.quiet) return;
      const effective = maskedConfig(loaded.config);
      if (opts.json) return printJson(effective);
      process.stdout.write(
        `# configuration is valid (read: ${loaded.files.join(', ')}; environment overrides applied)\n`,
      );
      process.stdout.write(stringify(effective));
    });

  config
    .command('schema')
    .description('print the JSON Schema of the configuration (for editors)')
    .action(() => printJson(z.toJSONSchema(configSchema, { unrepresentable: 'any', io: 'input' })));
}
