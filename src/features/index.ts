export * from './spec';
export * from './catalog';
export * from './presets';
export * from './build';
export { FeaturePlan } from './plan';
export * as indicators from './indicators';
