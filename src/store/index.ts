/** The store's public surface: open the database, then call the typed repository functions. */
export * from './errors';
export * from './open';
export * from './repo/api-keys';
export * from './repo/app-passwords';
export * from './repo/attempt-chain';
export * from './repo/attempt-event-batch';
export * from './repo/attempt-leases';
export * from './repo/attempts';
export * from './repo/audit';
export * from './repo/bypasses';
export * from './repo/enrollment-links';
export * from './repo/fraud-reports';
export * from './repo/ivr-scripts';
export * from './repo/nodes';
export * from './repo/phone-methods';
export * from './repo/users';
export * from './repo/webhook-deliveries';
export * as tables from './schema';
