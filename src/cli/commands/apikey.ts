/** `fyrkant apikey create|list|revoke`: API keys for the REST API (shown once, stored hashed). */
import { type Command, Option } from 'commander';
import { API_KEY_SCOPE_VALUES, type ApiKeyScope } from '../../domain/api-keys/key';
import { newWebhookSecret } from '../../domain/webhooks/signature';
import { audit, createApiKey, listApiKeys, openStore, resolveApiKey, revokeApiKey, type Store } from '../../store';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';

function withStore<T>(configFile: string | undefined, fn: (store: Store) => T): T {
  const config = loadCliConfig(configFile);
  const store = openStore({ path: config.database.path, busyTimeoutMs: config.database.busyTimeoutMs });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function webhookUrl(url: string | undefined): string | null {
  if (url === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--webhook: "${url}" is not a URL`, 2);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CliError('--webhook: use an http(s) URL', 2);
  return parsed.toString();
}

export function register(program: Command): void {
  const apikey = program.command('apikey').description('API keys for the REST API');

  withConfigOption(apikey.command('create'))
    .description('create a key; it is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'who uses the key, e.g. "idp" or "portal"')
    .addOption(
      new Option('--scope <scope>', 'admin: every route; integration: the routes an IdP/portal needs')
        .choices([...API_KEY_SCOPE_VALUES])
        .default('integration'),
    )
    .option('--webhook <url>', 'POST the results of attempts this key starts to this URL (signed)')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; name: string; scope: ApiKeyScope; webhook?: string; json?: boolean }) => {
      const url = webhookUrl(flags.webhook);
      const secret = url ? newWebhookSecret() : null;
      const { row, key } = withStore(flags.config, (store) =>
        store.db.transaction(() => {
          const created = createApiKey(store.db, {
            name: flags.name,
            scopes: [flags.scope],
            webhookUrl: url,
            webhookSecret: secret,
          });
          audit(store.db, {
            actor: 'cli',
            action: 'apikey.create',
            target: `apikey:${created.row.id}`,
            detail: { name: flags.name, scopes: [flags.scope], prefix: created.row.prefix, webhookUrl: url },
          });
          return created;
        }),
      );
      if (flags.json)
        printJson({
          id: row.id,
          name: row.name,
          scopes: row.scopes,
          prefix: row.prefix,
          key,
          webhookUrl: url,
          webhookSecret: secret,
        });
      else {
        process.stdout.write(`API key "${row.name}" (${row.scopes.join(', ')}), id ${row.id}\n\n  ${key}\n\n`);
        if (secret) process.stdout.write(`Webhook ${url}\n  signing secret: ${secret}\n\n`);
        process.stdout.write('This is the only time the key is shown: store it now.\n');
      }
    });

  withConfigOption(apikey.command('list'))
    .description('list keys (never the secret)')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; json?: boolean }) => {
      const rows = withStore(flags.config, (store) => listApiKeys(store.db)).map(
        ({ hash: _h, webhookSecret: _s, ...r }) => r,
      );
      if (flags.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('no API keys\n');
      for (const r of rows)
        process.stdout.write(
          `${r.id}  fyk_${r.prefix}_…  ${r.name}  [${r.scopes.join(',')}]  created ${new Date(r.createdAt).toISOString()}` +
            `${r.lastUsedAt ? `  last used ${new Date(r.lastUsedAt).toISOString()}` : ''}${r.revokedAt ? '  REVOKED' : ''}${r.webhookUrl ? `  webhook ${r.webhookUrl}` : ''}\n`,
        );
    });

  withConfigOption(apikey.command('revoke'))
    .description('revoke a key at once')
    .argument('<key>', 'id, name, prefix or the key itself')
    .action((ref: string, flags: { config?: string }) => {
      const row = withStore(flags.config, (store) =>
        store.db.transaction(() => {
          const r = resolveApiKey(store.db, ref);
          if (!r) return undefined;
          revokeApiKey(store.db, r.id);
          audit(store.db, {
            actor: 'cli',
            action: 'apikey.revoke',
            target: `apikey:${r.id}`,
            detail: { name: r.name },
          });
          return r;
        }),
      );
      if (!row) throw new CliError(`no API key matches "${ref}"`);
      process.stdout.write(`revoked API key "${row.name}" (${row.id})\n`);
    });
}
