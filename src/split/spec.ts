import { UsageError } from '../errors';
import { parseTimestamp } from '../data/csv';

/**
 * How samples are split, as JSON. All splits cut the TIME axis (the label start times of
 * the samples), so pooled multi-symbol samples share one set of split dates. Units of
 * `*Bars` are steps of that time axis (distinct sample times).
 *
 * - `chronological`: train / validation / test in time order, by `fractions` of the time
 *   axis (default [0.7, 0.15, 0.15]; a validation fraction of 0 gives no validation set) or
 *   by dates (`testStart`, optional `validationStart`, ISO; the dates win over fractions).
 * - `walk-forward`: `folds` (default 5) consecutive test windows of `testBars` steps
 *   (default: the axis divided into folds + 1 parts) at the end of the axis; before each,
 *   `validationBars` (default 0) of validation, and before that the training window:
 *   everything earlier (`mode: 'expanding'`, default) or the last `trainBars` steps
 *   (`sliding`; default the longest that fits the first fold).
 * - `purged-kfold` (Lopez de Prado, AFML 7.4): `folds` (default 5) contiguous test blocks;
 *   the training set is every other sample whose label span does not overlap the test
 *   block's span or fall in the embargo after it.
 *
 * Purging is always on: a training (or validation) sample whose label ends at or after the
 * start of a later segment is dropped. `embargoBars` (default 0): in forward splits it is a
 * gap, the last label of an earlier segment ends at least that many steps before the next
 * segment starts; in purged k-fold it drops training samples that start within that many
 * steps after the test block's last label end.
 */
export type SplitSpec =
  | {
      readonly kind: 'chronological';
      readonly fractions?: readonly [number, number, number];
      readonly validationStart?: string;
      readonly testStart?: string;
      readonly embargoBars?: number;
    }
  | {
      readonly kind: 'walk-forward';
      readonly mode?: 'expanding' | 'sliding';
      readonly folds?: number;
      readonly trainBars?: number;
      readonly testBars?: number;
      readonly validationBars?: number;
      readonly embargoBars?: number;
    }
  | { readonly kind: 'purged-kfold'; readonly folds?: number; readonly embargoBars?: number };

export type SplitKind = SplitSpec['kind'];
export const SPLIT_KINDS: readonly SplitKind[] = ['chronological', 'walk-forward', 'purged-kfold'];
export const DEFAULT_FRACTIONS: readonly [number, number, number] = [0.7, 0.15, 0.15];

/** Check a split spec read from JSON; throws a `UsageError` naming the bad field. */
export function parseSplitSpec(value: unknown, where = 'split'): SplitSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where} must be an object`);
  const o = value as Record<string, unknown>;
  const embargoBars = int(o, 'embargoBars', where, 0);
  switch (o.kind) {
    case 'chronological': {
      let fractions: [number, number, number] | undefined;
      if (o.fractions !== undefined) {
        const f = o.fractions;
        if (!Array.isArray(f) || f.length !== 3 || !f.every((x) => typeof x === 'number' && x >= 0) || (f as number[])[0] <= 0 || (f as number[])[2] <= 0) {
          throw new UsageError(`${where}.fractions must be [train, validation, test] with train > 0, validation >= 0, test > 0, got ${JSON.stringify(f)}`);
        }
        const sum = (f as number[]).reduce((a, b) => a + b, 0);
        if (Math.abs(sum - 1) > 1e-9) throw new UsageError(`${where}.fractions must sum to 1, got ${sum}`);
        fractions = f as [number, number, number];
      }
      const validationStart = date(o, 'validationStart', where);
      const testStart = date(o, 'testStart', where);
      if (validationStart !== undefined && testStart === undefined) throw new UsageError(`${where}.validationStart needs ${where}.testStart`);
      if (validationStart !== undefined && testStart !== undefined && parseTimestamp(validationStart) >= parseTimestamp(testStart)) {
        throw new UsageError(`${where}.validationStart (${validationStart}) must be before ${where}.testStart (${testStart})`);
      }
      return { kind: 'chronological', fractions, validationStart, testStart, embargoBars };
    }
    case 'walk-forward': {
      const mode = o.mode;
      if (mode !== undefined && mode !== 'expanding' && mode !== 'sliding') throw new UsageError(`${where}.mode must be "expanding" or "sliding", got ${JSON.stringify(mode)}`);
      return {
        kind: 'walk-forward',
        mode,
        folds: int(o, 'folds', where, 1),
        trainBars: int(o, 'trainBars', where, 1),
        testBars: int(o, 'testBars', where, 1),
        validationBars: int(o, 'validationBars', where, 0),
        embargoBars,
      };
    }
    case 'purged-kfold':
      return { kind: 'purged-kfold', folds: int(o, 'folds', where, 2), embargoBars };
    default:
      throw new UsageError(`${where}.kind must be one of ${SPLIT_KINDS.join(', ')}, got ${JSON.stringify(o.kind)}`);
  }
}

function int(o: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new UsageError(`${where}.${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function date(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || Number.isNaN(parseTimestamp(v))) throw new UsageError(`${where}.${key} must be an ISO date, got ${JSON.stringify(v)}`);
  return v;
}
