export * from './client-invite';
export * from './client-non-invite';
export * from './manager';
export * from './server-invite';
export * from './server-non-invite';
export * from './timers';
export * from './types';
