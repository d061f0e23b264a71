export * from './figure';
export * from './price';
