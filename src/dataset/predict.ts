import type { BarTable } from '../data/bars';
import { barsToFrame } from '../data/frame';
import { buildFeatures, featureColumns } from '../features';
import type { SampleSet } from '../models/model';
import { Scaler } from '../scale';
import { type LabelColumn, frameFeatureMatrix, selectSampleRows, tabularSamples, windowSamples } from '../window';
import type { ResolvedDatasetConfig } from './config';

/**
 * Samples for prediction: the saved dataset config's features on new bars, scaled with the
 * saved (training) scaler, one sample for every bar that has a full window of features,
 * including the latest bars, whose labels are not known yet. `y` is 0 (unknown).
 */
export function predictionSamples(config: ResolvedDatasetConfig, scalerJson: unknown, bars: BarTable): SampleSet {
  const columns = featureColumns(config.features);
  const frame = buildFeatures(barsToFrame(bars), config.features);
  const features = frameFeatureMatrix(frame, columns);
  // No label is needed to predict: a defined placeholder lets every full window through.
  const unknown: LabelColumn = { value: new Float64Array(bars.timestamp.length) };
  const { rows } = selectSampleRows(bars, features, unknown, config.lookback);
  const scaler = Scaler.fromJSON(scalerJson);
  return config.layout === 'tabular'
    ? tabularSamples(bars, features, unknown, rows, { lags: config.lookback - 1, scaler })
    : windowSamples(bars, features, unknown, rows, { lookback: config.lookback, scaler });
}
