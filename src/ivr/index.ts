/**
 * The IVR layer's public API, used by the verification service and `fyrkant call`:
 *
 *   const scripts = await loadScripts(dir, { watch: true });
 *   const prompts = new PromptLibrary({ cacheDir });
 *   const outcome = await runScript({ script: scripts.get('office-phone-verify')!, call, vars, prompts,
 *                                     pinVerifier, signal, trace, maxCallMs });
 *
 * Only the telephony port is used below this line; no adapter is imported.
 */
export type { Diagnostic, Severity } from './diagnostics';
export { formatDiagnostic, hasErrors } from './diagnostics';
export type { IvrEvent, IvrEventSink } from './events';
export { describeEvent } from './events';
export type { PromptProvider, PromptRequest, PromptSource } from './prompt-source';
export { PromptError, PromptLibrary, type PromptLibraryOptions } from './prompts/library';
export { EspeakNg, type TtsEngine, TtsUnavailable } from './prompts/tts';
export { AudioRejected, convertUpload, DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './prompts/wav';
export type { LoadAttempt, RegistryOptions, ScriptStatus } from './registry';
export { loadScripts, ScriptRegistry } from './registry';
export { describeResult, type ScriptResult, SETTABLE_RESULTS, type SettableResult } from './results';
export type { ScriptFile } from './schema';
export type { LoadedScript } from './script';
export { maskSecretDtmf } from './secret-mask';
export type { EndedBy, IvrVars, RunScriptOptions, ScriptOutcome } from './session';
export { IvrSession, runScript } from './session';
export { type ValidationResult, validateScript } from './validate';
export type { PinVerifier } from './verbs/base';
