export * from './destination';
export * from './node-call-limit';
export * from './policy';
export * from './rate-limit-ledger';
export * from './rate-limiter';
export * from './reasons';
