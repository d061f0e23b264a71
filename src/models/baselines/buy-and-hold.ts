import { UsageError } from '../../errors';
import { checkTargets, classesOf } from '../gbdt/tabular';
import type { FitOptions, FitResult, Model, SampleSet, Task } from '../model';
import { registerModel } from '../registry';
import { checkConfigKeys, oneHot, readBaseline, saveBaseline, upClass } from './persist';

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
  private state?: BuyAndHoldState;

  constructor(
    readonly task: Task,
    config: Record<string, unknown> = {},
  ) {
    checkConfigKeys('buy-and-hold', config, []);
  }

  config(): Record<string, unknown> {
    return {};
  }

  async fit(train: SampleSet, _validation?: SampleSet, _options?: FitOptions): Promise<FitResult> {
    const k = classesOf(this.task, train);
    checkTargets(this.task, train, 'training set', k);
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
    return new Float32Array(x.shape[0]).fill(this.fitted().value);
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('buy-and-hold: predictProba needs a classification task');
    return oneHot(await this.predict(x), this.fitted().classes);
  }

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

registerModel('buy-and-hold', { create: (task, config) => new BuyAndHoldModel(task, config), load: (dir) => BuyAndHoldModel.load(dir) });
