import { obj } from '../../config/schema';
import { UsageError } from '../../errors';
import { type SampleSet, sampleCount } from '../../records/samples';
import { type Task, oneHot, upClass } from '../../records/task';
import type { FitOptions, FitResult, Model, ModelFactory, ModelTags } from '../model';
import { checkSetTargets, classesOf } from '../targets';
import { readBaseline, saveBaseline } from './persist';

const CONFIG = obj({}, { doc: 'The most frequent training class, or the training mean.' });
const TAGS: ModelTags = { input: 'tabular', tasks: ['regression', 'binary', 'multiclass'], baseline: true };

interface MajorityState {
  /** Classification: training class frequencies. Regression: [training mean]. */
  frequencies: number[];
}

/**
 * The most frequent training class (ties: the lowest index), with the training class
 * frequencies as probabilities; for regression, the training mean.
 */
export class MajorityModel implements Model {
  readonly kind = 'majority';
  readonly tags = TAGS;
  private state?: MajorityState;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    CONFIG.parse(config, 'majority config');
  }

  config(): Record<string, unknown> {
    return {};
  }

  async fit(train: SampleSet, _validation?: SampleSet, _options?: FitOptions): Promise<FitResult> {
    const k = classesOf(this.task, train);
    checkSetTargets(this.task, train, 'training set', k);
    const n = train.y.length;
    if (n === 0) throw new UsageError('majority: the training set is empty');
    if (this.task === 'regression') {
      let sum = 0;
      for (const v of train.y) sum += v;
      this.state = { frequencies: [sum / n] };
    } else {
      const counts = new Array<number>(k).fill(0);
      for (const v of train.y) counts[v]++;
      this.state = { frequencies: counts.map((c) => c / n) };
    }
    return { history: {}, epochs: 0, seconds: 0 };
  }

  private fitted(): MajorityState {
    if (!this.state) throw new UsageError('majority: the model is not fitted');
    return this.state;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const f = this.fitted().frequencies;
    const value = this.task === 'regression' ? f[0] : f.indexOf(Math.max(...f));
    return new Float32Array(sampleCount(x)).fill(value);
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('majority: predictProba needs a classification task');
    const f = this.fitted().frequencies;
    const out = new Float32Array(sampleCount(x) * f.length);
    for (let r = 0; r < sampleCount(x); r++) out.set(f, r * f.length);
    return out;
  }

  importance(): undefined {
    return undefined;
  }

  inputDescription(): string {
    return 'no features (training labels only)';
  }

  dispose(): void {}

  async save(dir: string): Promise<void> {
    saveBaseline(dir, { kind: this.kind, task: this.task, config: {}, state: this.fitted() });
  }

  static async load(dir: string): Promise<MajorityModel> {
    const file = readBaseline<MajorityState>(dir, 'majority');
    const model = new MajorityModel(file.task);
    model.state = file.state;
    return model;
  }
}

export const majorityFactory: ModelFactory = {
  kind: 'majority',
  tags: TAGS,
  configSchema: CONFIG,
  create: (task, config) => new MajorityModel(task, config),
  load: (dir) => MajorityModel.load(dir),
};
