/**
 * IVR settings for the `scripts` and `prompts` commands: explicit flags first, then the configuration
 * (`--config`, `FYRKANT_CONFIG`, config/default.yaml). The configuration is read only when a flag is
 * missing, so e.g. `fyrkant scripts check DIR` works even while the config file is broken.
 */
import type { Config } from '../config';
import { loadCliConfig } from './common';

export interface IvrFlags {
  readonly config?: string;
  readonly dir?: string;
  readonly cache?: string;
  readonly company?: string;
  readonly lang?: string;
  readonly script?: string;
}

export interface IvrSettings {
  readonly scriptsDir: string;
  readonly promptCacheDir: string;
  readonly company: string;
  readonly language: string;
  readonly defaultScript: string;
}

export function ivrSettings(flags: IvrFlags): IvrSettings {
  let cached: Config | undefined;
  const config = (): Config => {
    cached ??= loadCliConfig(flags.config);
    return cached;
  };
  return {
    get scriptsDir() {
      return flags.dir ?? config().ivr.scriptsDir;
    },
    get promptCacheDir() {
      return flags.cache ?? config().ivr.promptCacheDir;
    },
    get company() {
      return flags.company ?? config().companyName;
    },
    get language() {
      return flags.lang ?? config().defaultLanguage;
    },
    get defaultScript() {
      return flags.script ?? config().ivr.defaultScript;
    },
  };
}
