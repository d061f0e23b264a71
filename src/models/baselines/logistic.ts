import { UsageError } from '../../errors';
import { argmaxRows, checkTargets, classesOf, tabularView } from '../gbdt/tabular';
import type { FitOptions, FitResult, Model, SampleSet, Task } from '../model';
import { registerModel } from '../registry';
import { minimizeLbfgs } from './lbfgs';
import { checkConfigKeys, readBaseline, saveBaseline } from './persist';

export interface LogisticConfig {
  /** L2 penalty: minimises sum(log loss) + l2/2 * |w|^2 (the intercept is not penalised); sklearn's C = 1/l2. Default 1. */
  readonly l2: number;
  /** Penalise and fit on features standardised with training means and deviations. Default true. */
  readonly standardize: boolean;
  /** L-BFGS iterations. Default 500. */
  readonly maxIterations: number;
}

const DEFAULTS: LogisticConfig = { l2: 1, standardize: true, maxIterations: 500 };

interface LogisticState {
  /** Per output (1 for binary, K for multiclass): F coefficients then the intercept, on the raw feature scale. */
  coef: number[][];
  classes: number;
  converged: boolean;
  /** Training means, which stand in for missing feature values. */
  means: number[];
}

/**
 * L2-regularised logistic regression (multinomial for multiclass) fitted by L-BFGS to a
 * gradient tolerance of 1e-9 on the mean loss. Missing feature values count as the training
 * mean (0 after standardisation). Sequence sets use their last bar.
 */
export class LogisticModel implements Model {
  readonly kind = 'logistic';
  private readonly options: LogisticConfig;
  private state?: LogisticState;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    checkConfigKeys('logistic', config, Object.keys(DEFAULTS));
    if (task === 'regression') throw new UsageError('logistic: needs a binary or multiclass task');
    this.options = { ...DEFAULTS, ...(config as Partial<LogisticConfig>) };
    const { l2, standardize, maxIterations } = this.options;
    if (typeof l2 !== 'number' || !(l2 >= 0)) throw new UsageError(`logistic: l2 must be a number >= 0; got ${JSON.stringify(l2)}`);
    if (typeof standardize !== 'boolean') throw new UsageError(`logistic: standardize must be true or false; got ${JSON.stringify(standardize)}`);
    if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new UsageError(`logistic: maxIterations must be an integer >= 1; got ${JSON.stringify(maxIterations)}`);
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
    checkTargets(this.task, train, 'training set', k);
    const { x, rows: n, features: f } = tabularView(train);
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
    const score = new Float64Array(outputs);
    const objective = (w: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let loss = 0;
      for (let r = 0; r < n; r++) {
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
      for (let i = 0; i < grad.length; i++) grad[i] /= n;
      return loss / n;
    };
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
    this.state = { coef, classes: k, converged: result.converged, means: Array.from(mean) };
    return { history: { loss: [result.value] }, epochs: result.iterations, seconds: (performance.now() - started) / 1000 };
  }

  private fitted(): LogisticState {
    if (!this.state) throw new UsageError('logistic: the model is not fitted');
    return this.state;
  }

  async predictProba(xs: SampleSet): Promise<Float32Array> {
    const { coef, classes, means } = this.fitted();
    const { x, rows: n, features: f } = tabularView(xs);
    if (coef[0].length !== f + 1) throw new UsageError(`logistic: samples have ${f} features; the model was fitted on ${coef[0].length - 1}`);
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
        const max = Math.max(...score);
        let sum = 0;
        for (let o = 0; o < classes; o++) sum += Math.exp(score[o] - max);
        for (let o = 0; o < classes; o++) out[r * classes + o] = Math.exp(score[o] - max) / sum;
      }
    }
    return out;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    return argmaxRows(await this.predictProba(x), x.shape[0], this.fitted().classes);
  }

  async save(dir: string): Promise<void> {
    saveBaseline(dir, { kind: this.kind, task: this.task, config: this.config(), state: this.fitted() });
  }

  static async load(dir: string): Promise<LogisticModel> {
    const file = readBaseline<LogisticState>(dir, 'logistic');
    const model = new LogisticModel(file.task, file.config);
    model.state = file.state;
    return model;
  }
}

registerModel('logistic', { create: (task, config) => new LogisticModel(task, config), load: (dir) => LogisticModel.load(dir) });
