export * from './config';
export * from './build';
