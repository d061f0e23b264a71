export { type BinCuts, type BinnedMatrix, binMatrix, quantileCuts } from './binning';
export { type BoostData, type BoostResult, type Booster, fitBooster, predictMargin } from './booster';
export { type FeatureImportance, GBDT_MODEL_FILE, GbdtModel, type ImportanceType, gbdtFactory } from './model';
export { DEFAULT_GBDT_PARAMS, type GbdtParams, type Objective, gbdtConfigSchema, objectiveForTask, resolveGbdtParams } from './params';
export { type Tree, leafOf } from './tree';
export { fromXgboostJson, toXgboostJson, xgboostJsonText } from './xgboost-json';
