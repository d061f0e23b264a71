import { obj } from '../../config/schema';
import { UsageError } from '../../errors';
import { type SampleSet, sampleCount } from '../../records/samples';
import { type Task, oneHot, upClass } from '../../records/task';
import type { FitOptions, FitResult, Model, ModelFactory, ModelTags } from '../model';
import { checkSetTargets, classesOf } from '../targets';
import { readBaseline, saveBaseline } from './persist';

const CONFIG = obj({}, { doc: 'Always long: every sample is predicted up.' });
const TAGS: ModelTags = { input: 'tabular', tasks: ['regression', 'binary', 'multiclass'], baseline: true };

interface BuyAndHoldState {
  /** Classification: the "up" class index. Regression: the predicted (positive) return. */
  value: number;
  classes: number;
}

/**
 * Always long: every sample is predicted "up". Classification predicts the class named UP
 * (else the last class); regression predicts the training set's mean absolute target, a
 * typical move's size with the sign always positive. A backtest of it is buy-and-hold.
 */
export class BuyAndHoldModel implements Model {
  readonly kind = 'buy-and-hold';
  readonly tags = TAGS;
  private state?: BuyAndHoldState;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    CONFIG.parse(config, 'buy-and-hold config');
  }

  config(): Record<string, unknown> {
    return {};
  }

  async fit(train: SampleSet, _validation?: SampleSet, _options?: FitOptions): Promise<FitResult> {
    const k = classesOf(this.task, train);
    checkSetTargets(this.task, train, 'training set', k);
    if (this.task === 'regression') {
      let sum = 0;
      for (const v of train.y) sum += Math.abs(v);
      this.state = { value: train.y.length > 0 ? sum / train.y.length : 0, classes: 1 };
    } else {
      this.state = { value: upClass(k, train.classes), classes: k };
    }
    return { history: {}, epochs: 0, seconds: 0 };
  }

  private fitted(): BuyAndHoldState {
    if (!this.state) throw new UsageError('buy-and-hold: the model is not fitted');
    return this.state;
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    return new Float32Array(sampleCount(x)).fill(this.fitted().value);
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('buy-and-hold: predictProba needs a classification task');
    return oneHot(await this.predict(x), this.fitted().classes);
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

  static async load(dir: string): Promise<BuyAndHoldModel> {
    const file = readBaseline<BuyAndHoldState>(dir, 'buy-and-hold');
    const model = new BuyAndHoldModel(file.task);
    model.state = file.state;
    return model;
  }
}

export const buyAndHoldFactory: ModelFactory = {
  kind: 'buy-and-hold',
  tags: TAGS,
  configSchema: CONFIG,
  create: (task, config) => new BuyAndHoldModel(task, config),
  load: (dir) => BuyAndHoldModel.load(dir),
};
