/** How the learning rate changes over epochs. */
export type LearningRateSchedule =
  | { readonly type: 'constant' }
  /** lr = learningRate * factor^floor(epoch / every). */
  | { readonly type: 'step'; readonly every: number; readonly factor: number }
  /** Cosine decay from learningRate to minLearningRate over the configured epochs. */
  | { readonly type: 'cosine'; readonly minLearningRate: number }
  /** Multiply by factor after `patience` epochs without improvement of the monitored loss. */
  | { readonly type: 'plateau'; readonly factor: number; readonly patience: number; readonly minLearningRate: number };


/**
 * Learning rate per epoch. `step` and `cosine` depend on the epoch only; `plateau` also on
 * the monitored loss, which `observe` feeds after each epoch.
 */
export class LearningRateScheduler {
  private current: number;
  private best = Infinity;
  private waited = 0;

  constructor(
    private readonly schedule: LearningRateSchedule,
    private readonly initial: number,
    private readonly epochs: number,
  ) {
    this.current = initial;
  }

  /** Learning rate for 0-based `epoch`. */
  rate(epoch: number): number {
    const s = this.schedule;
    if (s.type === 'step') return this.initial * Math.pow(s.factor, Math.floor(epoch / s.every));
    if (s.type === 'cosine') return s.minLearningRate + 0.5 * (this.initial - s.minLearningRate) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, this.epochs)));
    return this.current;
  }

  /** Report the epoch's monitored loss (plateau schedule only acts on it). */
  observe(loss: number): void {
    const s = this.schedule;
    if (s.type !== 'plateau') return;
    if (loss < this.best) {
      this.best = loss;
      this.waited = 0;
    } else if (++this.waited >= s.patience) {
      this.current = Math.max(s.minLearningRate, this.current * s.factor);
      this.waited = 0;
    }
  }
}
