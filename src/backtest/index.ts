/** Backtesting forecasts: target positions, the next-bar engine and the statistics table. */
export * from './positions';
export * from './engine';
export * from './stats';
export * from './portfolio';
