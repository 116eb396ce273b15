/** The signing key store as the configuration sets it up (server, CLI and tests share this). */
import type { Config } from '../../config/schema';
import type { Store } from '../../store';
import { eamSettings } from './settings';
import { SigningKeys } from './signing-keys';

export function signingKeysFor(
  ctx: { readonly config: Config; readonly store: Store },
  now?: () => number,
): SigningKeys {
  const settings = eamSettings(ctx.config);
  return new SigningKeys(ctx.store.db, {
    secret: settings.encryptionKey,
    rotationDelayMs: settings.rotationDelayMs,
    commonName: new URL(settings.issuer).host,
    ...(now ? { now } : {}),
  });
}
