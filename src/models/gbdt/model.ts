import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors';
import { writeFileAtomic, writeJsonAtomic } from '../../util/fs';
import { type SampleSet, sampleCount } from '../../records/samples';
import { type Task, argmaxRows, softmaxRow } from '../../records/task';
import { type FitOptions, type FitResult, MODEL_META_FILE, type Model, type ModelFactory, type ModelTags } from '../model';
import { LagInput } from '../tabular-input';
import { checkSetTargets, classesOf } from '../targets';
import { type Booster, fitBooster, predictMargin } from './booster';
import { metricName, sigmoid } from './objective';
import { type GbdtParams, gbdtConfigSchema, objectiveForTask, resolveGbdtParams } from './params';
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
  /** Bar features and the lags read of them; `featureNames` are the lagged columns. */
  input?: { features: string[]; lags: number[] };
  classes?: string[];
  bestIteration: number;
}

const TAGS: ModelTags = { input: 'tabular', tasks: ['regression', 'binary', 'multiclass'], baseline: false };

/**
 * XGBoost-style histogram gradient-boosted trees as a `Model`. Regression predicts values,
 * classification the most probable class; `predictProba` gives class probabilities.
 * It reads the features of the bars its `lags` name (see `LagInput`).
 */
export class GbdtModel implements Model {
  readonly kind = 'gbdt';
  readonly tags = TAGS;
  readonly params: GbdtParams;
  private input: LagInput;
  private booster?: Booster;
  private featureNames: string[] = [];
  private classes?: string[];
  private best = -1;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    const { lags, ...params } = resolveGbdtParams(task, config);
    this.params = params;
    this.lags = lags;
    this.threadsGiven = config.threads !== undefined;
    this.input = new LagInput('gbdt', lags);
  }

  private readonly lags?: readonly number[];
  /** The default thread count is this machine's: kept out of `config()` so a saved config does not pin it. */
  private readonly threadsGiven: boolean;

  config(): Record<string, unknown> {
    const { objective: _objective, threads, ...rest } = this.params;
    return { ...rest, ...(this.threadsGiven ? { threads } : {}), ...(this.lags ? { lags: [...this.lags] } : {}) };
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
    if (sampleCount(train) === 0) throw new UsageError('gbdt: the training set is empty');
    const classes = classesOf(this.task, train);
    checkSetTargets(this.task, train, 'training set', classes);
    if (validation) checkSetTargets(this.task, validation, 'validation set', classes);
    const params: GbdtParams = {
      ...this.params,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.epochs !== undefined && { nEstimators: options.epochs }),
      ...(options.earlyStoppingPatience !== undefined && { earlyStoppingRounds: options.earlyStoppingPatience }),
    };
    if (params.earlyStoppingRounds > 0 && !validation) throw new UsageError('gbdt: early stopping needs a validation set');
    const t = this.input.fit(train);
    const v = validation && this.input.matrix(validation, 'validation set');
    const weight = options.classWeights && this.task !== 'regression' ? Float64Array.from(train.y, (c) => options.classWeights![c] ?? 1) : undefined;
    const outputs = this.task === 'multiclass' ? classes : 1;
    const result = fitBooster(objectiveForTask(this.task), outputs, t.columns, params, { x: t.x, y: train.y, rows: t.rows, weight }, v && validation && { x: v.x, y: validation.y, rows: v.rows }, {
      onRound: (round, logs) => {
        options.onEpochEnd?.(round, logs);
        if (options.verbose && (round + 1) % 10 === 0) process.stderr.write(`gbdt round ${round + 1}: ${Object.entries(logs).map(([k, x]) => `${k} ${x.toFixed(5)}`).join(', ')}\n`);
      },
    });
    this.booster = result.booster;
    this.best = result.bestIteration;
    this.featureNames = [...t.names];
    this.classes = train.classes && [...train.classes];
    return { history: result.history, epochs: result.rounds, bestEpoch: result.bestIteration, seconds: (performance.now() - started) / 1000 };
  }

  /** Raw scores `[n, outputs]` before the link function (margins). */
  predictMargin(x: SampleSet): Float64Array {
    const t = this.input.matrix(x, 'sample set');
    return predictMargin(this.fitted, t.x, t.rows);
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') return Float32Array.from(this.predictMargin(x));
    const proba = await this.predictProba(x);
    return argmaxRows(proba, sampleCount(x), this.fitted.objective === 'multi:softprob' ? this.fitted.outputs : 2);
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('gbdt: predictProba needs a classification task');
    const margin = this.predictMargin(x);
    const n = sampleCount(x);
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

  /** Average gain of the splits on each input column (XGBoost's `gain` importance). */
  importance(): Record<string, number> {
    return Object.fromEntries(this.featureImportance('gain').map((f) => [f.feature, f.value]));
  }

  inputDescription(): string {
    return this.input.describe();
  }

  dispose(): void {}

  /** Writes `model-meta.json` (kind, config, names) and `model.json` (XGBoost's JSON model format). */
  async save(dir: string): Promise<void> {
    const b = this.fitted;
    writeFileAtomic(join(dir, GBDT_MODEL_FILE), xgboostJsonText(toXgboostJson(b, this.featureNames, this.best)));
    const lags = this.input.lags;
    const features = this.input.featureNames;
    const meta: GbdtMeta = { kind: 'gbdt', task: this.task, config: this.config(), featureNames: this.featureNames, ...(lags && features ? { input: { features: [...features], lags: [...lags] } } : {}), classes: this.classes, bestIteration: this.best };
    writeJsonAtomic(join(dir, MODEL_META_FILE), meta);
  }

  static async load(dir: string): Promise<GbdtModel> {
    const meta = JSON.parse(readFileSync(join(dir, MODEL_META_FILE), 'utf8')) as GbdtMeta;
    const model = GbdtModel.fromXgboostJson(JSON.parse(readFileSync(join(dir, GBDT_MODEL_FILE), 'utf8')), meta.config, join(dir, GBDT_MODEL_FILE));
    model.classes = meta.classes;
    model.best = meta.bestIteration;
    model.input = meta.input ? LagInput.restored('gbdt', meta.input.lags, meta.input.features) : LagInput.restored('gbdt', [0], model.featureNames);
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
    // A model trained elsewhere reads its named columns as they are: one bar, no lags.
    model.input = LagInput.restored('gbdt', [0], featureNames);
    return model;
  }

  /** The fitted model as the text of an XGBoost JSON model file. */
  toXgboostJson(): string {
    return xgboostJsonText(toXgboostJson(this.fitted, this.featureNames, this.best));
  }
}

export const gbdtFactory: ModelFactory = {
  kind: 'gbdt',
  tags: TAGS,
  configSchema: gbdtConfigSchema as never,
  create: (task, config) => new GbdtModel(task, config),
  load: (dir) => GbdtModel.load(dir),
};
