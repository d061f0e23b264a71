import { bool, int, num, obj, opt } from '../../config/schema';
import { UsageError } from '../../errors';
import { type SampleSet, lagNames, sampleCount } from '../../records/samples';
import { type Task, argmaxRows, softmaxRow } from '../../records/task';
import type { FitOptions, FitResult, Model, ModelFactory, ModelTags } from '../model';
import { LagInput, lagsSchema } from '../tabular-input';
import { checkSetTargets, classesOf } from '../targets';
import { nativeArrays } from '../../kernels/arrays';
import { minimizeLbfgs } from './lbfgs';
import { readBaseline, saveBaseline } from './persist';

export const logisticConfigSchema = obj(
  {
    l2: opt(num({ min: 0, doc: "L2 penalty: minimises sum(log loss) + l2/2 |w|^2 (intercept not penalised); sklearn's C = 1/l2." }), 1),
    standardize: opt(bool('Penalise and fit on features standardised with training means and deviations.'), true),
    maxIterations: opt(int({ min: 1, doc: 'L-BFGS iterations.' }), 500),
    lags: opt(lagsSchema),
  },
  { doc: 'L2-regularised logistic regression (multinomial for multiclass).' },
);

export interface LogisticConfig {
  readonly l2: number;
  readonly standardize: boolean;
  readonly maxIterations: number;
  readonly lags?: readonly number[];
}

const TAGS: ModelTags = { input: 'tabular', tasks: ['binary', 'multiclass'], baseline: false };

interface LogisticState {
  /** Per output (1 for binary, K for multiclass): F coefficients then the intercept, on the raw feature scale. */
  coef: number[][];
  classes: number;
  converged: boolean;
  /** Training means, which stand in for missing feature values. */
  means: number[];
  lags: number[];
  featureNames: string[];
}

/**
 * The mean L2-penalised log loss at coefficients `w` (per output: `features` weights, then the
 * intercept; the intercept is not penalised) over the standardised design matrix `z`
 * [rows, features], with its gradient written into `grad`. One output: binary log loss on
 * labels 0/1; more: softmax cross-entropy on class indices. native/arrays.cc has the same
 * objective (`NativeArrays.logisticObjective`), summed in another order: about 1e-15 apart.
 */
export function logisticObjective(z: Float64Array, y: Float32Array, w: Float64Array, grad: Float64Array, rows: number, features: number, outputs: number, l2: number): number {
  const f = features;
  const width = f + 1;
  const score = new Float64Array(outputs);
  grad.fill(0);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++) {
      let s = w[o * width + f];
      for (let j = 0; j < f; j++) s += w[o * width + j] * z[r * f + j];
      score[o] = s;
    }
    if (outputs === 1) {
      const s = score[0];
      // log(1 + e^s) - y s, computed stably.
      loss += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - y[r] * s;
      const resid = 1 / (1 + Math.exp(-s)) - y[r];
      for (let j = 0; j < f; j++) grad[j] += resid * z[r * f + j];
      grad[f] += resid;
    } else {
      let max = -Infinity;
      for (let o = 0; o < outputs; o++) max = Math.max(max, score[o]);
      let sum = 0;
      for (let o = 0; o < outputs; o++) sum += Math.exp(score[o] - max);
      loss += max + Math.log(sum) - score[y[r]];
      for (let o = 0; o < outputs; o++) {
        const resid = Math.exp(score[o] - max) / sum - (o === y[r] ? 1 : 0);
        for (let j = 0; j < f; j++) grad[o * width + j] += resid * z[r * f + j];
        grad[o * width + f] += resid;
      }
    }
  }
  for (let o = 0; o < outputs; o++) {
    for (let j = 0; j < f; j++) {
      const wj = w[o * width + j];
      loss += 0.5 * l2 * wj * wj;
      grad[o * width + j] += l2 * wj;
    }
  }
  for (let i = 0; i < grad.length; i++) grad[i] /= rows;
  return loss / rows;
}

/**
 * L2-regularised logistic regression (multinomial for multiclass) fitted by L-BFGS to a
 * gradient tolerance of 1e-9 on the mean loss. Missing feature values count as the training
 * mean (0 after standardisation). It reads the features of the bars its `lags` name.
 */
export class LogisticModel implements Model {
  readonly kind = 'logistic';
  readonly tags = TAGS;
  private readonly options: LogisticConfig;
  private state?: LogisticState;
  private input: LagInput;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    if (task === 'regression') throw new UsageError('logistic: needs a binary or multiclass task');
    this.options = logisticConfigSchema.parse(config, 'logistic config');
    this.input = new LagInput('logistic', this.options.lags);
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Coefficients per output on the raw feature scale: `[...weights, intercept]`. */
  get coefficients(): number[][] {
    return this.fitted().coef.map((c) => [...c]);
  }

  async fit(train: SampleSet, _validation?: SampleSet, _options?: FitOptions): Promise<FitResult> {
    const started = performance.now();
    const k = classesOf(this.task, train);
    checkSetTargets(this.task, train, 'training set', k);
    const { x, rows: n, columns: f } = this.input.fit(train);
    if (n === 0) throw new UsageError('logistic: the training set is empty');
    const mean = new Float64Array(f);
    const scale = new Float64Array(f).fill(1);
    const count = new Float64Array(f);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) {
        const v = x[r * f + j];
        if (Number.isFinite(v)) {
          mean[j] += v;
          count[j]++;
        }
      }
    }
    for (let j = 0; j < f; j++) mean[j] = count[j] > 0 ? mean[j] / count[j] : 0;
    if (this.options.standardize) {
      const ss = new Float64Array(f);
      for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) if (Number.isFinite(x[r * f + j])) ss[j] += (x[r * f + j] - mean[j]) ** 2;
      for (let j = 0; j < f; j++) scale[j] = count[j] > 1 && ss[j] > 0 ? Math.sqrt(ss[j] / count[j]) : 1;
    }
    // Centred (and scaled) design matrix; missing -> 0, the mean.
    const z = new Float64Array(n * f);
    for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) z[r * f + j] = Number.isFinite(x[r * f + j]) ? (x[r * f + j] - mean[j]) / scale[j] : 0;
    const outputs = this.task === 'binary' ? 1 : k;
    const width = f + 1;
    const y = train.y;
    const l2 = this.options.l2;
    const evaluate = nativeArrays()?.logisticObjective ?? logisticObjective;
    const objective = (w: Float64Array, grad: Float64Array): number => evaluate(z, y, w, grad, n, f, outputs, l2);
    const result = minimizeLbfgs(objective, new Float64Array(outputs * width), { maxIterations: this.options.maxIterations });
    // Back to the raw scale: w_raw = w / scale, intercept -= sum(w_raw * mean).
    const coef = Array.from({ length: outputs }, (_, o) => {
      const c = new Array<number>(width).fill(0);
      let intercept = result.w[o * width + f];
      for (let j = 0; j < f; j++) {
        c[j] = result.w[o * width + j] / scale[j];
        intercept -= c[j] * mean[j];
      }
      c[f] = intercept;
      return c;
    });
    this.state = { coef, classes: k, converged: result.converged, means: Array.from(mean), lags: [...this.input.lags!], featureNames: [...train.features.names] };
    return { history: { loss: [result.value] }, epochs: result.iterations, seconds: (performance.now() - started) / 1000 };
  }

  private fitted(): LogisticState {
    if (!this.state) throw new UsageError('logistic: the model is not fitted');
    return this.state;
  }

  async predictProba(xs: SampleSet): Promise<Float32Array> {
    const { coef, classes, means } = this.fitted();
    const { x, rows: n, columns: f } = this.input.matrix(xs, 'sample set');
    const out = new Float32Array(n * classes);
    const score = new Float64Array(coef.length);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < coef.length; o++) {
        let s = coef[o][f];
        for (let j = 0; j < f; j++) {
          const v = x[r * f + j];
          s += coef[o][j] * (Number.isFinite(v) ? v : means[j]);
        }
        score[o] = s;
      }
      if (coef.length === 1) {
        const p = 1 / (1 + Math.exp(-score[0]));
        out[2 * r] = 1 - p;
        out[2 * r + 1] = p;
      } else {
        softmaxRow(score, 0, classes, out, r * classes);
      }
    }
    return out;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    return argmaxRows(await this.predictProba(x), sampleCount(x), this.fitted().classes);
  }

  /** Mean absolute coefficient per input column over outputs, on the input scale (the dataset's scaler already standardises it). */
  importance(): Record<string, number> {
    const { coef, lags, featureNames } = this.fitted();
    const names = lagNames(featureNames, lags);
    return Object.fromEntries(names.map((name, j) => [name, coef.reduce((s, c) => s + Math.abs(c[j]), 0) / coef.length]));
  }

  inputDescription(): string {
    return this.input.describe();
  }

  dispose(): void {}

  async save(dir: string): Promise<void> {
    saveBaseline(dir, { kind: this.kind, task: this.task, config: this.config(), state: this.fitted() });
  }

  static async load(dir: string): Promise<LogisticModel> {
    const file = readBaseline<LogisticState>(dir, 'logistic');
    const model = new LogisticModel(file.task, file.config);
    model.state = file.state;
    model.input = LagInput.restored('logistic', file.state.lags, file.state.featureNames);
    return model;
  }
}

export const logisticFactory: ModelFactory = {
  kind: 'logistic',
  tags: TAGS,
  configSchema: logisticConfigSchema,
  create: (task, config) => new LogisticModel(task, config),
  load: (dir) => LogisticModel.load(dir),
};
