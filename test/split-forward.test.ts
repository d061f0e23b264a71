import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSplit, makeSplit, parseSplitSpec, segmentIndices, splitTimeline, type SampleSpans } from '../src/split';
import { UsageError } from '../src/errors';

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);

/** Two symbols on the same 100 daily steps (B starts 10 days late), labels of `horizon` steps. */
function pooledAxis(horizon: number): SampleSpans {
  const time: number[] = [];
  const endTime: number[] = [];
  for (const first of [0, 10]) {
    for (let d = first; d + horizon < 100; d++) {
      time.push(T0 + d * DAY);
      endTime.push(T0 + (d + horizon) * DAY);
    }
  }
  return { time: Float64Array.from(time), endTime: Float64Array.from(endTime) };
}

const day = (ms: number) => Math.round((ms - T0) / DAY);

test('chronological 70/15/15 by time: shared dates across symbols, purged at each boundary', () => {
  const axis = pooledAxis(3);
  const split = makeSplit(axis, { kind: 'chronological' });
  const [fold] = split.folds;
  // 97 distinct times (days 0..96): train 68 steps, validation 15, test 14.
  assert.equal(day(fold.validation!.startTime), 68);
  assert.equal(day(fold.test.startTime), 83);
  for (const i of segmentIndices(fold.train)) assert.ok(day(axis.endTime[i]) < 68, `train ${i} ends in validation`);
  for (const i of segmentIndices(fold.validation!)) {
    assert.ok(day(axis.time[i]) >= 68 && day(axis.endTime[i]) < 83);
  }
  for (const i of segmentIndices(fold.test)) assert.ok(day(axis.time[i]) >= 83);
  // Purged: the last 3 steps of train and of validation, for both symbols.
  assert.equal(fold.purged, 2 * 3 + 2 * 3);
  assert.equal(fold.train.count + fold.validation!.count + fold.test.count + fold.purged, axis.time.length);
  // One range per symbol for each segment.
  assert.equal(fold.train.ranges.length, 2);
  assert.equal(fold.test.ranges.length, 2);
});

test('chronological by dates, with an embargo gap', () => {
  const axis = pooledAxis(1);
  const iso = (d: number) => new Date(T0 + d * DAY).toISOString().slice(0, 10);
  const split = makeSplit(axis, { kind: 'chronological', validationStart: iso(50), testStart: iso(80), embargoBars: 2 });
  const [fold] = split.folds;
  assert.equal(Math.max(...Array.from(segmentIndices(fold.train), (i) => day(axis.endTime[i]))), 47);
  assert.equal(Math.min(...Array.from(segmentIndices(fold.validation!), (i) => day(axis.time[i]))), 50);
  assert.equal(Math.max(...Array.from(segmentIndices(fold.validation!), (i) => day(axis.endTime[i]))), 77);
  assert.equal(fold.purged, 4);
  assert.equal(fold.embargoed, 8);
  const noValidation = makeSplit(axis, { kind: 'chronological', testStart: iso(80) }).folds[0];
  assert.equal(noValidation.validation, undefined);
  assert.equal(Math.max(...Array.from(segmentIndices(noValidation.train), (i) => day(axis.endTime[i]))), 79);
});

test('walk-forward expanding and sliding folds', () => {
  const axis = pooledAxis(2);
  const expanding = makeSplit(axis, { kind: 'walk-forward', folds: 4, testBars: 10, embargoBars: 1 });
  const sliding = makeSplit(axis, { kind: 'walk-forward', mode: 'sliding', folds: 4, testBars: 10, trainBars: 30, validationBars: 5 });
  // 98 distinct times; tests are the last 40: days 58..97 minus those without samples (labels end by day 99).
  expanding.folds.forEach((fold, k) => {
    assert.equal(day(fold.test.startTime), 58 + 10 * k);
    const train = segmentIndices(fold.train);
    assert.equal(Math.min(...Array.from(train, (i) => day(axis.time[i]))), 0, 'expanding starts at the beginning');
    // Purge (labels reaching the test) plus one step of embargo gap.
    assert.equal(Math.max(...Array.from(train, (i) => day(axis.endTime[i]))), 58 + 10 * k - 2);
    for (const i of segmentIndices(fold.test)) assert.ok(day(axis.time[i]) >= 58 + 10 * k && day(axis.time[i]) < 68 + 10 * k);
  });
  sliding.folds.forEach((fold, k) => {
    const testStart = 58 + 10 * k;
    const train = Array.from(segmentIndices(fold.train), (i) => day(axis.time[i]));
    assert.equal(Math.min(...train), testStart - 35);
    assert.ok(Math.max(...Array.from(segmentIndices(fold.train), (i) => day(axis.endTime[i]))) < testStart - 5);
    const validation = Array.from(segmentIndices(fold.validation!), (i) => day(axis.time[i]));
    assert.equal(Math.min(...validation), testStart - 5);
    assert.ok(Math.max(...Array.from(segmentIndices(fold.validation!), (i) => day(axis.endTime[i]))) < testStart);
  });
  assert.throws(() => makeSplit(axis, { kind: 'walk-forward', folds: 10, testBars: 10 }), UsageError);
});

test('splits print as a table and give timeline data', () => {
  const axis = pooledAxis(1);
  const split = makeSplit(axis, { kind: 'walk-forward', folds: 2 });
  const text = describeSplit(split);
  assert.match(text, /walk-forward split of \d+ samples, 2 fold\(s\)/);
  assert.match(text, /2020-01-01/);
  assert.match(text, /\[0,\d+\) \[\d+,\d+\)/);
  const bars = splitTimeline(split);
  assert.equal(bars.length, 4);
  assert.deepEqual(
    bars.map((b) => [b.fold, b.segment]),
    [
      [0, 'train'],
      [0, 'test'],
      [1, 'train'],
      [1, 'test'],
    ],
  );
  assert.ok(bars.every((b) => b.startTime <= b.endTime && b.count > 0));
});

test('split specs parse from JSON and bad fields are named', () => {
  assert.deepEqual(parseSplitSpec({ kind: 'purged-kfold', folds: 3, embargoBars: 2 }), { kind: 'purged-kfold', folds: 3, embargoBars: 2 });
  assert.throws(() => parseSplitSpec({ kind: 'chronological', fractions: [0.5, 0.2, 0.2] }), /split\.fractions: must sum to 1/);
  assert.throws(() => parseSplitSpec({ kind: 'chronological', testStart: 'soon' }), /split\.testStart: expected an ISO date/);
  assert.throws(() => parseSplitSpec({ kind: 'walk-forward', mode: 'rolling' }), /split\.mode/);
  assert.throws(() => parseSplitSpec({ kind: 'purged-kfold', folds: 1 }), /split\.folds: expected an integer >= 2/);
});
