import { obj, oneOf, opt, str } from '../../config/schema';
import { UsageError } from '../../errors';
import { type SampleSet, sampleCount } from '../../records/samples';
import { type Task, downClass, flatClass, oneHot, upClass } from '../../records/task';
import type { FitOptions, FitResult, Model, ModelFactory, ModelTags } from '../model';
import { classesOf } from '../targets';
import { readBaseline, saveBaseline } from './persist';

export const naiveConfigSchema = obj(
  {
    returnFeature: opt(str({ doc: 'Feature holding the latest bar return.' }), 'logret_1'),
    regression: opt(oneOf(['zero', 'last'] as const, 'Regression forecast: zero return (random walk) or the latest return persists.'), 'zero'),
  },
  { doc: 'Persistence: tomorrow moves the way today moved.' },
);
export type NaiveConfig = { readonly returnFeature: string; readonly regression: 'zero' | 'last' };

const TAGS: ModelTags = { input: 'tabular', tasks: ['regression', 'binary', 'multiclass'], baseline: true };

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
 * zero); regression predicts zero return or the latest return. It reads one value of each
 * sample: the return feature at the sample's own bar. "Positive" means the raw return: when the
 * features are scaled (standardised returns are centred on the training mean, so a small rise
 * can be negative), the matrix's `scaling` maps the feature back. Fitting only finds the
 * return feature and its scaling.
 */
export class NaiveModel implements Model {
  readonly kind = 'naive';
  readonly tags = TAGS;
  private readonly options: NaiveConfig;
  private state?: NaiveState;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    const { returnFeature, regression } = naiveConfigSchema.parse(config, 'naive config');
    this.options = { returnFeature, regression };
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }

  async fit(train: SampleSet, _validation?: SampleSet, _options?: FitOptions): Promise<FitResult> {
    const names = train.features.names;
    const featureIndex = names.indexOf(this.options.returnFeature);
    if (featureIndex < 0) throw new UsageError(`naive: no feature "${this.options.returnFeature}" (returnFeature); features: ${names.join(', ')}`);
    const scaling = train.features.scaling;
    const center = scaling ? scaling.center[featureIndex] : 0;
    const scale = scaling ? scaling.scale[featureIndex] : 1;
    if (!(Number.isFinite(center) && scale > 0 && Number.isFinite(scale))) {
      throw new UsageError(`naive: the scaling of "${this.options.returnFeature}" is center ${center}, scale ${scale}; expected a finite center and a positive scale`);
    }
    this.state = { featureIndex, classes: classesOf(this.task, train), classNames: train.classes && [...train.classes], center, scale };
    return { history: {}, epochs: 0, seconds: 0 };
  }

  private fitted(): NaiveState {
    if (!this.state) throw new UsageError('naive: the model is not fitted');
    return this.state;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const { featureIndex, classes, classNames, center = 0, scale = 1 } = this.fitted();
    const n = sampleCount(x);
    const nf = x.features.names.length;
    const v = x.features.values;
    const out = new Float32Array(n);
    const up = upClass(classes, classNames);
    const down = downClass(classNames);
    const flat = classes > 2 ? flatClass(classes, classNames) : down;
    // Where a raw zero return lands among the (float32) scaled values, rounded as the scaler rounds it.
    const zero = Math.fround((0 - center) / scale);
    for (let r = 0; r < n; r++) {
      const last = v[x.rows[r] * nf + featureIndex];
      if (this.task === 'regression') out[r] = this.options.regression === 'last' && Number.isFinite(last) ? last * scale + center : 0;
      else out[r] = last > zero ? up : last < zero ? down : flat;
    }
    return out;
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('naive: predictProba needs a classification task');
    return oneHot(await this.predict(x), this.fitted().classes);
  }

  importance(): undefined {
    return undefined;
  }

  inputDescription(): string {
    return `lag 0 of ${this.options.returnFeature}`;
  }

  async save(dir: string): Promise<void> {
    saveBaseline(dir, { kind: this.kind, task: this.task, config: this.config(), state: this.fitted() });
  }

  dispose(): void {}

  static async load(dir: string): Promise<NaiveModel> {
    const file = readBaseline<NaiveState>(dir, 'naive');
    const model = new NaiveModel(file.task, file.config);
    model.state = file.state;
    return model;
  }
}

export const naiveFactory: ModelFactory = {
  kind: 'naive',
  tags: TAGS,
  configSchema: naiveConfigSchema,
  namedFeatures: (config) => [{ feature: (config as NaiveConfig).returnFeature, field: 'returnFeature' }],
  create: (task, config) => new NaiveModel(task, config),
  load: (dir) => NaiveModel.load(dir),
};
