/** A script that passed validation: what the registry hands out and `runScript` runs. */
import type { Diagnostic } from './diagnostics';
import type { ParsedStep, ScriptFile } from './schema';

export interface LoadedScript {
  /** The file name without `.yaml`. */
  readonly id: string;
  /** sha256 (hex) of the file's bytes: every run records it, so an outcome names the exact version. */
  readonly hash: string;
  /** Absolute path of the file, when it came from one. */
  readonly file?: string;
  /** Directory that relative audio `file:` paths are resolved against. */
  readonly baseDir: string;
  readonly data: ScriptFile;
  readonly steps: readonly ParsedStep[];
  /** Step id → index in `steps`. */
  readonly labels: ReadonlyMap<string, number>;
  /** Warnings found when it was loaded (errors would have refused it). */
  readonly warnings: readonly Diagnostic[];
  readonly loadedAt: number;
}

/** The fallback language when neither the caller's language nor the script's `language` has a prompt. */
export const DEFAULT_FALLBACK_LANGUAGE = 'en-US';
export const DEFAULT_LANGUAGES = ['sv-SE', 'en-US'] as const;
