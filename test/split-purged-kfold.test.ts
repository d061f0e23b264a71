import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/util/random';
import { makeSplit, segmentIndices, type SampleSpans, type SplitFold } from '../src/split';

const DAY = 86_400_000;

/** A pooled axis: several symbols on partly different calendars, labels of random length. */
function randomAxis(rng: Rng): SampleSpans {
  const time: number[] = [];
  const endTime: number[] = [];
  const symbols = 1 + rng.int(3);
  const maxHorizon = 1 + rng.int(15);
  for (let s = 0; s < symbols; s++) {
    const first = rng.int(20);
    const bars = 40 + rng.int(200);
    const days: number[] = [];
    for (let d = first; days.length < bars; d++) if (rng.uniform() > 0.1) days.push(d);
    for (let i = 0; i + 1 < days.length; i++) {
      const end = Math.min(days.length - 1, i + 1 + rng.int(maxHorizon));
      time.push(days[i] * DAY);
      endTime.push(days[end] * DAY);
    }
  }
  return { time: Float64Array.from(time), endTime: Float64Array.from(endTime) };
}

/** Independent reference: the embargo-th distinct sample time after `t`. */
function embargoEnd(axis: SampleSpans, t: number, embargo: number): number {
  if (embargo === 0) return t;
  const after = [...new Set(axis.time)].filter((x) => x > t).sort((a, b) => a - b);
  return embargo <= after.length ? after[embargo - 1] : Infinity;
}

function checkFold(axis: SampleSpans, fold: SplitFold, embargo: number): void {
  const train = segmentIndices(fold.train);
  const test = segmentIndices(fold.test);
  const inTest = new Set(test);
  assert.ok(test.length > 0);
  const testStart = Math.min(...Array.from(test, (i) => axis.time[i]));
  const testSpanEnd = Math.max(...Array.from(test, (i) => axis.endTime[i]));
  const zoneEnd = embargoEnd(axis, testSpanEnd, embargo);
  for (const i of train) {
    assert.ok(!inTest.has(i), `sample ${i} in train and test`);
    const overlaps = axis.time[i] <= testSpanEnd && axis.endTime[i] >= testStart;
    assert.ok(!overlaps, `fold ${fold.index}: train sample ${i} [${axis.time[i] / DAY}, ${axis.endTime[i] / DAY}] overlaps test [${testStart / DAY}, ${testSpanEnd / DAY}]`);
    assert.ok(!(axis.time[i] > testSpanEnd && axis.time[i] <= zoneEnd), `fold ${fold.index}: train sample ${i} inside the embargo`);
  }
  // Nothing is dropped that the rules allow: train + test + purged + embargoed = all samples.
  assert.equal(train.length + test.length + fold.purged + fold.embargoed, axis.time.length);
  let allowed = 0;
  for (let i = 0; i < axis.time.length; i++) {
    if (inTest.has(i)) continue;
    const forbidden = axis.time[i] <= zoneEnd && axis.endTime[i] >= testStart;
    if (!forbidden) allowed++;
  }
  assert.equal(train.length, allowed);
}

test('purged k-fold never lets a training label span overlap a test fold or its embargo (random configs)', () => {
  const rng = new Rng(20240601);
  for (let trial = 0; trial < 60; trial++) {
    const axis = randomAxis(rng);
    const folds = 2 + rng.int(6);
    const embargoBars = rng.int(6);
    const split = makeSplit(axis, { kind: 'purged-kfold', folds, embargoBars });
    assert.equal(split.folds.length, folds);
    const testCount = new Int32Array(axis.time.length);
    for (const fold of split.folds) {
      checkFold(axis, fold, embargoBars);
      for (const i of segmentIndices(fold.test)) testCount[i]++;
    }
    assert.ok(testCount.every((c) => c === 1), 'every sample is tested exactly once');
  }
});

test('purged k-fold: test blocks are contiguous in time and share dates across symbols', () => {
  const rng = new Rng(9);
  const axis = randomAxis(rng);
  const split = makeSplit(axis, { kind: 'purged-kfold', folds: 4 });
  let previousEnd = -Infinity;
  for (const fold of split.folds) {
    const times = Array.from(segmentIndices(fold.test), (i) => axis.time[i]);
    assert.ok(Math.min(...times) > previousEnd);
    previousEnd = Math.max(...times);
    // Every sample in the fold's time block is in the test set, whatever its symbol.
    for (let i = 0; i < axis.time.length; i++) {
      const inBlock = axis.time[i] >= fold.test.startTime && axis.time[i] < fold.test.endTime;
      assert.equal(inBlock, segmentIndices(fold.test).includes(i));
    }
  }
});
