import { type Schema, num, obj, oneOf, opt } from '../config/schema';
import type { EdgeMode } from './verdict';

/**
 * Thresholds a model must meet before anyone trades it.
 *
 * In `relative` mode (the default) accuracy and return are measured against what costs
 * nothing: accuracy above the majority rate of the test rows (the accuracy of always calling
 * the direction that turned out more common; a model fitted on training data cannot know it
 * in advance, so it is the stricter bar, and a constant forecast never clears it), and the
 * backtest's return above buy-and-hold's over the same bars. In `absolute` mode (the seeds'
 * rule) accuracy is compared with a fixed level, so on a drifting market "always up" passes.
 */
export interface GateThresholds {
  /** Default `relative`. */
  readonly mode?: EdgeMode;
  /** `absolute` mode: minimum directional accuracy, as a fraction. Default 0.55. */
  readonly minDirectionalAccuracy?: number;
  /**
   * `relative` mode: minimum directional accuracy above the majority rate, as a fraction.
   * Default 0.05: the seeds' 55% was 5 points above a coin; here the 5 points are above
   * the majority rate.
   */
  readonly minExcessAccuracy?: number;
  /** `relative` mode: the strategy's return must exceed buy-and-hold's by more than this many percentage points. Default 0. */
  readonly minExcessReturnPct?: number;
  /** Minimum backtest profit factor. Default 1.5. */
  readonly minProfitFactor?: number;
  /** Maximum drawdown depth in percent (20 = a 20% fall from peak). Default 20. */
  readonly maxDrawdownPct?: number;
}

export const DEFAULT_GATE: Required<GateThresholds> = {
  mode: 'relative',
  minDirectionalAccuracy: 0.55,
  minExcessAccuracy: 0.05,
  minExcessReturnPct: 0,
  minProfitFactor: 1.5,
  maxDrawdownPct: 20,
};

const RELATIVE_ONLY: readonly string[] = ['minExcessAccuracy', 'minExcessReturnPct'];
const ABSOLUTE_ONLY: readonly string[] = ['minDirectionalAccuracy'];

/**
 * The gate settings as a strict schema: unknown keys, wrong types, and a threshold that the
 * mode would ignore (`minDirectionalAccuracy` without `mode: "absolute"`), which would otherwise
 * be dropped without a word, are errors naming the key.
 */
export const gateSchema: Schema<GateThresholds> = obj(
  {
    mode: opt(oneOf(['relative', 'absolute'] as const, 'relative (default): against the majority rate and buy-and-hold; absolute: the seeds\' fixed levels.')),
    minDirectionalAccuracy: opt(num({ min: 0, max: 1, doc: 'absolute mode: minimum directional accuracy, as a fraction. Default 0.55.' })),
    minExcessAccuracy: opt(num({ min: -1, max: 1, doc: 'relative mode: minimum accuracy above the majority rate, as a fraction. Default 0.05.' })),
    minExcessReturnPct: opt(num({ min: -1e6, max: 1e6, doc: 'relative mode: return above buy-and-hold, in percentage points. Default 0.' })),
    minProfitFactor: opt(num({ min: 0, doc: 'Minimum backtest profit factor. Default 1.5.' })),
    maxDrawdownPct: opt(num({ min: 0, max: 100, doc: 'Maximum drawdown in percent. Default 20.' })),
  },
  {
    doc: 'Thresholds a model must meet before anyone trades it.',
    check: (g) => {
      const mode = g.mode ?? DEFAULT_GATE.mode;
      const foreign = (mode === 'relative' ? ABSOLUTE_ONLY : RELATIVE_ONLY).find((k) => (g as Record<string, unknown>)[k] !== undefined);
      if (!foreign) return undefined;
      return {
        field: foreign,
        problem:
          mode === 'relative'
            ? 'applies to the absolute gate; set mode to "absolute" to use it, or use minExcessAccuracy (accuracy above the majority rate) with the default relative gate'
            : 'applies to the relative gate, but mode is "absolute"',
      };
    },
  },
) as Schema<GateThresholds>;

/** Check gate thresholds (e.g. an experiment config's `gate`); errors name the key. */
export function parseGateThresholds(value: unknown, where = 'gate'): GateThresholds {
  return gateSchema.parse(value, where);
}

export interface GateInput {
  /** Fraction, e.g. `directionalAccuracy(...).accuracy`. */
  readonly directionalAccuracy: number;
  /** `relative` mode: the majority rate of the same scored rows (`directionalAccuracy(...).majorityRate`). */
  readonly majorityRate?: number;
  /** `relative` mode: the backtest's `Return [%]`. */
  readonly returnPct?: number;
  /** `relative` mode: the backtest's `Buy & Hold Return [%]` over the same bars. */
  readonly buyHoldReturnPct?: number;
  /** The backtest's `Profit Factor`. */
  readonly profitFactor: number;
  /** The backtest's `Max. Drawdown [%]`; its magnitude is used, so backtesting.py's negative figure works as is. */
  readonly maxDrawdownPct: number;
}

export interface GateCriterion {
  readonly name: string;
  readonly value: number;
  readonly threshold: number;
  readonly rule: '>=' | '>' | '<=';
  /** False also when the value is missing (NaN): an unmeasured criterion does not pass. */
  readonly pass: boolean;
}

export interface GateResult {
  readonly mode: EdgeMode;
  readonly pass: boolean;
  readonly criteria: readonly GateCriterion[];
}

/**
 * Deployment gate: pass/fail per criterion, and overall pass only when every criterion passes.
 * Criteria, in order: `relative` mode: accuracy over majority rate, return over buy-and-hold,
 * profit factor, max drawdown; `absolute` mode: directional accuracy, profit factor, max drawdown.
 * A `relative` input without `majorityRate` or the returns fails those criteria (value NaN).
 */
export function deploymentGate(input: GateInput, thresholds: GateThresholds = {}): GateResult {
  const t = { ...DEFAULT_GATE, ...parseGateThresholds(thresholds) };
  const criterion = (name: string, value: number, rule: GateCriterion['rule'], threshold: number): GateCriterion => ({
    name,
    value,
    threshold,
    rule,
    pass: rule === '>=' ? value >= threshold : rule === '>' ? value > threshold : value <= threshold,
  });
  const missing = (v: number | undefined) => v ?? Number.NaN;
  const edge =
    t.mode === 'relative'
      ? [
          criterion('directional accuracy over majority rate', input.directionalAccuracy - missing(input.majorityRate), '>=', t.minExcessAccuracy),
          criterion('return over buy-and-hold [%]', missing(input.returnPct) - missing(input.buyHoldReturnPct), '>', t.minExcessReturnPct),
        ]
      : [criterion('directional accuracy', input.directionalAccuracy, '>=', t.minDirectionalAccuracy)];
  const criteria = [
    ...edge,
    criterion('profit factor', input.profitFactor, '>=', t.minProfitFactor),
    criterion('max drawdown [%]', Math.abs(input.maxDrawdownPct), '<=', t.maxDrawdownPct),
  ];
  return { mode: t.mode, pass: criteria.every((c) => c.pass), criteria };
}
