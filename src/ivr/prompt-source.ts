/**
 * How verbs get audio: they ask for a prompt key, an inline text or digits to read out, and get a
 * `PromptAudio` (an 8 kHz mono WAV) back. The real implementation (`prompts/library.ts`) renders with
 * espeak-ng and caches; unit tests of verbs can supply a trivial one.
 */
import type { PromptAudio } from '../telephony/port';
import type { Localized } from './schema';
import type { LoadedScript } from './script';
import type { Vars } from './template';

export type PromptRequest =
  | { readonly kind: 'prompt'; readonly key: string }
  | { readonly kind: 'say'; readonly text: string | Localized }
  | { readonly kind: 'digits'; readonly digits: string };

/** Prompts of one script in one language (with the script's fallback language). */
export interface PromptSource {
  audio(request: PromptRequest, vars: Vars, signal?: AbortSignal): Promise<PromptAudio>;
}

export interface PromptProvider {
  forScript(script: LoadedScript, language: string): PromptSource;
}
