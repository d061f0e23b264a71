import type { BarTable } from '../data/bars';
import { DataError } from '../errors';
import { warmupBars } from '../features';
import { type Labels, computeLabels } from '../labels';
import type { SampleSet } from '../records/samples';
import { Scaler } from '../scale';
import { type LabelColumn, barFeatureMatrix, scaleMatrix, selectSampleRows, windowSamples } from '../window';
import type { ResolvedDatasetConfig } from './config';

/**
 * Samples for prediction: the saved dataset config's features on new bars, scaled with the
 * saved (training) scaler, one sample for every bar that has a full window of features,
 * including the latest bars, whose labels are not known yet (`y` is NaN there), and the labels
 * where the bars already show them, so forecasts can be scored. Too few bars for a single
 * window is a `DataError` saying how many are needed.
 */
export async function predictionSamples(config: ResolvedDatasetConfig, scalerJson: unknown, bars: BarTable): Promise<{ samples: SampleSet; labels: Labels }> {
  const features = await barFeatureMatrix(bars, config.features);
  const labels = computeLabels(bars, config.label);
  // No label is needed to predict: a defined placeholder lets every full window through.
  const unknown: LabelColumn = { value: new Float64Array(bars.timestamp.length) };
  const { rows } = selectSampleRows(bars, features, unknown, config.lookback);
  if (rows.length === 0) {
    const need = warmupBars(config.features) + config.lookback;
    throw new DataError(
      bars.symbols.map((s) => ({ code: 'too_short', severity: 'error' as const, source: 'prediction bars', symbol: s.symbol, message: `${s.end - s.start} bar(s); a forecast needs at least ${need} (feature warm-up ${need - config.lookback} + lookback ${config.lookback})` })),
    );
  }
  const samples = windowSamples(bars, scaleMatrix(features, Scaler.fromJSON(scalerJson)), unknown, rows, config.lookback);
  return { samples: { ...samples, y: Float32Array.from(samples.barRows!, (r) => labels.value[r]) }, labels };
}
