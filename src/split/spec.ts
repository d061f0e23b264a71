import { type Schema, arr, int, literal, num, obj, oneOf, opt, req, str, tagged } from '../config/schema';
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

const steps = (min: number, doc: string) => int({ min, doc });
const isoDate = (doc: string) => str({ check: (v) => (Number.isNaN(parseTimestamp(v)) ? `expected an ISO date, got the string ${JSON.stringify(v)}` : undefined), doc });
const embargo = steps(0, 'Gap in time-axis steps after each label end (default 0).');

/** The split spec as a strict schema. */
export const splitSchema: Schema<SplitSpec> = tagged<SplitSpec>(
  'kind',
  {
    chronological: obj(
      {
        kind: req(literal('chronological')),
        fractions: opt(arr(num({ min: 0, max: 1 }), { minItems: 3, maxItems: 3, doc: '[train, validation, test] fractions of the time axis; sum 1. Default [0.7, 0.15, 0.15].' })),
        validationStart: opt(isoDate('First validation date; needs testStart.')),
        testStart: opt(isoDate('First test date (wins over fractions).')),
        embargoBars: opt(embargo),
      },
      {
        check: (o) => {
          const f = o.fractions;
          if (f && (f[0] <= 0 || f[2] <= 0)) return { field: 'fractions', problem: `train and test fractions must be > 0, got ${JSON.stringify(f)}` };
          if (f && Math.abs(f[0] + f[1] + f[2] - 1) > 1e-9) return { field: 'fractions', problem: `must sum to 1, got ${f[0] + f[1] + f[2]}` };
          if (o.validationStart !== undefined && o.testStart === undefined) return { field: 'validationStart', problem: 'needs testStart' };
          if (o.validationStart !== undefined && o.testStart !== undefined && parseTimestamp(o.validationStart) >= parseTimestamp(o.testStart)) {
            return { field: 'validationStart', problem: `(${o.validationStart}) must be before testStart (${o.testStart})` };
          }
          return undefined;
        },
      },
    ),
    'walk-forward': obj({
      kind: req(literal('walk-forward')),
      mode: opt(oneOf(['expanding', 'sliding'] as const, 'Training window: everything earlier (expanding, default) or the last trainBars steps.')),
      folds: opt(steps(1, 'Consecutive test windows (default 5).')),
      trainBars: opt(steps(1, 'Sliding training window length.')),
      testBars: opt(steps(1, 'Steps per test window (default: the axis divided into folds + 1 parts).')),
      validationBars: opt(steps(0, 'Validation steps before each test window (default 0).')),
      embargoBars: opt(embargo),
    }),
    'purged-kfold': obj({ kind: req(literal('purged-kfold')), folds: opt(steps(2, 'Contiguous test blocks (default 5).')), embargoBars: opt(embargo) }),
  },
  'How samples are split along the time axis.',
);

/** Check a split spec read from JSON; throws a `ConfigError` naming the bad field. */
export function parseSplitSpec(value: unknown, where = 'split'): SplitSpec {
  return splitSchema.parse(value, where);
}
