export * from './dialog-state';
