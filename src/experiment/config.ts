import { ConfigError, type Schema, arr, custom, int, num, obj, oneOf, opt, record, req, str } from '../config/schema';
import { type DatasetConfig, datasetSchema } from '../dataset';
import { type FeatureSpec, featureColumns } from '../features';
import type { Execution } from '../backtest';
import { type GateThresholds, gateSchema } from '../evaluate';
import { type FitOptions, catalog, modelFactory, modelKinds, parseModelConfig } from '../models';

/** One model in an experiment: a registered kind, its hyperparameters and how to fit it. */
export interface ModelEntry {
  /** Display name; default the kind. Must be unique within the experiment. */
  readonly name?: string;
  readonly kind: string;
  readonly config?: Record<string, unknown>;
  readonly fit?: Pick<FitOptions, 'epochs' | 'batchSize' | 'earlyStoppingPatience' | 'classWeights'>;
}

/** How forecasts become positions in the backtest. */
export interface BacktestSpec {
  /**
   * Long when the directional score is above this. The score is the predicted return
   * (regression) or P(UP) - P(DOWN) (classification), so the default 0 means "up is the
   * likelier move" for both; 0.5 would demand P(UP) - P(DOWN) > 0.5, not P(UP) > 0.5.
   */
  readonly longAbove?: number;
  /** Short when the score is below this. Default: never short. */
  readonly shortBelow?: number;
  /** Default `next-open`. */
  readonly execution?: Execution;
  /** Defaults 1 and 1 basis points. */
  readonly commissionBps?: number;
  readonly slippageBps?: number;
}

/**
 * A whole experiment as JSON (Qlib's workflow-as-config): the dataset (source, features, label,
 * split, scaler, lookback), the models, the backtest rules and the deployment gate. Running the
 * same config twice on the same backend gives the same results.
 */
export interface ExperimentConfig {
  readonly name: string;
  readonly dataset: DatasetConfig;
  readonly models: readonly ModelEntry[];
  /** Name of the model every other is compared with (Diebold-Mariano). Default: the first baseline-tagged model. */
  readonly baseline?: string;
  readonly backtest?: BacktestSpec;
  readonly gate?: GateThresholds;
  /** Configurations tried before this one (for the deflated Sharpe ratio). Default: the number of models. */
  readonly trials?: number;
  /** Seed for every model's fitting. Default 42. */
  readonly seed?: number;
}

const NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]+$/;
const bps = (doc: string) => num({ min: 0, max: 10_000, doc });

const fitSchema = obj({
  epochs: opt(int({ min: 1, doc: 'Epochs or boosting rounds (overrides the model config).' })),
  batchSize: opt(int({ min: 1 })),
  earlyStoppingPatience: opt(int({ min: 0 })),
  classWeights: opt(arr(num({ min: 0 }), { minItems: 2, doc: 'Loss weight per class index.' })),
});

/** A model entry: `config` is checked by the kind's own schema, at `models[i].config`. */
const modelEntrySchema: Schema<ModelEntry> = custom<ModelEntry>(
  'a model entry {kind, name?, config?, fit?}',
  (v, path) => {
    const entry = obj({ name: opt(str({ pattern: NAME, patternDoc: "letters, digits, '.', '_' or '-'" })), kind: req(str()), config: opt(record(custom('any JSON value', (c) => c, () => ({})))), fit: opt(fitSchema) }).parse(v, path);
    const config = parseModelConfig(entry.kind, entry.config ?? {}, `${path}.config`);
    return { ...entry, config } as ModelEntry;
  },
  () => ({
    type: 'object',
    required: ['kind'],
    properties: { name: { type: 'string' }, kind: { enum: modelKinds() }, config: { type: 'object' }, fit: fitSchema.json() },
    additionalProperties: false,
    allOf: modelKinds().map((kind) => ({ if: { properties: { kind: { const: kind } } }, then: { properties: { config: modelFactory(kind).configSchema.json() } } })),
  }),
);

export const backtestSchema = obj(
  {
    longAbove: opt(num({ min: -1e9, max: 1e9, doc: 'Long when the directional score is above this. Default 0.' })),
    shortBelow: opt(num({ min: -1e9, max: 1e9, doc: 'Short when the score is below this. Default: never short.' })),
    execution: opt(oneOf(['next-open', 'close-to-close'] as const)),
    commissionBps: opt(bps('Commission per side in basis points. Default 1.')),
    slippageBps: opt(bps('Slippage per side in basis points. Default 1.')),
  },
  {
    doc: 'How forecasts become positions.',
    check: (b) => (b.shortBelow !== undefined && b.longAbove !== undefined && b.shortBelow > b.longAbove ? { field: 'shortBelow', problem: `(${b.shortBelow}) must not exceed longAbove (${b.longAbove})` } : undefined),
  },
);

/** The experiment config as a strict schema: the source of `stocklab validate` and of schema/experiment.schema.json. */
export const experimentSchema: Schema<ExperimentConfig> = obj(
  {
    $schema: opt(str({ doc: 'Path of the JSON Schema, for editors.' })),
    name: req(str({ pattern: NAME, patternDoc: "letters, digits, '.', '_' or '-' (not '.' or '..')", doc: 'Names the report folder.' })),
    dataset: req(datasetSchema),
    models: req(arr(modelEntrySchema, { minItems: 1 })),
    baseline: opt(str({ doc: 'Name of the model the others are compared with (Diebold-Mariano). Default: the first baseline-tagged model.' })),
    backtest: opt(backtestSchema),
    gate: opt(gateSchema),
    trials: opt(int({ min: 1, doc: 'Configurations tried (deflated Sharpe ratio). Default: the number of models.' })),
    seed: opt(int({ doc: 'Seed for every model fit. Default 42.' })),
  },
  {
    doc: 'A stocklab experiment: dataset, models, backtest and gate.',
    check: (e) => {
      const names = new Set<string>();
      for (const [i, m] of e.models.entries()) {
        const name = modelName(m);
        if (names.has(name)) return { field: `models[${i}].name`, problem: `model name "${name}" appears twice; give each a distinct "name"` };
        names.add(name);
      }
      if (e.baseline !== undefined && !names.has(e.baseline)) return { field: 'baseline', problem: `names no model; models: ${[...names].join(', ')}` };
      const lookback = (e.dataset as { lookback: number }).lookback;
      for (const [i, m] of e.models.entries()) {
        const lags = (m.config as { lags?: number[] } | undefined)?.lags;
        const beyond = lags?.find((l) => l >= lookback);
        if (beyond !== undefined) return { field: `models[${i}].config.lags`, problem: `lag ${beyond} reaches beyond the dataset's ${lookback}-bar window; raise dataset.lookback to ${beyond + 1} or drop the lag` };
      }
      // A feature a model names by hand must be one the dataset builds: found here, not after hours of fitting.
      const columns = featureColumns((e.dataset as { features: FeatureSpec }).features);
      for (const [i, m] of e.models.entries()) {
        for (const { feature, field } of catalog.namedFeatures(m.kind, m.config ?? {})) {
          if (!columns.includes(feature)) {
            const shown = columns.length > 12 ? `${columns.slice(0, 12).join(', ')}, ... (${columns.length} in all)` : columns.join(', ');
            return { field: `models[${i}].config.${field}`, problem: `names feature "${feature}", which dataset.features does not produce (it produces ${shown}); add the feature to dataset.features or name one of these` };
          }
        }
      }
      return undefined;
    },
  },
) as unknown as Schema<ExperimentConfig>;

/** Check an experiment config; errors name the path (`models[0].config.epochs`) and exit 2. */
export function parseExperimentConfig(value: unknown, where = ''): ExperimentConfig {
  try {
    const { $schema: _schema, ...config } = experimentSchema.parse(value, '') as ExperimentConfig & { $schema?: string };
    return config;
  } catch (err) {
    if (err instanceof ConfigError && where) throw err.in(where);
    throw err;
  }
}

export function modelName(entry: ModelEntry): string {
  return entry.name ?? entry.kind;
}
