export * from './countries';
export * from './extension';
export * from './messages';
export * from './number-type';
export * from './parse';
