export * from './config';
export * from './run';
export * from './summary';
export * from './defaults';
