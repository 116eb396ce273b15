/**
 * `fyrkant scripts check [DIR]`: validates every script and prints each error and warning as
 * `file:line:col: severity: message`; exits 1 if any script has errors.
 * `fyrkant scripts schema [--out FILE]`: writes the JSON Schema editors use (ivr-scripts/schema.json).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Diagnostic, formatDiagnostic, hasErrors } from '../../ivr/diagnostics';
import { scriptJsonSchemaText } from '../../ivr/json-schema';
import { validateScript } from '../../ivr/validate';
import { withConfigOption } from '../common';
import { ivrSettings } from '../ivr-settings';
import { registerScriptVersions } from './scripts-versions';

export interface CheckReport {
  readonly scripts: { readonly id: string; readonly file: string; readonly hash: string; readonly ok: boolean }[];
  readonly diagnostics: Diagnostic[];
}

export function checkScripts(dir: string): CheckReport {
  const abs = resolve(dir);
  const files = readdirSync(abs)
    .filter((f) => /^[^.].*\.ya?ml$/i.test(f))
    .sort();
  const report: CheckReport = { scripts: [], diagnostics: [] };
  for (const f of files) {
    const path = join(abs, f);
    const shown = relative(process.cwd(), path) || path;
    const r = validateScript(readFileSync(path, 'utf8'), path);
    // Print paths as the admin typed them (relative), keep absolute paths for resolving audio files.
    const ds = r.diagnostics.map((d) => ({ ...d, file: shown.startsWith('..') ? path : shown }));
    report.scripts.push({ id: r.id, file: path, hash: r.hash, ok: !hasErrors(ds) });
    report.diagnostics.push(...ds);
  }
  return report;
}

export function register(program: Command): void {
  const scripts = program
    .command('scripts')
    .description('IVR scripts: check them, generate the editor schema, export/import the saved versions');
  registerScriptVersions(scripts);

  withConfigOption(scripts.command('check'))
    .description('Validate every script in DIR (default: ivr.scriptsDir); exit code 1 on errors')
    .argument('[dir]', 'scripts directory')
    .option('--json', 'print one JSON object instead of text')
    .action((dir: string | undefined, opts: { config?: string; json?: boolean }) => {
      const target = dir ?? ivrSettings(opts).scriptsDir;
      const report = checkScripts(target);
      const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = report.diagnostics.length - errors;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        for (const d of report.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
        const bad = report.scripts.filter((s) => !s.ok).map((s) => s.id);
        process.stdout.write(
          `${report.scripts.length} script(s) in ${target}: ${report.scripts.length - bad.length} ok` +
            (bad.length ? `, refused: ${bad.join(', ')}` : '') +
            `; ${errors} error(s), ${warnings} warning(s)\n`,
        );
      }
      if (errors > 0) process.exitCode = 1;
    });

  scripts
    .command('schema')
    .description('Write the JSON Schema for script files (editors use it through the $schema line)')
    .option('-o, --out <file>', 'where to write it ("-" for stdout)', 'ivr-scripts/schema.json')
    .action((opts: { out: string }) => {
      const text = scriptJsonSchemaText();
      if (opts.out === '-') process.stdout.write(text);
      else {
        writeFileSync(opts.out, text);
        process.stdout.write(`wrote ${opts.out}\n`);
      }
    });
}
