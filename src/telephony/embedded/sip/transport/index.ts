export * from './address';
export * from './framer';
export * from './transport';
