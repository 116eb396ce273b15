/**
 * `fyrkant oidc …`: the Entra EAM door's provider keys and the values to paste into Entra.
 *  - `keys list`: every signing key, when it signs and until when it is published;
 *  - `keys rotate`: publishes a new key now; it signs after `entraEam.keys.rotationDelayHours`
 *    (default 48 h, Entra caches metadata 24 h), the old key signs until then and stays published
 *    for another delay;
 *  - `entra-values`: discovery URL, client ids, app ids and the reply URL for the Entra admin center.
 */
import type { Command } from 'commander';
import { eamEntraValues } from '../../integrations/entra/admin-values';
import { KeyDecryptionError } from '../../integrations/entra/key-crypto';
import { signingKeysFor } from '../../integrations/entra/keys-for-config';
import { audit, openStore } from '../../store';
import { CliError, loadCliConfig, printJson, withConfigOption } from '../common';

function iso(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toISOString();
}

function withKeys<T>(
  file: string | undefined,
  fn: (k: ReturnType<typeof signingKeysFor>, store: ReturnType<typeof openStore>) => Promise<T>,
): Promise<T> {
  const config = loadCliConfig(file);
  if (!config.entraEam.keys.encryptionKey)
    throw new CliError(
      'entraEam.keys.encryptionKey is not set: the signing keys are encrypted with it (set FYRKANT_ENTRA_EAM__KEYS__ENCRYPTION_KEY or entraEam.keys.encryptionKeyFile)',
      2,
    );
  const store = openStore({ path: config.database.path, busyTimeoutMs: config.database.busyTimeoutMs });
  const keys = signingKeysFor({ config, store });
  return fn(keys, store)
    .catch((err: unknown) => {
      if (err instanceof KeyDecryptionError) throw new CliError(err.message, 2);
      throw err;
    })
    .finally(() => store.close());
}

export function register(program: Command): void {
  const oidc = program.command('oidc').description('the Entra ID External Authentication Method (OpenID provider)');
  const keys = oidc.command('keys').description('the provider’s signing keys');

  withConfigOption(keys.command('list'))
    .description('list the signing keys and their rollover windows')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; json?: boolean }) =>
      withKeys(flags.config, async (k) => {
        k.verifySecret();
        const list = k.list().map((x) => ({
          kid: x.kid,
          signing: x.signing,
          signingFrom: iso(x.signingFrom),
          publishedUntil: x.publishedUntil === undefined ? null : iso(x.publishedUntil),
        }));
        if (flags.json) return printJson(list);
        if (list.length === 0) process.stdout.write('No keys yet: the first one is created when the server starts.\n');
        for (const x of list)
          process.stdout.write(
            `${x.signing ? '*' : ' '} ${x.kid}  signs from ${x.signingFrom}  published until ${x.publishedUntil ?? '(no successor)'}\n`,
          );
      }),
    );

  withConfigOption(keys.command('rotate'))
    .description('publish a new signing key now; it signs after entraEam.keys.rotationDelayHours')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; json?: boolean }) =>
      withKeys(flags.config, async (k, store) => {
        k.verifySecret();
        const r = await k.rotate();
        audit(store.db, {
          actor: 'cli',
          action: 'oidc.key.rotate',
          target: `oidc-key:${r.kid}`,
          detail: { signingFrom: r.signingFrom },
        });
        if (flags.json) return printJson({ kid: r.kid, signingFrom: iso(r.signingFrom) });
        process.stdout.write(
          `Published key ${r.kid}. It signs from ${iso(r.signingFrom)}; until then the current key signs, and both are in the JWKS.\n`,
        );
      }),
    );

  withConfigOption(oidc.command('entra-values'))
    .description('the values to paste into Entra (discovery URL, client id, app id, reply URL)')
    .option('--json', 'print JSON')
    .action((flags: { config?: string; json?: boolean }) => {
      const v = eamEntraValues(loadCliConfig(flags.config));
      if (flags.json) return printJson(v);
      process.stdout.write(`Discovery URL (Entra: "Discovery Endpoint")   ${v.discoveryUrl}\n`);
      process.stdout.write(`Reply URL of the app registration (Web)      ${v.replyUrl}\n`);
      for (const c of v.clients)
        process.stdout.write(`Client ID ${c.clientId}   App ID ${c.appId}   tenants ${c.tenants.join(', ')}\n`);
      if (!v.enabled) process.stdout.write('Note: entraEam.enabled is false — the endpoints are not served yet.\n');
    });
}
