import { type SampleSet, denseSamples } from '../src/records/samples';
import type { Task } from '../src/records/task';
import { syntheticMarket } from '../src/data/synthetic';

/**
 * Sample sets for the neural-model tests, built straight from the synthetic market (the
 * dataset builder lives elsewhere): windows of log returns standardized by the training
 * part's standard deviation, labelled with the next bar's return.
 */
export interface SyntheticWindows {
  readonly train: SampleSet;
  readonly validation: SampleSet;
  readonly test: SampleSet;
  readonly bestAccuracy: number;
  /** Hit rate of the generator's Bayes-optimal forecast on the test samples. */
  readonly oracleTestAccuracy: number;
}

export function syntheticWindows(o: { bars: number; lookback: number; signal: number; seed?: number; task?: Task; split?: [number, number] }): SyntheticWindows {
  const market = syntheticMarket({ bars: o.bars, signal: o.signal, seed: o.seed ?? 7 });
  const close = market.bars.close;
  const r = new Float64Array(close.length);
  for (let t = 1; t < close.length; t++) r[t] = Math.log(close[t] / close[t - 1]);
  const task = o.task ?? 'binary';
  // Sample i ends at bar t = i + lookback (first return is bar 1) and is labelled with r[t + 1].
  const ends: number[] = [];
  for (let t = o.lookback; t + 1 < close.length; t++) ends.push(t);
  const [fTrain, fVal] = o.split ?? [0.6, 0.2];
  const nTrain = Math.floor(ends.length * fTrain);
  const nVal = Math.floor(ends.length * fVal);
  let sq = 0;
  for (let t = 1; t <= ends[nTrain - 1]; t++) sq += r[t] * r[t];
  const sd = Math.sqrt(sq / ends[nTrain - 1]);
  const make = (part: number[]): SampleSet => {
    const x = new Float32Array(part.length * o.lookback);
    const y = new Float32Array(part.length);
    part.forEach((t, i) => {
      for (let k = 0; k < o.lookback; k++) x[i * o.lookback + k] = r[t - o.lookback + 1 + k] / sd;
      const next = r[t + 1];
      y[i] = task === 'regression' ? next / sd : task === 'binary' ? (next > 0 ? 1 : 0) : next > 0.5 * sd ? 2 : next < -0.5 * sd ? 0 : 1;
    });
    return denseSamples({ x, shape: [part.length, o.lookback, 1], y, featureNames: ['log_return'], ...(task === 'multiclass' ? { classes: ['DOWN', 'FLAT', 'UP'] } : {}) });
  };
  const testEnds = ends.slice(nTrain + nVal);
  const cm = market.signal.conditionalMean;
  const oracleHits = testEnds.filter((t) => Math.sign(cm[t]) === Math.sign(r[t + 1])).length;
  return {
    train: make(ends.slice(0, nTrain)),
    validation: make(ends.slice(nTrain, nTrain + nVal)),
    test: make(testEnds),
    bestAccuracy: market.signal.bestAccuracy,
    oracleTestAccuracy: oracleHits / testEnds.length,
  };
}

export function accuracy(pred: Float32Array, y: Float32Array): number {
  let hits = 0;
  pred.forEach((p, i) => (hits += p === y[i] ? 1 : 0));
  return hits / y.length;
}
