import { UsageError } from '../errors';
import type { BarSourceSpec, LoadOptions } from '../data/load';
import { type FeatureDef, type FeatureSpec, presetSpec, validateFeatureSpec } from '../features';
import { type LabelSpec, parseLabelSpec } from '../labels';
import { type SplitSpec, parseSplitSpec } from '../split';
import { SCALER_KINDS, type ScalerKind } from '../scale';

/**
 * Everything that defines a dataset, as JSON: the same config gives the same samples.
 * - `source`: a `loadBars` source spec (`{"source": "csv", "files": [...]}`, synthetic, yahoo);
 * - `start` / `end`: ISO dates, bars kept are `start <= date < end` (feature warm-up uses the
 *   first bars of that range);
 * - `features`: a feature spec (array of `{name, params}`) or a preset name;
 * - `label`, `split` (default chronological 70/15/15): see `LabelSpec`, `SplitSpec`;
 * - `scaler`: default `standard`, fitted on the training samples' bars only;
 * - `lookback`: bars per sample window, default 1; `layout`: `sequence` (default,
 *   `[n, lookback, features]`) or `tabular` (the window flattened into lag columns).
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
  readonly layout?: 'sequence' | 'tabular';
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
  readonly layout: 'sequence' | 'tabular';
}

/** Check a dataset config (typically parsed from JSON) and fill in its defaults. */
export function parseDatasetConfig(value: unknown): ResolvedDatasetConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('dataset config must be an object');
  const o = value as Record<string, unknown>;
  const source = o.source as BarSourceSpec | undefined;
  if (typeof source !== 'object' || source === null || typeof source.source !== 'string') {
    throw new UsageError('dataset config: "source" must be a bar source spec like {"source": "csv", "files": ["SPY.csv"]}');
  }
  for (const key of ['start', 'end'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') throw new UsageError(`dataset config: "${key}" must be an ISO date string`);
  }
  if (o.features === undefined) throw new UsageError('dataset config: "features" is required (a feature spec array or a preset name)');
  const features = validateFeatureSpec(typeof o.features === 'string' ? presetSpec(o.features) : o.features);
  if (o.label === undefined) throw new UsageError('dataset config: "label" is required');
  const scaler = o.scaler ?? 'standard';
  if (!(SCALER_KINDS as readonly unknown[]).includes(scaler)) throw new UsageError(`dataset config: "scaler" must be one of ${SCALER_KINDS.join(', ')}, got ${JSON.stringify(scaler)}`);
  const lookback = o.lookback ?? 1;
  if (typeof lookback !== 'number' || !Number.isInteger(lookback) || lookback < 1) throw new UsageError(`dataset config: "lookback" must be an integer >= 1, got ${JSON.stringify(lookback)}`);
  const layout = o.layout ?? 'sequence';
  if (layout !== 'sequence' && layout !== 'tabular') throw new UsageError(`dataset config: "layout" must be "sequence" or "tabular", got ${JSON.stringify(layout)}`);
  if (o.adjust !== undefined && typeof o.adjust !== 'boolean') throw new UsageError('dataset config: "adjust" must be true or false');
  return {
    source,
    ...(o.start !== undefined ? { start: o.start as string } : {}),
    ...(o.end !== undefined ? { end: o.end as string } : {}),
    adjust: (o.adjust as boolean | undefined) ?? false,
    features,
    label: parseLabelSpec(o.label),
    split: o.split === undefined ? { kind: 'chronological' } : parseSplitSpec(o.split),
    scaler: scaler as ScalerKind,
    lookback,
    layout,
  };
}

export function loadOptionsOf(config: ResolvedDatasetConfig): LoadOptions {
  return { start: config.start, end: config.end, adjust: config.adjust };
}
