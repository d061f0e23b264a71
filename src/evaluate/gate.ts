/** Thresholds a model must meet before anyone trades it. */
export interface GateThresholds {
  /** Minimum directional accuracy, as a fraction. Default 0.55. */
  readonly minDirectionalAccuracy?: number;
  /** Minimum backtest profit factor. Default 1.5. */
  readonly minProfitFactor?: number;
  /** Maximum drawdown depth in percent (20 = a 20% fall from peak). Default 20. */
  readonly maxDrawdownPct?: number;
}

export const DEFAULT_GATE: Required<GateThresholds> = { minDirectionalAccuracy: 0.55, minProfitFactor: 1.5, maxDrawdownPct: 20 };

export interface GateInput {
  /** Fraction, e.g. `directionalAccuracy(...).accuracy`. */
  readonly directionalAccuracy: number;
  /** The backtest's `Profit Factor`. */
  readonly profitFactor: number;
  /** The backtest's `Max. Drawdown [%]`; its magnitude is used, so backtesting.py's negative figure works as is. */
  readonly maxDrawdownPct: number;
}

export interface GateCriterion {
  readonly name: string;
  readonly value: number;
  readonly threshold: number;
  readonly rule: '>=' | '<=';
  /** False also when the value is missing (NaN): an unmeasured criterion does not pass. */
  readonly pass: boolean;
}

export interface GateResult {
  readonly pass: boolean;
  readonly criteria: readonly GateCriterion[];
}

/** Deployment gate: pass/fail per criterion, and overall pass only when every criterion passes. */
export function deploymentGate(input: GateInput, thresholds: GateThresholds = {}): GateResult {
  const t = { ...DEFAULT_GATE, ...thresholds };
  const criterion = (name: string, value: number, rule: '>=' | '<=', threshold: number): GateCriterion => ({
    name,
    value,
    threshold,
    rule,
    pass: rule === '>=' ? value >= threshold : value <= threshold,
  });
  const criteria = [
    criterion('directional accuracy', input.directionalAccuracy, '>=', t.minDirectionalAccuracy),
    criterion('profit factor', input.profitFactor, '>=', t.minProfitFactor),
    criterion('max drawdown [%]', Math.abs(input.maxDrawdownPct), '<=', t.maxDrawdownPct),
  ];
  return { pass: criteria.every((c) => c.pass), criteria };
}
