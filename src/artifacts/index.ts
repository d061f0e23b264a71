export * from './feature-check';
export * from './layers-io';
export * from './run';
