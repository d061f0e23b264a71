export * from './matrix';
export * from './windows';
