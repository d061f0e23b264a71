export * from './display';
export * from './figure';
export * from './price';
export * from './charts';
