import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BarTable } from '../src/data/bars';
import { syntheticMarket } from '../src/data/synthetic';
import { Rng } from '../src/util/random';
import { computeLabels, type LabelSpec } from '../src/labels';
import { makeSplit, segmentIndices, type SplitSpec } from '../src/split';
import { fitScaler } from '../src/scale';
import { featureMatrix, sampleSpans, scaleMatrix, selectSampleRows, windowSamples } from '../src/window';
import { type FeatureMatrix, allWindows } from '../src/records/samples';

/** Causal test features: 1-bar log return and its 5-bar mean (NaN during warm-up). */
function features(bars: BarTable): FeatureMatrix {
  const n = bars.close.length;
  const r = new Float64Array(n).fill(NaN);
  const m = new Float64Array(n).fill(NaN);
  for (const s of bars.symbols) {
    for (let i = s.start + 1; i < s.end; i++) r[i] = Math.log(bars.close[i] / bars.close[i - 1]);
    for (let i = s.start + 5; i < s.end; i++) m[i] = (r[i] + r[i - 1] + r[i - 2] + r[i - 3] + r[i - 4]) / 5;
  }
  return featureMatrix(['logret_1', 'mean_logret_5'], [r, m]);
}

/** The pipeline up to the training set: labels, sample rows, split, scaler fitted on training rows. */
function pipeline(bars: BarTable, label: LabelSpec, split: SplitSpec) {
  const x = features(bars);
  const labels = computeLabels(bars, label);
  const picked = selectSampleRows(bars, x, labels, 10);
  const fold = makeSplit(sampleSpans(bars, labels, picked.rows), split).folds[0];
  const trainRows = Array.from(segmentIndices(fold.train), (i) => picked.rows[i]);
  const scaler = fitScaler('standard', x.values, x.names.length, trainRows);
  const train = windowSamples(bars, scaleMatrix(x, scaler), labels, trainRows, 10);
  return { fold, trainRows, scaler, train, labels };
}

test('perturbing every bar from the test start on changes no training label, sample or scaler statistic', () => {
  const { bars } = syntheticMarket({ symbols: ['A', 'B', 'C'], bars: 600, seed: 21 });
  const rng = new Rng(2);
  const cases: [LabelSpec, SplitSpec][] = [
    [{ kind: 'return', horizonBars: 10 }, { kind: 'chronological' }],
    [{ kind: 'triple-barrier', horizonBars: 15, profitTaking: 1, stopLoss: 1 }, { kind: 'chronological', fractions: [0.6, 0.2, 0.2], embargoBars: 3 }],
    [{ kind: 'updown-flat', horizonBars: 5, band: { kind: 'volatility', k: 0.5 } }, { kind: 'walk-forward', folds: 3 }],
  ];
  for (const [label, split] of cases) {
    const before = pipeline(bars, label, split);
    // Walk-forward fold 0 and the chronological split both train before `testStart`; perturb from the earliest later segment.
    const cut = before.fold.validation?.startTime ?? before.fold.test.startTime;
    const close = bars.close.slice();
    for (let i = 0; i < close.length; i++) if (bars.timestamp[i] >= cut) close[i] *= Math.exp(0.3 * rng.normal());
    const after = pipeline({ ...bars, close }, label, split);
    assert.ok(before.trainRows.length > 300);
    assert.deepEqual(after.trainRows, before.trainRows, `${label.kind}: training rows changed`);
    for (const t of before.trainRows) assert.ok(before.labels.endTime[t] < cut, 'a training label ends after the cut');
    assert.deepEqual(after.train.y, before.train.y, `${label.kind}: training labels changed`);
    assert.deepEqual(allWindows(after.train), allWindows(before.train), `${label.kind}: training windows changed`);
    assert.deepEqual(after.scaler.toJSON(), before.scaler.toJSON(), `${label.kind}: scaler statistics changed`);
    // The perturbation reaches the labels that were purged or tested.
    const changed = before.labels.value.some((v, i) => !Number.isNaN(v) && v !== after.labels.value[i]);
    assert.ok(changed, 'perturbation changed no label at all');
  }
});
