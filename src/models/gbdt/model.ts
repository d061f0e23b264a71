import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors';
import { writeFileAtomic, writeJsonAtomic } from '../../util/fs';
import type { FitOptions, FitResult, Model, SampleSet, Task } from '../model';
import { MODEL_META_FILE, registerModel } from '../registry';
import { type Booster, fitBooster, predictMargin } from './booster';
import { metricName, sigmoid, softmaxRow } from './objective';
import { type GbdtParams, objectiveForTask, resolveGbdtParams } from './params';
import { argmaxRows, checkTargets, classesOf, tabularView } from './tabular';
import { fromXgboostJson, toXgboostJson, xgboostJsonText } from './xgboost-json';

/** File holding the trees, in XGBoost's JSON model format (loadable by Python XGBoost). */
export const GBDT_MODEL_FILE = 'model.json';

export type ImportanceType = 'weight' | 'gain' | 'total_gain' | 'cover';

export interface FeatureImportance {
  readonly feature: string;
  readonly value: number;
}

interface GbdtMeta {
  kind: 'gbdt';
  task: Task;
  config: Record<string, unknown>;
  featureNames: string[];
  classes?: string[];
  bestIteration: number;
}

/**
 * XGBoost-style histogram gradient-boosted trees as a `Model`. Regression predicts values,
 * classification the most probable class; `predictProba` gives class probabilities.
 * Sequence sets are reduced to their last bar's features (see `tabularView`).
 */
export class GbdtModel implements Model {
  readonly kind = 'gbdt';
  readonly params: GbdtParams;
  private booster?: Booster;
  private featureNames: string[] = [];
  private classes?: string[];
  private best = -1;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    this.params = resolveGbdtParams(task, config);
  }

  config(): Record<string, unknown> {
    const { objective: _objective, ...rest } = this.params;
    return { ...rest };
  }

  /** Name of the metric in `FitResult.history` (`loss`, `val_loss`): rmse, logloss or mlogloss. */
  get evalMetric(): string {
    return metricName(objectiveForTask(this.task));
  }

  /** 0-based boosting round whose trees are kept (-1 before fitting). */
  get bestIteration(): number {
    return this.best;
  }

  /** The fitted trees (throws before fitting). */
  get fitted(): Booster {
    if (!this.booster) throw new UsageError('gbdt: the model is not fitted; call fit() or loadModel() first');
    return this.booster;
  }

  async fit(train: SampleSet, validation?: SampleSet, options: FitOptions = {}): Promise<FitResult> {
    const started = performance.now();
    if (train.shape[0] === 0) throw new UsageError('gbdt: the training set is empty');
    const classes = classesOf(this.task, train);
    checkTargets(this.task, train, 'training set', classes);
    if (validation) checkTargets(this.task, validation, 'validation set', classes);
    const params: GbdtParams = {
      ...this.params,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.epochs !== undefined && { nEstimators: options.epochs }),
      ...(options.earlyStoppingPatience !== undefined && { earlyStoppingRounds: options.earlyStoppingPatience }),
    };
    if (params.earlyStoppingRounds > 0 && !validation) throw new UsageError('gbdt: early stopping needs a validation set');
    const t = tabularView(train);
    const v = validation && tabularView(validation);
    if (v && v.features !== t.features) throw new UsageError(`gbdt: validation set has ${v.features} features; training set has ${t.features}`);
    const weight = options.classWeights && this.task !== 'regression' ? Float64Array.from(train.y, (c) => options.classWeights![c] ?? 1) : undefined;
    const outputs = this.task === 'multiclass' ? classes : 1;
    const result = fitBooster(objectiveForTask(this.task), outputs, t.features, params, { x: t.x, y: train.y, rows: t.rows, weight }, v && validation && { x: v.x, y: validation.y, rows: v.rows }, {
      onRound: (round, logs) => {
        options.onEpochEnd?.(round, logs);
        if (options.verbose && (round + 1) % 10 === 0) process.stderr.write(`gbdt round ${round + 1}: ${Object.entries(logs).map(([k, x]) => `${k} ${x.toFixed(5)}`).join(', ')}\n`);
      },
    });
    this.booster = result.booster;
    this.best = result.bestIteration;
    this.featureNames = [...train.featureNames];
    this.classes = train.classes && [...train.classes];
    return { history: result.history, epochs: result.rounds, bestEpoch: result.bestIteration, seconds: (performance.now() - started) / 1000 };
  }

  /** Raw scores `[n, outputs]` before the link function (margins). */
  predictMargin(x: SampleSet): Float64Array {
    const t = tabularView(x);
    const b = this.fitted;
    if (t.features !== b.features) throw new UsageError(`gbdt: samples have ${t.features} features; the model was fitted on ${b.features}`);
    return predictMargin(b, t.x, t.rows);
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') return Float32Array.from(this.predictMargin(x));
    const proba = await this.predictProba(x);
    return argmaxRows(proba, x.shape[0], this.fitted.objective === 'multi:softprob' ? this.fitted.outputs : 2);
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('gbdt: predictProba needs a classification task');
    const margin = this.predictMargin(x);
    const n = x.shape[0];
    if (this.fitted.objective === 'binary:logistic') {
      const out = new Float32Array(2 * n);
      for (let r = 0; r < n; r++) {
        const p = sigmoid(margin[r]);
        out[2 * r] = 1 - p;
        out[2 * r + 1] = p;
      }
      return out;
    }
    const k = this.fitted.outputs;
    const out = new Float32Array(n * k);
    for (let r = 0; r < n; r++) softmaxRow(margin, r * k, k, out, r * k);
    return out;
  }

  /**
   * XGBoost's feature importances: `weight` = number of splits on the feature, `gain` =
   * average loss reduction of those splits, `total_gain`, `cover` = average hessian sum.
   * Every feature is listed, most important first.
   */
  featureImportance(type: ImportanceType = 'gain'): FeatureImportance[] {
    const b = this.fitted;
    const count = new Float64Array(b.features);
    const gain = new Float64Array(b.features);
    const cover = new Float64Array(b.features);
    for (const t of b.trees) {
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] < 0) continue;
        count[t.feature[i]]++;
        gain[t.feature[i]] += t.gain[i];
        cover[t.feature[i]] += t.cover[i];
      }
    }
    const value = (f: number): number => {
      if (type === 'weight') return count[f];
      if (type === 'total_gain') return gain[f];
      if (count[f] === 0) return 0;
      return (type === 'gain' ? gain[f] : cover[f]) / count[f];
    };
    return this.featureNames.map((feature, f) => ({ feature, value: value(f) })).sort((a, b2) => b2.value - a.value);
  }

  /** Writes `model-meta.json` (kind, config, names) and `model.json` (XGBoost's JSON model format). */
  async save(dir: string): Promise<void> {
    const b = this.fitted;
    writeFileAtomic(join(dir, GBDT_MODEL_FILE), xgboostJsonText(toXgboostJson(b, this.featureNames, this.best)));
    const meta: GbdtMeta = { kind: 'gbdt', task: this.task, config: this.config(), featureNames: this.featureNames, classes: this.classes, bestIteration: this.best };
    writeJsonAtomic(join(dir, MODEL_META_FILE), meta);
  }

  static async load(dir: string): Promise<GbdtModel> {
    const meta = JSON.parse(readFileSync(join(dir, MODEL_META_FILE), 'utf8')) as GbdtMeta;
    const model = GbdtModel.fromXgboostJson(JSON.parse(readFileSync(join(dir, GBDT_MODEL_FILE), 'utf8')), meta.config, join(dir, GBDT_MODEL_FILE));
    model.classes = meta.classes;
    model.best = meta.bestIteration;
    return model;
  }

  /** A fitted model from an XGBoost JSON model (e.g. Python's `booster.save_model('m.json')`). */
  static fromXgboostJson(json: unknown, config: Record<string, unknown> = {}, source?: string): GbdtModel {
    const { booster, featureNames } = fromXgboostJson(json, source);
    const task: Task = booster.objective === 'reg:squarederror' ? 'regression' : booster.objective === 'binary:logistic' ? 'binary' : 'multiclass';
    const model = new GbdtModel(task, config);
    model.booster = booster;
    model.featureNames = featureNames;
    model.best = booster.trees.length / booster.outputs - 1;
    return model;
  }

  /** The fitted model as the text of an XGBoost JSON model file. */
  toXgboostJson(): string {
    return xgboostJsonText(toXgboostJson(this.fitted, this.featureNames, this.best));
  }
}

registerModel('gbdt', {
  create: (task, config) => new GbdtModel(task, config),
  load: (dir) => GbdtModel.load(dir),
});
