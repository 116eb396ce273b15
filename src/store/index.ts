/** The store's public surface: open the database, then call the typed repository functions. */
export * from './errors';
export * from './open';
export * from './repo/attempts';
export * from './repo/audit';
export * from './repo/phone-methods';
export * from './repo/users';
export * as tables from './schema';
