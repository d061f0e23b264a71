import type { DirectionalAccuracy } from './direction';
import { type DieboldMarianoResult, deflatedSharpe, directionalTests } from './significance';

export interface VerdictInput {
  /** Directional accuracy of the forecasts: tested (binomial, one-sided) against the majority-class rate. */
  readonly directional?: DirectionalAccuracy;
  /** The strategy's per-bar returns: tested with the deflated Sharpe ratio. */
  readonly returns?: ArrayLike<number>;
  /** Diebold-Mariano result against a baseline (one-sided: model better). */
  readonly dieboldMariano?: DieboldMarianoResult;
  /** Configurations tried before this one was chosen. Default 1. */
  readonly trials?: number;
  /** Family-wise significance level. Default 0.05. */
  readonly alpha?: number;
}

export interface VerdictTest {
  readonly name: string;
  /** The test's own p-value. */
  readonly pValue: number;
  /** Adjusted for the trials (Šidák 1-(1-p)^N; the DSR deflates itself) and then across tests (Holm). */
  readonly adjustedPValue: number;
  readonly significant: boolean;
  /** One line with the numbers behind the test. */
  readonly detail: string;
}

export interface Verdict {
  /** True when at least one test shows an edge after all adjustments. */
  readonly edge: boolean;
  /** A plain statement: starts with "no significant edge" or "significant edge". */
  readonly statement: string;
  readonly alpha: number;
  readonly trials: number;
  readonly tests: readonly VerdictTest[];
}

/**
 * A plain verdict on whether forecasts carry a real edge. Each available test's p-value is
 * adjusted for the number of configurations tried (Šidák for the binomial and Diebold-Mariano
 * tests; the deflated Sharpe ratio builds it in), then Holm's step-down procedure controls the
 * family-wise error across the tests, so on edgeless forecasts "significant edge" fires with
 * probability at most `alpha`.
 */
export function verdict(input: VerdictInput): Verdict {
  const alpha = input.alpha ?? 0.05;
  const trials = input.trials ?? 1;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`verdict: alpha must be in (0, 1), got ${alpha}`);
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`verdict: trials must be a positive integer, got ${trials}`);
  const sidak = (p: number) => 1 - Math.pow(1 - p, trials);
  const raw: { name: string; pValue: number; trialAdjusted: number; detail: string }[] = [];
  if (input.directional && input.directional.n > 0) {
    const d = input.directional;
    const t = directionalTests(d).vsMajority;
    raw.push({
      name: 'directional accuracy vs majority rate',
      pValue: t.pValue,
      trialAdjusted: sidak(t.pValue),
      detail: `accuracy ${pct(d.accuracy)} vs majority ${pct(d.majorityRate)} over ${d.n} bars`,
    });
  }
  if (input.returns && input.returns.length >= 3) {
    const s = deflatedSharpe(input.returns, { trials });
    raw.push({
      name: 'deflated Sharpe ratio',
      pValue: s.pValue,
      trialAdjusted: s.pValue,
      detail: `per-bar Sharpe ${s.sharpe.toFixed(4)} vs ${s.benchmark.toFixed(4)} expected from luck, DSR ${s.probability.toFixed(3)}`,
    });
  }
  if (input.dieboldMariano) {
    const dm = input.dieboldMariano;
    raw.push({
      name: 'Diebold-Mariano vs baseline',
      pValue: dm.pValue,
      trialAdjusted: sidak(dm.pValue),
      detail: `mean ${dm.loss} loss difference ${dm.meanLossDifferential.toExponential(3)}, statistic ${dm.statistic.toFixed(3)}`,
    });
  }
  const adjusted = holm(raw.map((r) => (Number.isNaN(r.trialAdjusted) ? 1 : r.trialAdjusted)));
  const tests = raw.map((r, k) => ({ name: r.name, pValue: r.pValue, adjustedPValue: adjusted[k], significant: adjusted[k] <= alpha, detail: r.detail }));
  const edge = tests.some((t) => t.significant);
  const context = `at the ${alpha * 100}% level, ${trials} configuration(s) tried`;
  const describe = (t: VerdictTest) => `${t.name}: ${t.detail}, adjusted p = ${formatPValue(t.adjustedPValue)}`;
  let statement: string;
  if (tests.length === 0) statement = 'no significant edge: nothing to test (no forecasts or returns given)';
  else if (!edge) statement = `no significant edge ${context}. ${tests.map(describe).join('; ')}`;
  else {
    const sig = tests.filter((t) => t.significant);
    const not = tests.filter((t) => !t.significant);
    statement = `significant edge ${context}: ${sig.map(describe).join('; ')}` + (not.length > 0 ? `. Not significant: ${not.map(describe).join('; ')}` : '');
  }
  return { edge, statement, alpha, trials, tests };
}

/** Holm-Bonferroni adjusted p-values (monotone, capped at 1), in input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** A p-value for people: 4 decimals, or scientific notation below 1e-4. */
export function formatPValue(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}
