import { UsageError } from '../../errors';
import { tabularView } from '../gbdt/tabular';
import type { FitOptions, FitResult, Model, SampleSet, Task } from '../model';
import { registerModel } from '../registry';
import { checkConfigKeys, downClass, flatClass, oneHot, readBaseline, saveBaseline, upClass } from './persist';

export interface NaiveConfig {
  /** Feature holding the latest bar's return. Default `logret_1`. */
  readonly returnFeature: string;
  /** Regression forecast: `zero` (random walk: no change) or `last` (the latest return persists). Default `zero`. */
  readonly regression: 'zero' | 'last';
}

const DEFAULTS: NaiveConfig = { returnFeature: 'logret_1', regression: 'zero' };

/**
 * How a sample set's features were scaled from raw values: x = (raw - center) / scale per
 * feature column, indexed like `featureNames`. A set without it holds raw values. The naive
 * model needs it to find the raw zero return among scaled features.
 */
export interface FeatureScaling {
  readonly center: ArrayLike<number>;
  readonly scale: ArrayLike<number>;
}

interface NaiveState {
  featureIndex: number;
  classes: number;
  classNames?: string[];
  /** The return feature's center and scale in the training set (0 and 1 when unscaled): raw = x * scale + center. */
  center?: number;
  scale?: number;
}

/**
 * Persistence: tomorrow moves the way today moved. Classification predicts "up" after a
 * positive latest return and "down" after a negative one ("flat", or down for binary, after
 * zero); regression predicts zero return or the latest return. Sequence sets use their last
 * bar. "Positive" means the raw return: when the features are scaled (standardised returns
 * are centred on the training mean, so a small rise can be negative), the training set's
 * `scaling` (see `FeatureScaling`) maps the feature back. Fitting only finds the return
 * feature and its scaling.
 */
export class NaiveModel implements Model {
  readonly kind = 'naive';
  private readonly options: NaiveConfig;
  private state?: NaiveState;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    checkConfigKeys('naive', config, Object.keys(DEFAULTS));
    this.options = { ...DEFAULTS, ...(config as Partial<NaiveConfig>) };
    if (typeof this.options.returnFeature !== 'string') throw new UsageError(`naive: returnFeature must be a feature name; got ${JSON.stringify(this.options.returnFeature)}`);
    if (this.options.regression !== 'zero' && this.options.regression !== 'last') throw new UsageError(`naive: regression must be "zero" or "last"; got ${JSON.stringify(this.options.regression)}`);
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }

  async fit(train: SampleSet, _validation?: SampleSet, _options?: FitOptions): Promise<FitResult> {
    const featureIndex = train.featureNames.indexOf(this.options.returnFeature);
    if (featureIndex < 0) throw new UsageError(`naive: no feature "${this.options.returnFeature}" (returnFeature); features: ${train.featureNames.join(', ')}`);
    let max = 1;
    for (const v of train.y) max = Math.max(max, v);
    const classes = this.task === 'regression' ? 1 : this.task === 'binary' ? 2 : Math.max(train.classes?.length ?? 0, max + 1);
    const scaling = (train as SampleSet & { scaling?: FeatureScaling }).scaling;
    const center = scaling ? Number(scaling.center[featureIndex]) : 0;
    const scale = scaling ? Number(scaling.scale[featureIndex]) : 1;
    if (!(Number.isFinite(center) && scale > 0 && Number.isFinite(scale))) {
      throw new UsageError(`naive: the scaling of "${this.options.returnFeature}" is center ${center}, scale ${scale}; expected a finite center and a positive scale`);
    }
    this.state = { featureIndex, classes, classNames: train.classes && [...train.classes], center, scale };
    return { history: {}, epochs: 0, seconds: 0 };
  }

  private fitted(): NaiveState {
    if (!this.state) throw new UsageError('naive: the model is not fitted');
    return this.state;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const { featureIndex, classes, classNames, center = 0, scale = 1 } = this.fitted();
    const t = tabularView(x);
    const out = new Float32Array(t.rows);
    const up = upClass(classes, classNames);
    const down = downClass(classNames);
    const flat = classes > 2 ? flatClass(classes, classNames) : down;
    // Where a raw zero return lands among the (float32) scaled values, rounded as the scaler rounds it.
    const zero = Math.fround((0 - center) / scale);
    for (let r = 0; r < t.rows; r++) {
      const last = t.x[r * t.features + featureIndex];
      if (this.task === 'regression') out[r] = this.options.regression === 'last' && Number.isFinite(last) ? last * scale + center : 0;
      else out[r] = last > zero ? up : last < zero ? down : flat;
    }
    return out;
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('naive: predictProba needs a classification task');
    return oneHot(await this.predict(x), this.fitted().classes);
  }

  async save(dir: string): Promise<void> {
    saveBaseline(dir, { kind: this.kind, task: this.task, config: this.config(), state: this.fitted() });
  }

  static async load(dir: string): Promise<NaiveModel> {
    const file = readBaseline<NaiveState>(dir, 'naive');
    const model = new NaiveModel(file.task, file.config);
    model.state = file.state;
    return model;
  }
}

registerModel('naive', { create: (task, config) => new NaiveModel(task, config), load: (dir) => NaiveModel.load(dir) });
