import type { Interval } from './bars';

const DAY = 86_400_000;
const MINUTE_INTERVALS: readonly [number, Interval][] = [
  [1, '1m'],
  [2, '2m'],
  [5, '5m'],
  [15, '15m'],
  [30, '30m'],
  [60, '1h'],
  [90, '90m'],
];

/**
 * Guess the bar interval from timestamps: daily when every bar starts at UTC
 * midnight and bars are at most a few days apart, weekly/monthly for wider
 * gaps, otherwise the most common gap within a session rounded to Yahoo's intervals.
 */
export function inferInterval(timestamps: ArrayLike<number>): Interval {
  // Typed and sorted natively: a file of millions of bars costs a pass and a numeric sort.
  const all = new Float64Array(Math.max(timestamps.length - 1, 0));
  let count = 0;
  for (let i = 1; i < timestamps.length; i++) {
    const g = timestamps[i] - timestamps[i - 1];
    if (g > 0) all[count++] = g;
  }
  if (count === 0) return '1d';
  const gaps = all.subarray(0, count).sort();
  const median = gaps[Math.floor(count / 2)];
  let allMidnight = true;
  for (let i = 0; i < timestamps.length && allMidnight; i++) allMidnight = !Number.isFinite(timestamps[i]) || timestamps[i] % DAY === 0;
  if (allMidnight || median >= DAY) {
    if (median >= 80 * DAY) return '3mo';
    if (median >= 27 * DAY) return '1mo';
    if (median >= 7 * DAY) return '1wk';
    return '1d';
  }
  const minutes = gaps[0] / 60_000;
  let best = MINUTE_INTERVALS[0];
  for (const cand of MINUTE_INTERVALS) if (Math.abs(cand[0] - minutes) < Math.abs(best[0] - minutes)) best = cand;
  return best[1];
}
