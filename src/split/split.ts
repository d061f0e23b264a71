import { UsageError } from '../errors';
import { parseTimestamp } from '../data/csv';
import { DEFAULT_FRACTIONS, type SplitSpec } from './spec';

/**
 * The sample axis a split cuts: per sample, the time of the bar its label starts at
 * (`time`, epoch ms) and the time of the last bar its label looks at (`endTime`). Samples
 * may be in any order (pooled symbols are usually grouped by symbol, then time).
 */
export interface SampleSpans {
  readonly time: Float64Array;
  readonly endTime: Float64Array;
}

/** Samples `[start, end)` of the sample axis. */
export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

export type SegmentName = 'train' | 'validation' | 'test';

export interface SplitSegment {
  readonly name: SegmentName;
  /** Ascending, disjoint, non-adjacent ranges of sample indices. */
  readonly ranges: readonly IndexRange[];
  readonly count: number;
  /** The segment's time interval `[startTime, endTime)` on the time axis, as cut (before purging; may be infinite). */
  readonly startTime: number;
  readonly endTime: number;
  /** Earliest and latest sample time in the segment (NaN when empty). */
  readonly firstTime: number;
  readonly lastTime: number;
}

export interface SplitFold {
  readonly index: number;
  readonly train: SplitSegment;
  readonly validation?: SplitSegment;
  readonly test: SplitSegment;
  /** Samples dropped from train/validation because their label span overlaps a later segment (or the test block). */
  readonly purged: number;
  /** Samples dropped only because of the embargo. */
  readonly embargoed: number;
}

export interface Split {
  readonly spec: SplitSpec;
  readonly samples: number;
  readonly folds: readonly SplitFold[];
}

/** Split a sample axis as the spec says. Throws a `UsageError` when the axis is too short for it. */
export function makeSplit(samples: SampleSpans, spec: SplitSpec): Split {
  checkSpans(samples);
  const grid = timeGrid(samples.time);
  const embargo = spec.embargoBars ?? 0;
  const n = samples.time.length;
  switch (spec.kind) {
    case 'chronological': {
      let validationStart: number;
      let testStart: number;
      if (spec.testStart !== undefined) {
        testStart = parseTimestamp(spec.testStart);
        validationStart = spec.validationStart !== undefined ? parseTimestamp(spec.validationStart) : testStart;
      } else {
        const [fTrain, fValidation] = spec.fractions ?? DEFAULT_FRACTIONS;
        const nTrain = Math.round(grid.length * fTrain);
        const nValidation = Math.round(grid.length * fValidation);
        if (nTrain < 1 || nTrain + nValidation >= grid.length || (fValidation > 0 && nValidation < 1)) {
          throw new UsageError(`chronological split: ${grid.length} distinct sample times are too few for fractions ${JSON.stringify(spec.fractions ?? DEFAULT_FRACTIONS)}`);
        }
        validationStart = grid[nTrain];
        testStart = grid[nTrain + nValidation];
      }
      const fold = forwardFold(samples, grid, 0, -Infinity, validationStart, testStart, Infinity, embargo);
      for (const seg of [fold.train, fold.validation, fold.test]) {
        if (!seg) continue;
        if (seg.count === 0) throw new UsageError(`chronological split: the ${seg.name} set is empty (sample times ${describeRange(grid)})`);
      }
      return { spec, samples: n, folds: [fold] };
    }
    case 'walk-forward': {
      const folds = spec.folds ?? 5;
      const validationBars = spec.validationBars ?? 0;
      const testBars = spec.testBars ?? Math.floor((grid.length - validationBars) / (folds + 1));
      const firstTest = grid.length - folds * testBars;
      const available = firstTest - validationBars;
      if (spec.mode !== 'sliding' && spec.trainBars !== undefined) throw new UsageError('walk-forward split: trainBars applies to mode "sliding" only (expanding training starts at the first sample)');
      const trainBars = spec.mode === 'sliding' ? (spec.trainBars ?? available) : available;
      if (testBars < 1 || available < 1 || trainBars > available) {
        throw new UsageError(
          `walk-forward split: ${grid.length} distinct sample times cannot hold ${folds} folds of ${testBars} test steps after ${validationBars} validation and ${trainBars} training steps`,
        );
      }
      const out: SplitFold[] = [];
      for (let k = 0; k < folds; k++) {
        const testStart = firstTest + k * testBars;
        const validationStart = testStart - validationBars;
        const trainStart = spec.mode === 'sliding' ? validationStart - trainBars : 0;
        const testEnd = testStart + testBars;
        out.push(
          forwardFold(samples, grid, k, grid[trainStart], grid[validationStart], grid[testStart], testEnd < grid.length ? grid[testEnd] : Infinity, embargo),
        );
      }
      return { spec, samples: n, folds: out };
    }
    case 'purged-kfold': {
      const k = spec.folds ?? 5;
      if (grid.length < k) throw new UsageError(`purged k-fold: ${grid.length} distinct sample times are fewer than ${k} folds`);
      const out: SplitFold[] = [];
      for (let f = 0; f < k; f++) out.push(purgedFold(samples, grid, f, k, embargo));
      return { spec, samples: n, folds: out };
    }
  }
}

/** Sample indices of a segment, ascending. */
export function segmentIndices(segment: SplitSegment): Int32Array {
  const out = new Int32Array(segment.count);
  let k = 0;
  for (const r of segment.ranges) for (let i = r.start; i < r.end; i++) out[k++] = i;
  return out;
}

/**
 * A forward fold: train [trainStart, validationStart), validation [validationStart, testStart)
 * (none when empty), test [testStart, testEnd). A train or validation sample whose label ends
 * at or after the next segment's start is purged; one whose label ends within `embargo`
 * steps before it is embargoed.
 */
function forwardFold(
  s: SampleSpans,
  grid: Float64Array,
  index: number,
  trainStart: number,
  validationStart: number,
  testStart: number,
  testEnd: number,
  embargo: number,
): SplitFold {
  const hasValidation = validationStart < testStart;
  const names: SegmentName[] = hasValidation ? ['train', 'validation', 'test'] : ['train', 'test'];
  const cuts = hasValidation ? [trainStart, validationStart, testStart, testEnd] : [trainStart, testStart, testEnd];
  const last = names.length - 1;
  const zones = cuts.map((c) => stepBefore(grid, c, embargo));
  const member = new Int8Array(s.time.length).fill(-1);
  let purged = 0;
  let embargoed = 0;
  for (let i = 0; i < member.length; i++) {
    const t = s.time[i];
    let seg = 0;
    while (seg <= last && !(t >= cuts[seg] && t < cuts[seg + 1])) seg++;
    if (seg > last) continue;
    if (seg < last && s.endTime[i] >= cuts[seg + 1]) purged++;
    else if (seg < last && s.endTime[i] >= zones[seg + 1]) embargoed++;
    else member[i] = seg;
  }
  const [train, second, third] = names.map((name, k) => segment(member, s.time, k, name, cuts[k], cuts[k + 1]));
  return hasValidation ? { index, train, validation: second, test: third, purged, embargoed } : { index, train, test: second, purged, embargoed };
}

/** Fold f of k: test = the f-th block of distinct times; train = the rest minus purge and embargo. */
function purgedFold(s: SampleSpans, grid: Float64Array, f: number, k: number, embargo: number): SplitFold {
  const n = s.time.length;
  // Blocks as numpy's array_split cuts them: the first (length % k) blocks get one extra step.
  const base = Math.floor(grid.length / k);
  const extra = grid.length % k;
  const from = f * base + Math.min(f, extra);
  const to = from + base + (f < extra ? 1 : 0);
  const testStart = grid[from];
  const testEnd = to < grid.length ? grid[to] : Infinity;
  const member = new Int8Array(n).fill(-1);
  let spanEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    if (s.time[i] >= testStart && s.time[i] < testEnd) {
      member[i] = 1;
      if (s.endTime[i] > spanEnd) spanEnd = s.endTime[i];
    }
  }
  const embargoEnd = stepAfter(grid, spanEnd, embargo);
  let purged = 0;
  let embargoed = 0;
  for (let i = 0; i < n; i++) {
    if (member[i] === 1) continue;
    const t = s.time[i];
    if (t <= spanEnd && s.endTime[i] >= testStart) purged++;
    else if (t > spanEnd && t <= embargoEnd) embargoed++;
    else member[i] = 0;
  }
  const train = segment(member, s.time, 0, 'train', grid[0], Infinity);
  const test = segment(member, s.time, 1, 'test', testStart, testEnd);
  return { index: f, train, test, purged, embargoed };
}

function segment(member: Int8Array, time: Float64Array, code: number, name: SegmentName, startTime: number, endTime: number): SplitSegment {
  const ranges: IndexRange[] = [];
  let count = 0;
  let firstTime = Infinity;
  let lastTime = -Infinity;
  for (let i = 0; i < member.length; i++) {
    if (member[i] !== code) continue;
    if (time[i] < firstTime) firstTime = time[i];
    if (time[i] > lastTime) lastTime = time[i];
    const start = i;
    while (i + 1 < member.length && member[i + 1] === code) {
      i++;
      if (time[i] < firstTime) firstTime = time[i];
      if (time[i] > lastTime) lastTime = time[i];
    }
    ranges.push({ start, end: i + 1 });
    count += i + 1 - start;
  }
  return count > 0 ? { name, ranges, count, startTime, endTime, firstTime, lastTime } : { name, ranges, count, startTime, endTime, firstTime: Number.NaN, lastTime: Number.NaN };
}

/** Distinct sample times, ascending. */
function timeGrid(time: Float64Array): Float64Array {
  const sorted = Float64Array.from(time).sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i];
  return sorted.slice(0, m);
}

/** Index of the first grid time > `time`. */
function upperBound(grid: Float64Array, time: number): number {
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (grid[mid] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The `steps`-th grid time strictly after `time` (`time` itself for 0; +Infinity past the grid). */
function stepAfter(grid: Float64Array, time: number, steps: number): number {
  if (steps === 0) return time;
  const i = upperBound(grid, time) + steps - 1;
  return i < grid.length ? grid[i] : Infinity;
}

/** The `steps`-th grid time strictly before `time` (`time` itself for 0; -Infinity before the grid). */
function stepBefore(grid: Float64Array, time: number, steps: number): number {
  if (steps === 0) return time;
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (grid[mid] < time) lo = mid + 1;
    else hi = mid;
  }
  const i = lo - steps;
  return i >= 0 ? grid[i] : -Infinity;
}

function checkSpans(s: SampleSpans): void {
  if (s.time.length !== s.endTime.length) throw new UsageError(`split: ${s.time.length} sample times but ${s.endTime.length} end times`);
  if (s.time.length === 0) throw new UsageError('split: no samples');
  for (let i = 0; i < s.time.length; i++) {
    if (!Number.isFinite(s.time[i]) || !(s.endTime[i] >= s.time[i])) {
      throw new UsageError(`split: sample ${i} has time ${s.time[i]} and end time ${s.endTime[i]}; need finite times with end >= start (drop undefined labels first)`);
    }
  }
}

function describeRange(grid: Float64Array): string {
  return `${new Date(grid[0]).toISOString().slice(0, 10)} .. ${new Date(grid[grid.length - 1]).toISOString().slice(0, 10)}`;
}
