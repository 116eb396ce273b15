/**
 * `fyrkant scripts export [--out DIR]` and `fyrkant scripts import [DIR]` (issue 15): the versions
 * in the database and the YAML files. Export writes the running version of every script; import saves
 * each file as a new version (author `cli`) when its text differs from the newest one, and refuses an
 * invalid file with every problem (the running version stays). A running server picks up an imported
 * version on its next call.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { PromptLibrary } from '../../ivr/prompts/library';
import { loadScripts } from '../../ivr/registry';
import { ScriptService } from '../../services/scripts/service';
import { openStore } from '../../store';
import { loadCliConfig, printJson, withConfigOption } from '../common';

async function withService<T>(configFile: string | undefined, fn: (svc: ScriptService, dir: string) => T): Promise<T> {
  const config = loadCliConfig(configFile);
  const store = openStore({ path: config.database.path, busyTimeoutMs: config.database.busyTimeoutMs });
  const registry = await loadScripts(config.ivr.scriptsDir);
  try {
    const svc = new ScriptService({
      db: store.db,
      scriptsDir: config.ivr.scriptsDir,
      prompts: new PromptLibrary({ cacheDir: config.ivr.promptCacheDir }),
      uses: {
        enrollment: config.ivr.defaultScript,
        'sign-in': 'signin-approve',
        test: config.ivr.defaultScript,
        pin: 'pin-verify',
      },
      recordingsDir: join(config.ivr.promptCacheDir, 'recordings'),
    });
    svc.attach(registry);
    return fn(svc, config.ivr.scriptsDir);
  } finally {
    registry.close();
    store.close();
  }
}

export function registerScriptVersions(scripts: Command): void {
  withConfigOption(scripts.command('export'))
    .description('Write the running version of every script (from the database) to DIR as <id>.yaml')
    .option('-o, --out <dir>', 'where to write the files', 'ivr-scripts-export')
    .option('--json', 'print one JSON object instead of text')
    .action(async (opts: { config?: string; out: string; json?: boolean }) => {
      const ids = await withService(opts.config, (svc) => svc.exportTo(opts.out));
      if (opts.json) printJson({ dir: opts.out, scripts: ids });
      else process.stdout.write(`wrote ${ids.length} script(s) to ${opts.out}: ${ids.join(', ')}\n`);
    });

  withConfigOption(scripts.command('import'))
    .description('Save each *.yaml in DIR (default: ivr.scriptsDir) as a new version; exit 1 if one is refused')
    .argument('[dir]', 'directory of script files')
    .option('-m, --note <text>', 'change note for the saved versions', 'imported from files')
    .option('--json', 'print one JSON object instead of text')
    .action(async (dir: string | undefined, opts: { config?: string; note: string; json?: boolean }) => {
      const results = await withService(opts.config, (svc, scriptsDir) =>
        svc.importFrom(dir ?? scriptsDir, 'cli', opts.note),
      );
      if (opts.json) printJson({ scripts: results });
      else {
        for (const r of results) {
          if (r.status === 'refused') {
            process.stdout.write(`${r.id}: refused, the running version stays\n`);
            for (const p of r.problems ?? []) {
              process.stdout.write(
                `  ${r.id}.yaml:${p.line}:${p.column}: ${p.severity}: ${p.message.en}${p.suggestion ? ` (${p.suggestion.en})` : ''}\n`,
              );
            }
          } else
            process.stdout.write(`${r.id}: ${r.status === 'saved' ? 'saved as' : 'unchanged,'} version ${r.version}\n`);
        }
      }
      if (results.some((r) => r.status === 'refused')) process.exitCode = 1;
    });
}
