/**
 * stocklab: the public entry point. Notebooks, the CLI and user scripts import from here.
 */
export * from './errors';
export * from './backend';
export * from './util/random';
export * from './util/env';
export * from './util/fs';
export * from './data/bars';
export * from './data/interval';
export * from './data/csv';
export * from './data/validate';
export * from './data/synthetic';
export * from './data/yahoo';
export * from './data/load';
export * from './data/frame';
export * from './data/summary';
export * from './data/write';
export * from './features';
export * from './labels';
export * from './split';
export * from './scale';
export * from './window';
export * from './dataset';
export * from './models/model';
export * from './models';
export * from './models/gbdt';
export * from './models/baselines';
export * from './models/nn';
export * from './models/ensemble';
export * from './train';
export * from './artifacts';
export * from './evaluate';
export * from './backtest';
export * from './kernels';
export * from './experiment';
export * from './plot/index';
export * from './report/index';
