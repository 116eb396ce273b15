/** The drachtio (production) backend; see backend.ts. */
export { createDrachtioBackend, type DrachtioBackend, type DrachtioResources } from './backend';
export type { DrachtioBackendOptions } from './options';
