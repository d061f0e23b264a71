export { BuyAndHoldModel } from './buy-and-hold';
export { type LbfgsOptions, type LbfgsResult, minimizeLbfgs } from './lbfgs';
export { type LogisticConfig, LogisticModel } from './logistic';
export { MajorityModel } from './majority';
export { type NaiveConfig, NaiveModel } from './naive';
