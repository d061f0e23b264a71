import { type BackendInfo, initBackend } from '../backend';
import type { SampleSet } from '../records/samples';
import type { Task } from '../records/task';
import type { FitOptions, FitResult, Model } from './model';
import { createModel } from './registry';

export interface TrainModelOptions extends FitOptions {
  /** Registered kind (`lstm`, `gru`, `transformer`, or any other registered model). Ignored with `model`. */
  readonly kind?: string;
  readonly task?: Task;
  /** Hyperparameters for `createModel`. */
  readonly config?: Record<string, unknown>;
  /** Continue training this (fitted or loaded) model instead of creating one: fine-tuning / resuming. */
  readonly model?: Model;
  /** Force a TensorFlow.js backend (default: the fastest that loads). */
  readonly backend?: string;
}

export interface TrainedModel {
  readonly model: Model;
  readonly fit: FitResult;
  /** The history's values at the kept epoch (`bestEpoch`, else the last), e.g. `val_loss`, `val_acc`. */
  readonly metrics: Record<string, number>;
  readonly backend: BackendInfo;
}

/** Create (or take) a model, fit it, and report the metrics of the epoch whose weights it kept. */
export async function trainModel(train: SampleSet, validation: SampleSet | undefined, o: TrainModelOptions): Promise<TrainedModel> {
  const backend = await initBackend({ backend: o.backend });
  const model = o.model ?? createModel(o.kind ?? 'lstm', o.task ?? 'regression', o.config ?? {});
  const fit = await model.fit(train, validation, o);
  return { model, fit, metrics: keptEpochMetrics(fit), backend };
}

export function keptEpochMetrics(fit: FitResult): Record<string, number> {
  const at = fit.bestEpoch ?? fit.epochs - 1;
  const out: Record<string, number> = {};
  for (const [k, values] of Object.entries(fit.history)) if (values[at] !== undefined) out[k] = values[at];
  return out;
}
