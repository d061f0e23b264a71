
export * from './config';
export * from './layers';
export * from './architecture';
export * from './neural-model';
