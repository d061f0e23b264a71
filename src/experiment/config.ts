import { UsageError } from '../errors';
import type { DatasetConfig } from '../dataset';
import type { Execution } from '../backtest';
import type { GateThresholds } from '../evaluate';
import type { FitOptions } from '../models/model';

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
  /** Long when the score is above this. Default 0 for return forecasts, 0.5 for P(up). */
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
  readonly backtest?: BacktestSpec;
  readonly gate?: GateThresholds;
  /** Configurations tried before this one (for the deflated Sharpe ratio). Default: the number of models. */
  readonly trials?: number;
  /** Seed for every model's fitting. Default 42. */
  readonly seed?: number;
}

export function parseExperimentConfig(value: unknown, where = 'experiment config'): ExperimentConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where} must be a JSON object`);
  const o = value as Record<string, unknown>;
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.name)) throw new UsageError(`${where}: "name" must be a string of letters, digits, '.', '_' or '-'`);
  if (typeof o.dataset !== 'object' || o.dataset === null) throw new UsageError(`${where}: "dataset" must be a dataset config object`);
  const models = o.models ?? (o.model ? [o.model] : undefined);
  if (!Array.isArray(models) || models.length === 0) throw new UsageError(`${where}: "models" must be a non-empty array of {kind, config?, fit?}`);
  const names = new Set<string>();
  models.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || typeof (m as ModelEntry).kind !== 'string') throw new UsageError(`${where}: models[${i}] needs a "kind"`);
    const name = (m as ModelEntry).name ?? (m as ModelEntry).kind;
    if (names.has(name)) throw new UsageError(`${where}: model name "${name}" appears twice; give each a distinct "name"`);
    names.add(name);
  });
  if (o.trials !== undefined && !(Number.isInteger(o.trials) && (o.trials as number) >= 1)) throw new UsageError(`${where}: "trials" must be a positive integer`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new UsageError(`${where}: "seed" must be an integer`);
  return { ...(o as unknown as ExperimentConfig), models: models as ModelEntry[] };
}

export function modelName(entry: ModelEntry): string {
  return entry.name ?? entry.kind;
}
