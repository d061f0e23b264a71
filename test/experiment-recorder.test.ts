import { test } from 'node:test';
import assert from 'node:assert/strict';
import { obj } from '../src/config/schema';
import { syntheticMarket } from '../src/data/synthetic';
import type { BarTable } from '../src/data/bars';
import { runExperiment } from '../src/experiment';
import { type Model, type ModelTags, registerModel } from '../src/models';
import { type SampleSet, allWindows, sampleCount } from '../src/records/samples';
import { type Task, oneHot } from '../src/records/task';
import { UsageError } from '../src/errors';

/** What each fit and predict of the stand-in received. */
interface Call {
  readonly fold: number;
  readonly trainTimes: number[];
  readonly validationTimes: number[];
  /** Every value of every training window, as the model saw it (scaled). */
  readonly trainValues: number[];
  predictTimes: number[];
}

const calls: Call[] = [];
const TAGS: ModelTags = { input: 'sequence', tasks: ['regression', 'binary', 'multiclass'], baseline: false };

/** A user plug-in that records its inputs and forecasts "up" for everything. */
class Recorder implements Model {
  readonly kind = 'recorder';
  readonly tags = TAGS;
  constructor(readonly task: Task) {}
  config() {
    return {};
  }
  async fit(train: SampleSet, validation?: SampleSet) {
    calls.push({
      fold: calls.length,
      trainTimes: Array.from(train.timestamps!),
      validationTimes: validation ? Array.from(validation.timestamps!) : [],
      trainValues: Array.from(allWindows(train)),
      predictTimes: [],
    });
    return { history: {}, epochs: 0, seconds: 0 };
  }
  async predict(x: SampleSet) {
    calls[calls.length - 1].predictTimes.push(...x.timestamps!);
    return new Float32Array(sampleCount(x)).fill(this.task === 'regression' ? 0.001 : 1);
  }
  async predictProba(x: SampleSet) {
    if (this.task === 'regression') throw new UsageError('recorder: regression');
    return oneHot(new Float32Array(sampleCount(x)).fill(1), 2);
  }
  importance() {
    return undefined;
  }
  inputDescription() {
    return 'everything it is given';
  }
  async save() {}
  dispose() {}
}

registerModel({ kind: 'recorder', tags: TAGS, configSchema: obj({}), create: (task) => new Recorder(task), load: async () => new Recorder('binary') });

const config = (lookback: number) => ({
  name: 'recorder',
  dataset: {
    source: { source: 'synthetic', symbols: ['A', 'B'], bars: 500, seed: 3 },
    features: 'basic',
    label: { kind: 'updown', horizonBars: 3 },
    split: { kind: 'walk-forward', folds: 3, validationBars: 20, embargoBars: 2 },
    scaler: 'standard',
    lookback,
  },
  models: [{ kind: 'recorder' }],
});

async function recorded(bars: BarTable): Promise<Call[]> {
  calls.length = 0;
  await runExperiment(config(5), { bars, log: () => undefined });
  return calls.map((c) => ({ ...c }));
}

test('end to end, a stand-in model sees training rows only: every fold, the scaler included', async () => {
  const { bars } = syntheticMarket({ symbols: ['A', 'B'], bars: 500, seed: 3 });
  const before = await recorded(bars);
  assert.equal(before.length, 3, 'one fit per fold');
  for (const c of before) {
    const firstTest = Math.min(...c.predictTimes);
    // Labels look 3 bars ahead and the embargo is 2 steps: training and validation samples end well before the test.
    assert.ok(Math.max(...c.trainTimes) < firstTest, `fold ${c.fold}: a training sample at or after the test start`);
    assert.ok(c.validationTimes.every((t) => t < firstTest && t > Math.max(...c.trainTimes)), `fold ${c.fold}: validation not between train and test`);
    assert.ok(c.trainTimes.length > 100);
  }
  // Perturb every bar from the first test sample of the last fold on: nothing the fits of the
  // last fold saw may change, so neither the scaler (fitted on training rows) nor the features did.
  const cut = Math.min(...before[2].predictTimes);
  const close = bars.close.slice();
  const high = bars.high.slice();
  const low = bars.low.slice();
  const volume = bars.volume.slice();
  for (let i = 0; i < close.length; i++) {
    if (bars.timestamp[i] < cut) continue;
    close[i] *= 1.5;
    high[i] *= 1.6;
    low[i] *= 1.4;
    volume[i] *= 3;
  }
  const after = await recorded({ ...bars, close, high, low, volume });
  for (const k of [0, 1, 2]) {
    assert.deepEqual(after[k].trainTimes, before[k].trainTimes, `fold ${k}: training samples changed`);
    assert.deepEqual(after[k].trainValues, before[k].trainValues, `fold ${k}: training inputs changed with future bars`);
  }
  // The perturbation is not a no-op: the test windows of the last fold see it.
  assert.notDeepEqual(after[2].predictTimes.length, 0);
});
