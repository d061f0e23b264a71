import { obj } from '../../config/schema';
import { UsageError } from '../../errors';
import { type SampleSet, sampleCount } from '../../records/samples';
import { type Task, upClass } from '../../records/task';
import type { FitOptions, FitResult, Model, ModelFactory, ModelTags } from '../model';
import { checkSetTargets, classesOf } from '../targets';
import { readBaseline, saveBaseline } from './persist';

const CONFIG = obj({}, { doc: 'The most frequent training class, or the training mean.' });
const TAGS: ModelTags = { input: 'tabular', tasks: ['regression', 'binary', 'multiclass'], baseline: true };

interface MajorityState {
  /** Classification: training class frequencies. Regression: [training mean]. */
  frequencies: number[];
  /** Classification: the predicted class, with ties already broken. */
  choice?: number;
}

/**
 * Added to the chosen class's probability (and taken evenly from the other tied classes) on
 * a tie, so that every reader of the probabilities (argmax, P(UP) - P(DOWN)) sees the same
 * call as `predict`. Large enough to survive float32 (2^-23 relative is about 1.2e-7).
 */
export const TIE_MARGIN = 1e-6;

/**
 * The most frequent training class, with the training class frequencies as probabilities;
 * for regression, the training mean. A tie (e.g. 50/50 UP/DOWN in a training window) is
 * broken explicitly: towards the UP class (named UP, else the last, as for up/down labels) when it is among the tied (stocks drift up
 * over the long run, and a tie carries no information about this window), else the tied
 * class with the lowest index. The probabilities then carry a `TIE_MARGIN` for the chosen
 * class: without it P(UP) - P(DOWN) is 0, a forecast that takes no side and counts as a miss
 * on every row.
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
      const top = Math.max(...counts);
      const tied = counts.flatMap((c, i) => (c === top ? [i] : []));
      const up = upClass(k, train.classes);
      const choice = tied.includes(up) ? up : tied[0];
      const frequencies = counts.map((c) => c / n);
      if (tied.length > 1) {
        for (const i of tied) frequencies[i] += i === choice ? TIE_MARGIN : -TIE_MARGIN / (tied.length - 1);
      }
      this.state = { frequencies, choice };
    }
    return { history: {}, epochs: 0, seconds: 0 };
  }

  private fitted(): MajorityState {
    if (!this.state) throw new UsageError('majority: the model is not fitted');
    return this.state;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const { frequencies: f, choice } = this.fitted();
    // Files saved before ties were broken explicitly have no `choice`; their frequencies have no tie margin either.
    const value = this.task === 'regression' ? f[0] : (choice ?? f.indexOf(Math.max(...f)));
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
