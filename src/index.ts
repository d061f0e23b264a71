/**
 * stocklab: the public entry point, grouped by stage in the order the data flows. Notebooks,
 * the CLI and user scripts import from here; everything else (kernels, per-op helpers, the
 * statistics toolbox) is reachable through `stocklab/internals` for those who need it, with
 * no promise of stability.
 */

// Errors, configuration and environment
export { StocklabError, UsageError, DataError, SourceUnavailableError, type DataIssue } from './errors';
export { ConfigError } from './config/schema';
export { initBackend, describeBackend, type BackendInfo } from './backend';
export { isFastMode, sized, projectRoot, dataDir, modelsDir } from './util/env';
export { Rng } from './util/random';

// Records every stage shares
export { type Task } from './records/task';
export { type SampleSet, type FeatureMatrix, denseSamples, sampleCount, windowShape, gatherWindows, sampleColumns, tabularMatrix } from './records/samples';
export { type Predictions, makePredictions, concatPredictions, predictionsCsv } from './records/predictions';

// Data
export { type BarTable, type Interval, formatTimestamp, sliceByTime, barsPerYear } from './data/bars';
export { type BarSourceSpec, type LoadOptions, type LoadedBars, loadBars } from './data/load';
export { syntheticMarket, type SyntheticOptions } from './data/synthetic';
export { readBarsCsv } from './data/csv';
export { writeBarsCsv } from './data/write';
export { summarizeBars, summaryMarkdown, validationMarkdown } from './data/summary';
export { exampleBarSource, sharedDataDir } from './data/example';

// Features, labels, splits, scaling, windows, datasets
export { type FeatureSpec, type FeatureDef, PRESETS, presetSpec, featureColumns, buildFeatures } from './features';
export { type LabelSpec, type Labels, computeLabels, parseLabelSpec } from './labels';
export { type SplitSpec, type Split, makeSplit, describeSplit, splitTimeline } from './split';
export { Scaler, type ScalerKind } from './scale';
export { type DatasetConfig, type Dataset, type DatasetFold, type PreparedDataset, prepareDataset, datasetFold, buildDataset, predictionSamples, parseDatasetConfig } from './dataset';

// Models
export {
  type Model,
  type ModelTags,
  type ModelFactory,
  type FitOptions,
  type FitResult,
  createModel,
  loadModel,
  modelKinds,
  registerModel,
  trainModel,
} from './models';
export { EnsembleModel } from './models/ensemble';
export { GbdtModel } from './models/gbdt';
export { NeuralModel } from './models/nn';

// Evaluation and backtests
export {
  regressionMetrics,
  classificationMetrics,
  classificationReport,
  directionalAccuracy,
  directionalTests,
  informationCoefficient,
  dieboldMariano,
  deflatedSharpe,
  featureDrift,
  verdict,
  deploymentGate,
  formatPValue,
} from './evaluate';
export { runBacktest, backtestStats, formatStats, targetPositions, portfolioBacktest } from './backtest';

// Experiments: a config in, records out
export {
  type ExperimentConfig,
  type ExperimentResult,
  type ModelResult,
  experimentSchema,
  parseExperimentConfig,
  runExperiment,
  fitAndPredictFold,
  scoreForecasts,
  backtestForecasts,
  judgeForecasts,
  defaultExperiment,
  summaryText,
  summaryJson,
  summaryTable,
} from './experiment';

// Plots, reports, artifacts
export {
  type Figure,
  showFigure,
  showTable,
  showMarkdown,
  liveFigure,
  priceChart,
  lineChart,
  barChart,
  equityChart,
  trainingCurves,
  liveTrainingCurves,
  confusionChart,
  calibrationChart,
  importanceChart,
  correlationChart,
  foldTimeline,
  signalChart,
} from './plot';
export { writeExperimentReport, writeReport } from './report';
export { saveRun, loadRun, listRuns, listVersions } from './artifacts';
