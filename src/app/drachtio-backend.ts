/**
 * Config → the drachtio backend. The option mapping lives in backend-options.ts (`drachtioOptions`);
 * this file adds what only the running app has (the logger) and checks the shape against the
 * adapter's own `DrachtioBackendOptions` at compile time.
 */
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { createDrachtioBackend, type DrachtioBackend, type DrachtioBackendOptions } from '../telephony/drachtio';
import { drachtioOptions } from './backend-options';

export function drachtioBackendFromConfig(config: Config, logger: Logger): DrachtioBackend {
  const options: DrachtioBackendOptions = {
    ...drachtioOptions(config),
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  };
  return createDrachtioBackend(options);
}
