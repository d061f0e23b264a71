import { type Interval, formatTimestamp } from '../data/bars';
import { formatTable } from '../util/table';
import type { IndexRange, SegmentName, Split, SplitSegment } from './split';

/** One bar of a split timeline plot: a segment of a fold, from its first to its last sample time. */
export interface TimelineBar {
  readonly fold: number;
  readonly segment: SegmentName;
  /** Epoch ms of the first and last sample in the segment. */
  readonly startTime: number;
  readonly endTime: number;
  readonly count: number;
}

/** Data for a timeline plot of a split (one row per non-empty segment, folds in order). */
export function splitTimeline(split: Split): TimelineBar[] {
  const out: TimelineBar[] = [];
  for (const fold of split.folds) {
    for (const seg of segmentsOf(fold)) {
      if (seg.count > 0) out.push({ fold: fold.index, segment: seg.name, startTime: seg.firstTime, endTime: seg.lastTime, count: seg.count });
    }
  }
  return out;
}

/**
 * A text table of a split: per fold and segment, the first and last sample dates, the sample
 * count, the index ranges (the first few) and, on the train row, how many train and validation
 * samples purging and the embargo removed.
 */
export function describeSplit(split: Split, options: { readonly interval?: Interval; readonly maxRanges?: number } = {}): string {
  const interval = options.interval ?? '1d';
  const maxRanges = options.maxRanges ?? 3;
  const date = (ms: number) => (Number.isFinite(ms) ? formatTimestamp(ms, interval) : '-');
  const rows: (string | number)[][] = [];
  for (const fold of split.folds) {
    for (const seg of segmentsOf(fold)) {
      const dropped = seg.name === 'train' ? `${fold.purged}/${fold.embargoed}` : '';
      rows.push([fold.index, seg.name, date(seg.firstTime), date(seg.lastTime), seg.count, formatRanges(seg.ranges, maxRanges), dropped]);
    }
  }
  const title = `${split.spec.kind} split of ${split.samples} samples, ${split.folds.length} fold(s)`;
  return `${title}\n${formatTable(['fold', 'segment', 'first', 'last', 'samples', 'ranges', 'purged/embargoed'], rows)}`;
}

function segmentsOf(fold: Split['folds'][number]): SplitSegment[] {
  return fold.validation ? [fold.train, fold.validation, fold.test] : [fold.train, fold.test];
}

function formatRanges(ranges: readonly IndexRange[], max: number): string {
  const shown = ranges.slice(0, max).map((r) => `[${r.start},${r.end})`);
  if (ranges.length > max) shown.push(`+${ranges.length - max} more`);
  return shown.join(' ');
}
