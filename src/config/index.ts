/** Configuration: schema, loading with positions, masking. Adapters never import this (see src/app). */
export * from './errors';
export { DEFAULTS_FILE, type DeepPartial, type LoadedConfig, type LoadOptions, loadConfig } from './load';
export * from './mask';
export * from './schema';
