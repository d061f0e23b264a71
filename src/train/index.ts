export * from './forward';
export * from './losses';
export * from './loop';
export * from './optimizer';
export * from './progress';
export * from './schedule';
