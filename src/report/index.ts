export * from './html';
export * from './experiment';
