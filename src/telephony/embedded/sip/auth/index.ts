export * from './challenge';
export * from './digest';
export * from './session';
