/**
 * Every model kind (neural: lstm, gru, transformer; gbdt; baselines: naive, majority, logistic,
 * buy-and-hold; ensemble), known through one explicit table in registry.ts.
 */
export { catalog, createModel, loadModel, modelFactory, modelKinds, parseModelConfig, registerModel } from './registry';
export { MODEL_META_FILE, type FitOptions, type FitResult, type Model, type ModelCatalog, type ModelFactory, type ModelTags } from './model';
export { forecast } from './forecast';
export { type TrainModelOptions, type TrainedModel, keptEpochMetrics, trainModel } from './train-model';
