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

interface NaiveState {
  featureIndex: number;
  classes: number;
  classNames?: string[];
}

/**
 * Persistence: tomorrow moves the way today moved. Classification predicts "up" after a
 * positive latest return and "down" after a negative one ("flat", or down for binary, after
 * zero); regression predicts zero return or the latest return. Sequence sets use their last
 * bar. Fitting only finds the return feature.
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
    this.state = { featureIndex, classes, classNames: train.classes && [...train.classes] };
    return { history: {}, epochs: 0, seconds: 0 };
  }

  private fitted(): NaiveState {
    if (!this.state) throw new UsageError('naive: the model is not fitted');
    return this.state;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const { featureIndex, classes, classNames } = this.fitted();
    const t = tabularView(x);
    const out = new Float32Array(t.rows);
    const up = upClass(classes, classNames);
    const down = downClass(classNames);
    const flat = classes > 2 ? flatClass(classes, classNames) : down;
    for (let r = 0; r < t.rows; r++) {
      const last = t.x[r * t.features + featureIndex];
      if (this.task === 'regression') out[r] = this.options.regression === 'last' && Number.isFinite(last) ? last : 0;
      else out[r] = last > 0 ? up : last < 0 ? down : flat;
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
