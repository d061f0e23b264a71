export * from './spec';
export * from './split';
export * from './describe';
