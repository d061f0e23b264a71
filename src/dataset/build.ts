import { type BarTable, formatTimestamp } from '../data/bars';
import { loadBars } from '../data/load';
import type { PlantedSignal } from '../data/synthetic';
import { DataError } from '../errors';
import { type Labels, computeLabels } from '../labels';
import type { FeatureMatrix, SampleSet } from '../records/samples';
import type { Task } from '../records/task';
import { type ScalerJSON, Scaler } from '../scale';
import { type Split, describeSplit, makeSplit, segmentIndices, type SplitSegment } from '../split';
import { type SampleRows, barFeatureMatrix, sampleSpans, scaleMatrix, selectSampleRows, windowSamples } from '../window';
import { type ResolvedDatasetConfig, loadOptionsOf, parseDatasetConfig } from './config';

/** Bars, features, labels, valid sample rows and the split: everything before fitting the scaler. */
export interface PreparedDataset {
  readonly config: ResolvedDatasetConfig;
  readonly bars: BarTable;
  readonly features: FeatureMatrix;
  readonly labels: Labels;
  /** Bar rows that are samples; the split's sample indices index this. */
  readonly sampleRows: SampleRows;
  readonly split: Split;
  /** The synthetic source's planted signal (its best achievable directional accuracy), when bars came from it. */
  readonly signal?: PlantedSignal;
}

/**
 * One fold's sample sets and the scaler fitted on its training samples. The three sets are
 * views over one scaled float32 copy of the feature matrix.
 */
export interface DatasetFold {
  readonly index: number;
  readonly train: SampleSet;
  readonly validation?: SampleSet;
  readonly test: SampleSet;
  readonly scaler: Scaler;
}

/** What rebuilds a dataset (or applies it at prediction time): save it beside the model. */
export interface DatasetRecord {
  readonly config: ResolvedDatasetConfig;
  readonly featureColumns: readonly string[];
  readonly label: { readonly name: string; readonly task: Task; readonly classes?: readonly string[] };
  readonly scaler: ScalerJSON;
  readonly dataRange: { readonly symbols: readonly string[]; readonly first: string; readonly last: string; readonly bars: number };
  readonly samples: { readonly train: number; readonly validation: number; readonly test: number; readonly excluded: SampleRows['excluded'] };
  /** `describeSplit` output. */
  readonly split: string;
}

export interface Dataset extends DatasetFold {
  readonly prepared: PreparedDataset;
  readonly record: DatasetRecord;
}

/** Load bars, build features (one polars query) and labels, pick valid sample rows and split them. */
export async function prepareDataset(configJson: unknown, bars?: BarTable): Promise<PreparedDataset> {
  const config = parseDatasetConfig(configJson);
  const loaded = bars ? undefined : await loadBars(config.source, loadOptionsOf(config));
  const table = bars ?? loaded!.bars;
  const features = await barFeatureMatrix(table, config.features);
  const labels = computeLabels(table, config.label);
  const sampleRows = selectSampleRows(table, features, labels, config.lookback);
  if (sampleRows.rows.length === 0) throw noSamples(table, sampleRows, config);
  const split = makeSplit(sampleSpans(table, labels, sampleRows.rows), config.split);
  return { config, bars: table, features, labels, sampleRows, split, ...(loaded?.signal ? { signal: loaded.signal } : {}) };
}

/** Fit the scaler on fold `k`'s training samples (their bars only) and cut its sample sets. */
export function datasetFold(prepared: PreparedDataset, k = 0): DatasetFold {
  const { config, bars, features, labels, sampleRows, split } = prepared;
  const fold = split.folds[k];
  if (!fold) throw new RangeError(`dataset has ${split.folds.length} fold(s), asked for fold ${k}`);
  const rowsOf = (seg: SplitSegment) => Array.from(segmentIndices(seg), (i) => sampleRows.rows[i]);
  const trainRows = rowsOf(fold.train);
  const scaler = new Scaler(config.scaler).fit(features.values, features.names.length, trainRows);
  const scaled: FeatureMatrix = scaleMatrix(features, scaler);
  const cut = (rows: number[]): SampleSet => windowSamples(bars, scaled, labels, rows, config.lookback);
  const train = cut(trainRows);
  const test = cut(rowsOf(fold.test));
  if (!fold.validation) return { index: k, train, test, scaler };
  return { index: k, train, validation: cut(rowsOf(fold.validation)), test, scaler };
}

/**
 * The whole chain from a JSON config: bars -> features -> labels -> split -> scaler (train only)
 * -> samples, for the split's first fold (the only one of a chronological split), plus the
 * record that rebuilds it. Pass `bars` to skip loading (the config's source is still recorded).
 */
export async function buildDataset(configJson: unknown, bars?: BarTable): Promise<Dataset> {
  const prepared = await prepareDataset(configJson, bars);
  const fold = datasetFold(prepared, 0);
  const { config, bars: table, features, labels, sampleRows, split } = prepared;
  const ts = table.timestamp;
  const record: DatasetRecord = {
    config,
    featureColumns: features.names,
    label: { name: labels.name, task: labels.task, ...(labels.classes ? { classes: labels.classes } : {}) },
    scaler: fold.scaler.toJSON(),
    dataRange: {
      symbols: table.symbols.map((s) => s.symbol),
      first: formatTimestamp(ts.reduce((a, b) => Math.min(a, b), Infinity), table.interval),
      last: formatTimestamp(ts.reduce((a, b) => Math.max(a, b), -Infinity), table.interval),
      bars: ts.length,
    },
    samples: { train: fold.train.rows.length, validation: fold.validation?.rows.length ?? 0, test: fold.test.rows.length, excluded: sampleRows.excluded },
    split: describeSplit(split, { interval: table.interval }),
  };
  return { ...fold, prepared, record };
}

/** Why a dataset has no sample at all, in the user's terms. */
function noSamples(bars: BarTable, picked: SampleRows, config: ResolvedDatasetConfig): DataError {
  const { shortHistory, missingFeatures, missingLabel } = picked.excluded;
  const longest = bars.symbols.reduce((most, s) => Math.max(most, s.end - s.start), 0);
  const reasons = [
    shortHistory > 0 ? `${shortHistory} have fewer than lookback ${config.lookback} bars of history (the longest symbol has ${longest} bars)` : '',
    missingFeatures > 0 ? `${missingFeatures} have a missing feature in their window (feature warm-up)` : '',
    missingLabel > 0 ? `${missingLabel} have no label yet` : '',
  ].filter((r) => r !== '');
  return new DataError(
    [{ code: 'no_samples', severity: 'error', source: 'dataset', field: 'lookback', message: `no bar can be a sample: of ${bars.close.length} bars, ${reasons.join('; ')}. Lower dataset.lookback or load more bars` }],
    'the dataset has no samples:',
  );
}
