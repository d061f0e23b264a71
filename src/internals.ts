/**
 * Everything below the curated entry point, for advanced use and the kit's own tests: kernels,
 * training-loop pieces, the statistics toolbox, schema builders. No stability promise.
 */
export * from './config/schema';
export * from './records/samples';
export * from './records/task';
export * from './records/predictions';
export * from './records/feature-check';
export * from './data/bars';
export * from './data/csv';
export * from './data/validate';
export * from './data/yahoo';
export * from './data/frame';
export * from './data/source-schema';
export * from './features';
export * from './labels';
export * from './split';
export * from './scale';
export * from './window';
export * from './train';
export * from './kernels';
export * from './evaluate';
export * from './backtest';
export * from './models/gbdt';
export * from './models/baselines';
export * from './models/nn';
export * from './models/tabular-input';
