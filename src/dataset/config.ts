import { ConfigError, type Schema, bool, custom, int, obj, oneOf, opt, req, str } from '../config/schema';
import { parseTimestamp } from '../data/csv';
import type { BarSourceSpec, LoadOptions } from '../data/load';
import { sourceSchema } from '../data/source-schema';
import { UsageError } from '../errors';
import { type FeatureDef, type FeatureSpec, PRESETS, featureNames, presetSpec, validateFeatureSpec } from '../features';
import { type LabelSpec, labelSchema } from '../labels';
import { type SplitSpec, splitSchema } from '../split';
import { SCALER_KINDS, type ScalerKind } from '../scale';

/**
 * Everything that defines a dataset, as JSON: the same config gives the same samples.
 * - `source`: a `loadBars` source spec (`{"source": "csv", "files": [...]}`, synthetic, yahoo);
 * - `start` / `end`: ISO dates, bars kept are `start <= date < end` (feature warm-up uses the
 *   first bars of that range);
 * - `features`: a feature spec (array of `{name, params}`) or a preset name;
 * - `label`, `split` (default chronological 70/15/15): see `LabelSpec`, `SplitSpec`;
 * - `scaler`: default `standard`, fitted on the training samples' bars only;
 * - `lookback`: bars per sample window, default 1. Sequence models read whole windows;
 *   tabular models read the lags their config declares (within the window).
 */
export interface DatasetConfig {
  readonly source: BarSourceSpec;
  readonly start?: string;
  readonly end?: string;
  readonly adjust?: boolean;
  readonly features: FeatureSpec | string;
  readonly label: LabelSpec;
  readonly split?: SplitSpec;
  readonly scaler?: ScalerKind;
  readonly lookback?: number;
}

/** A config with every default filled in and the feature spec resolved (saved with the dataset). */
export interface ResolvedDatasetConfig {
  readonly source: BarSourceSpec;
  readonly start?: string;
  readonly end?: string;
  readonly adjust: boolean;
  readonly features: readonly FeatureDef[];
  readonly label: LabelSpec;
  readonly split: SplitSpec;
  readonly scaler: ScalerKind;
  readonly lookback: number;
}

const featureSpecSchema: Schema<readonly FeatureDef[]> = custom(
  'a preset name or an array of {name, params}',
  (v, path) => {
    try {
      return validateFeatureSpec(typeof v === 'string' ? presetSpec(v) : v);
    } catch (err) {
      if (err instanceof UsageError) throw new ConfigError(path, err.message);
      throw err;
    }
  },
  () => ({
    description: 'A preset name or a list of features.',
    anyOf: [
      { enum: Object.keys(PRESETS) },
      {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { enum: featureNames() }, params: { type: 'object', additionalProperties: { type: 'number' } } },
          required: ['name'],
          additionalProperties: false,
        },
      },
    ],
  }),
);

const isoDate = (doc: string) => str({ check: (v) => (Number.isNaN(parseTimestamp(v)) ? `expected an ISO date, got the string ${JSON.stringify(v)}` : undefined), doc });

/** The dataset config as a strict schema; parsing fills in every default. */
export const datasetSchema: Schema<ResolvedDatasetConfig> = obj(
  {
    source: req(sourceSchema),
    start: opt(isoDate('Keep bars at or after this date (feature warm-up uses the first bars of the range).')),
    end: opt(isoDate('Keep bars before this date.')),
    adjust: opt(bool('Scale OHLC by adjClose/close (split and dividend adjustment).'), false),
    features: req(featureSpecSchema),
    label: req(labelSchema),
    split: opt(splitSchema, { kind: 'chronological' } as SplitSpec),
    scaler: opt(oneOf(SCALER_KINDS, 'Fitted on the training samples only.'), 'standard' as ScalerKind),
    lookback: opt(int({ min: 1, max: 10_000, doc: 'Bars per sample window (sequence models read all; tabular models read their lags).' }), 1),
  },
  { doc: 'Everything that defines a dataset: the same config gives the same samples.' },
) as Schema<ResolvedDatasetConfig>;

/** Check a dataset config (typically parsed from JSON) and fill in its defaults; `source` names the file in errors. */
export function parseDatasetConfig(value: unknown, source?: string): ResolvedDatasetConfig {
  try {
    return datasetSchema.parse(value, '');
  } catch (err) {
    if (err instanceof ConfigError && source) throw err.in(source);
    throw err;
  }
}

export function loadOptionsOf(config: ResolvedDatasetConfig): LoadOptions {
  return { start: config.start, end: config.end, adjust: config.adjust };
}
