import { type DirectionalAccuracy, directionalAccuracy } from './direction';
import { type DieboldMarianoResult, binomialTest, deflatedSharpe, directionalHacTest } from './significance';

/**
 * What an edge is measured against.
 * - `relative` (default): against what costs nothing. Directional accuracy is tested against
 *   the majority rate of the scored (test) rows, i.e. the accuracy of always calling the more
 *   common direction in hindsight; returns are tested in excess of buy-and-hold. A forecast
 *   that rides the market's drift (majority, buy-and-hold, a model that learned "always up")
 *   can therefore never show an edge: its accuracy is at most the majority rate and its
 *   returns are at most buy-and-hold's.
 * - `absolute`: the seeds' rule, against a coin (50%) and a Sharpe ratio of 0, so drift counts
 *   as edge. Kept for comparing with older runs.
 */
export type EdgeMode = 'relative' | 'absolute';

/** Per-row forecasts for the serial-dependence-aware accuracy test. */
export interface ForecastSeries {
  /** Signed forecast per row (predicted return, P(UP) - P(DOWN), ...): its sign is the call. */
  readonly predicted: ArrayLike<number>;
  /** Realised label return per row; rows with 0 or NaN are not scored. */
  readonly realised: ArrayLike<number>;
  /** Symbol per row when pooled across symbols; rows must be in time order within each symbol. */
  readonly groups?: ArrayLike<string | number>;
}

export interface VerdictInput {
  /** Directional accuracy counts. Enough for one-bar labels; ignored when `forecasts` is given. */
  readonly directional?: DirectionalAccuracy;
  /** The forecasts behind the accuracy. Required when `horizonBars` > 1. */
  readonly forecasts?: ForecastSeries;
  /**
   * Bars each label spans (the label's `horizonBars`). Default 1: hits are independent and the
   * exact binomial test applies. Above 1, consecutive labels overlap, hits are serially
   * dependent, and accuracy is tested on the hit series with `directionalHacTest`.
   */
  readonly horizonBars?: number;
  /** The strategy's per-bar returns: tested with the deflated Sharpe ratio. */
  readonly returns?: ArrayLike<number>;
  /** Buy-and-hold per-bar returns aligned with `returns`; in `relative` mode the excess `returns - buyHoldReturns` is tested. */
  readonly buyHoldReturns?: ArrayLike<number>;
  /** Diebold-Mariano result against a baseline (one-sided: model better); its horizon must equal `horizonBars`. */
  readonly dieboldMariano?: DieboldMarianoResult;
  /** Configurations tried before this one was chosen. Default 1. */
  readonly trials?: number;
  /** Family-wise significance level. Default 0.05. */
  readonly alpha?: number;
  /** Default `relative`. */
  readonly mode?: EdgeMode;
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
  readonly mode: EdgeMode;
  readonly horizonBars: number;
  readonly tests: readonly VerdictTest[];
}

/**
 * A plain verdict on whether forecasts carry a real edge. Each available test's p-value is
 * adjusted for the number of configurations tried (Šidák for the accuracy and Diebold-Mariano
 * tests; the deflated Sharpe ratio builds it in), then Holm's step-down procedure controls the
 * family-wise error across the tests, so on edgeless forecasts "significant edge" fires with
 * probability at most `alpha`, for overlapping labels too (test/evaluate-significance.test.ts
 * measures it on random walks).
 */
export function verdict(input: VerdictInput): Verdict {
  const alpha = input.alpha ?? 0.05;
  const trials = input.trials ?? 1;
  const h = input.horizonBars ?? 1;
  const mode = input.mode ?? 'relative';
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`verdict: alpha must be in (0, 1), got ${alpha}`);
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`verdict: trials must be a positive integer, got ${trials}`);
  if (!(Number.isInteger(h) && h >= 1)) throw new RangeError(`verdict: horizonBars must be a positive integer, got ${h}`);
  if (mode !== 'relative' && mode !== 'absolute') throw new RangeError(`verdict: mode must be "relative" or "absolute", got ${JSON.stringify(mode)}`);
  const sidak = (p: number) => 1 - Math.pow(1 - p, trials);
  const raw: { name: string; pValue: number; trialAdjusted: number; detail: string }[] = [];

  const f = input.forecasts;
  const d = f ? directionalAccuracy(f.predicted, f.realised) : input.directional;
  if (h > 1 && d && !f) throw new RangeError(`verdict: ${h}-bar labels overlap, so the accuracy test needs the per-row forecasts (input.forecasts), not only the counts`);
  if (d && d.n > 0) {
    const p0 = mode === 'relative' ? d.majorityRate : 0.5;
    const against = mode === 'relative' ? `majority ${pct(d.majorityRate)}` : 'a coin (50%)';
    const name = `directional accuracy vs ${mode === 'relative' ? 'majority rate' : 'coin'}`;
    if (h === 1) {
      // A one-sided sample has majority rate 1, which no forecast can beat; cap just below so the test stays defined.
      const t = binomialTest(d.hits, d.n, Math.min(p0, 1 - 1e-12));
      raw.push({ name, pValue: t.pValue, trialAdjusted: sidak(t.pValue), detail: `accuracy ${pct(d.accuracy)} vs ${against} over ${d.n} bars (exact binomial)` });
    } else {
      const t = directionalHacTest(f!.predicted, f!.realised, { horizonBars: h, p0, groups: f!.groups });
      raw.push({
        name,
        pValue: t.pValue,
        trialAdjusted: sidak(t.pValue),
        detail: `accuracy ${pct(d.accuracy)} vs ${against} over ${d.n} bars (${h}-bar labels overlap: HAC t-test, ${t.kernelUsed} kernel, lags ${h - 1}, standard error ${pct(t.standardError)})`,
      });
    }
  }
  if (input.returns && input.returns.length >= 3) {
    const b = input.buyHoldReturns;
    if (b && b.length !== input.returns.length) throw new RangeError(`verdict: ${b.length} buy-and-hold returns for ${input.returns.length} strategy returns`);
    const excess = mode === 'relative' && b !== undefined;
    const series = excess ? Float64Array.from(input.returns, (r, i) => r - b[i]) : input.returns;
    const s = deflatedSharpe(series, { trials });
    const what = excess ? 'excess over buy-and-hold' : mode === 'relative' ? 'raw, no buy-and-hold returns given, so drift counts' : 'raw';
    raw.push({
      name: excess ? 'deflated Sharpe ratio of excess returns' : 'deflated Sharpe ratio',
      pValue: s.pValue,
      trialAdjusted: s.pValue,
      detail: `per-bar Sharpe (${what}) ${Number.isNaN(s.sharpe) ? 'undefined (constant series)' : s.sharpe.toFixed(4)} vs ${s.benchmark.toFixed(4)} expected from luck, DSR ${s.probability.toFixed(3)}`,
    });
  }
  if (input.dieboldMariano) {
    const dm = input.dieboldMariano;
    if (dm.horizon !== h) throw new RangeError(`verdict: Diebold-Mariano was computed with horizon ${dm.horizon} but the labels span ${h} bars; pass { horizon: ${h} } to dieboldMariano`);
    raw.push({
      name: 'Diebold-Mariano vs baseline',
      pValue: dm.pValue,
      trialAdjusted: sidak(dm.pValue),
      detail: `mean ${dm.loss} loss difference ${dm.meanLossDifferential.toExponential(3)}, statistic ${dm.statistic.toFixed(3)}, horizon ${dm.horizon}`,
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
  return { edge, statement, alpha, trials, mode, horizonBars: h, tests };
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
