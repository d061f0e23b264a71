export * from './spec';
export * from './compute';
