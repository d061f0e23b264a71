export { BuyAndHoldModel, buyAndHoldFactory } from './buy-and-hold';
export { type LbfgsOptions, type LbfgsResult, minimizeLbfgs } from './lbfgs';
export { type LogisticConfig, LogisticModel, logisticFactory } from './logistic';
export { MajorityModel, majorityFactory } from './majority';
export { type NaiveConfig, NaiveModel, naiveFactory } from './naive';
