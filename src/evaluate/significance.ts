/**
 * Is an apparent edge real? Tests that answer it honestly: exact binomial tests of
 * directional accuracy, HAC (autocorrelation-consistent) tests for overlapping labels,
 * Diebold-Mariano against a baseline's errors, block-bootstrap
 * confidence intervals that respect serial dependence, and the probabilistic and deflated
 * Sharpe ratios (Bailey & López de Prado 2012, 2014) that account for how many
 * configurations were tried.
 */
import { Rng } from '../util/random';
import type { DirectionalAccuracy } from './direction';
import { binomialUpperTail, normCdf, normQuantile, studentTCdf } from '../util/distributions';
import { mean, shapeMoments, sortedQuantile, variance } from './moments';
import { checkPaired } from './regression';

/** One-sided exact binomial test of H0: success rate <= p0 against H1: rate > p0. */
export interface BinomialTest {
  readonly successes: number;
  readonly n: number;
  readonly rate: number;
  readonly p0: number;
  /** P(X >= successes) for X ~ Binomial(n, p0), exact (regularized incomplete beta). */
  readonly pValue: number;
}

export function binomialTest(successes: number, n: number, p0 = 0.5): BinomialTest {
  if (!(Number.isInteger(successes) && Number.isInteger(n) && successes >= 0 && successes <= n)) {
    throw new RangeError(`binomialTest: need integers 0 <= successes <= n, got ${successes} of ${n}`);
  }
  if (!(p0 > 0 && p0 < 1)) throw new RangeError(`binomialTest: p0 must be in (0, 1), got ${p0}`);
  return { successes, n, rate: successes / n, p0, pValue: binomialUpperTail(successes, n, p0) };
}

/** Directional accuracy tested against a coin (50%) and against always calling the majority direction. */
export function directionalTests(d: DirectionalAccuracy): { vsHalf: BinomialTest; vsMajority: BinomialTest } {
  // A one-sided sample has majority rate 1, which no forecast can beat; cap just below so the test stays defined.
  const majority = Math.min(d.majorityRate, 1 - 1e-12);
  return { vsHalf: binomialTest(d.hits, d.n, 0.5), vsMajority: binomialTest(d.hits, d.n, majority) };
}

/**
 * Kernel weighting the autocovariances of a long-run variance estimate:
 * - `truncated`: weight 1 up to the lag limit (Diebold & Mariano 1995). Unbiased when the
 *   series is dependent over at most `lags` steps, as overlapping h-bar labels make hits and
 *   losses (dependence up to lag h-1). It can come out non-positive; then the Bartlett
 *   estimate is used instead.
 * - `bartlett`: weights 1 - k/(lags+1) (Newey & West 1987), never negative. With lags = h-1
 *   it shrinks exactly the autocovariances overlapping labels create, so it understates the
 *   variance: on random walks with h = 5 and a persistent forecast (sign of 20-bar momentum),
 *   a 5% test on the hit rate rejected 7.6% of 2000 seeds with Bartlett against 4.7% with the
 *   truncated kernel, and the binomial 17.6% (`make_reference.py --size` in test/fixtures/significance).
 */
export type HacKernel = 'truncated' | 'bartlett';

export interface HacOptions {
  /**
   * Span of each observation's outcome in bars (the label horizon h). Autocovariances up to
   * lag h-1 enter the variance, and the Harvey-Leybourne-Newbold factor corrects the
   * statistic for h. Default 1 (no serial dependence assumed).
   */
  readonly horizon?: number;
  /** Default `truncated`. */
  readonly kernel?: HacKernel;
  /**
   * Group (e.g. symbol) of each observation, for series pooled across symbols: autocovariances
   * pair only observations of the same group, in their order of appearance, which must be
   * time order within a group. Groups are treated as independent of one another.
   */
  readonly groups?: ArrayLike<string | number>;
}

/** One-sided test of H0: E[x] <= mu0 against H1: E[x] > mu0 on a serially dependent series. */
export interface HacMeanTest {
  readonly n: number;
  readonly horizon: number;
  readonly kernel: HacKernel;
  /** The kernel actually used: `bartlett` when the truncated estimate was not positive. */
  readonly kernelUsed: HacKernel;
  readonly mean: number;
  readonly mu0: number;
  /** sqrt(long-run variance / n): the standard error of the mean under serial dependence. */
  readonly standardError: number;
  /** (mean - mu0) / standardError times the Harvey-Leybourne-Newbold factor, referred to t(n-1). */
  readonly statistic: number;
  /** P(t(n-1) >= statistic); NaN when the series is constant. */
  readonly pValue: number;
  readonly pValueTwoSided: number;
}

/**
 * Heteroskedasticity- and autocorrelation-consistent test of a series' mean, as the
 * Diebold-Mariano test computes it: long-run variance S = γ₀ + 2 Σ_{k=1}^{h-1} wₖ γₖ with
 * autocovariances γₖ = (1/n) Σ (x_t - x̄)(x_{t-k} - x̄) (within groups), statistic
 * (x̄ - μ₀)/sqrt(S/n) · sqrt((n + 1 - 2h + h(h-1)/n) / n) referred to Student t(n-1)
 * (Harvey, Leybourne & Newbold 1997). With h = 1 it is a t-test of the mean.
 */
export function hacMeanTest(x: ArrayLike<number>, mu0: number, options: HacOptions = {}): HacMeanTest {
  const n = x.length;
  const h = options.horizon ?? 1;
  const kernel = options.kernel ?? 'truncated';
  if (!(Number.isInteger(h) && h >= 1 && h < n)) throw new RangeError(`hacMeanTest: horizon must be an integer in 1..${n - 1}, got ${h}`);
  if (kernel !== 'truncated' && kernel !== 'bartlett') throw new RangeError(`hacMeanTest: kernel must be "truncated" or "bartlett", got ${JSON.stringify(kernel)}`);
  if (options.groups && options.groups.length !== n) throw new RangeError(`hacMeanTest: ${options.groups.length} groups for ${n} observations`);
  for (let t = 0; t < n; t++) if (!Number.isFinite(x[t])) throw new RangeError(`hacMeanTest: observation ${t} is ${x[t]}; the series must be finite`);
  const m = mean(x);
  const gammas = autocovariances(x, m, h - 1, options.groups);
  const weighted = (w: (k: number) => number) => gammas[0] + 2 * gammas.slice(1).reduce((a, g, j) => a + w(j + 1) * g, 0);
  let kernelUsed: HacKernel = kernel;
  let longRun = kernel === 'truncated' ? weighted(() => 1) : Number.NaN;
  if (!(longRun > 0)) {
    kernelUsed = 'bartlett';
    longRun = weighted((k) => 1 - k / h);
  }
  const standardError = Math.sqrt(longRun / n);
  // A constant series (every forecast right, say) has no variance to test against: no evidence either way.
  const statistic = longRun > 0 ? ((m - mu0) / standardError) * Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n) : Number.NaN;
  const lower = studentTCdf(statistic, n - 1);
  return {
    n,
    horizon: h,
    kernel,
    kernelUsed,
    mean: m,
    mu0,
    standardError,
    statistic,
    pValue: studentTCdf(-statistic, n - 1),
    pValueTwoSided: Number.isNaN(lower) ? Number.NaN : Math.min(1, 2 * Math.min(lower, 1 - lower)),
  };
}

/** γ₀..γ_maxLag around `m`, pairing only same-group observations (all, without groups), divided by n. */
function autocovariances(x: ArrayLike<number>, m: number, maxLag: number, groups?: ArrayLike<string | number>): number[] {
  const n = x.length;
  const members: number[][] = [];
  if (groups) {
    const byGroup = new Map<string | number, number[]>();
    for (let t = 0; t < n; t++) {
      const g = byGroup.get(groups[t]);
      if (g) g.push(t);
      else byGroup.set(groups[t], [t]);
    }
    members.push(...byGroup.values());
  } else members.push(Array.from({ length: n }, (_, t) => t));
  return Array.from({ length: maxLag + 1 }, (_, k) => {
    let s = 0;
    for (const rows of members) for (let j = k; j < rows.length; j++) s += (x[rows[j]] - m) * (x[rows[j - k]] - m);
    return s / n;
  });
}

/** Per scored row (realised return non-zero and not NaN): 1 when the forecast's sign matches, else 0, as `directionalAccuracy` counts. */
export function hitSeries(predicted: ArrayLike<number>, realised: ArrayLike<number>, groups?: ArrayLike<string | number>): { hits: Float64Array; groups?: (string | number)[] } {
  checkPaired(predicted, realised);
  if (groups && groups.length !== realised.length) throw new RangeError(`hitSeries: ${groups.length} groups for ${realised.length} forecasts`);
  const hits: number[] = [];
  const kept: (string | number)[] = [];
  for (let i = 0; i < realised.length; i++) {
    const r = realised[i];
    if (r === 0 || Number.isNaN(r)) continue;
    const p = predicted[i];
    hits.push(p !== 0 && p > 0 === r > 0 ? 1 : 0);
    if (groups) kept.push(groups[i]);
  }
  return { hits: Float64Array.from(hits), ...(groups ? { groups: kept } : {}) };
}

export interface DirectionalHacOptions {
  /** Label horizon in bars: overlapping labels make hits dependent up to lag h-1. */
  readonly horizonBars: number;
  /** Hit rate under H0. Default: the majority rate of the scored rows (the accuracy of always calling the more common direction). */
  readonly p0?: number;
  readonly kernel?: HacKernel;
  /** Symbol of each forecast, when pooled across symbols (see `HacOptions.groups`). */
  readonly groups?: ArrayLike<string | number>;
}

/**
 * Directional accuracy tested for overlapping labels: the hit series' mean against `p0` with
 * `hacMeanTest` (lags h-1, HLN correction). The binomial test assumes independent hits; with
 * h-bar labels on consecutive bars, neighbouring hits share h-1 bars of outcome.
 */
export function directionalHacTest(predicted: ArrayLike<number>, realised: ArrayLike<number>, options: DirectionalHacOptions): HacMeanTest & { readonly hits: number } {
  const { hits, groups } = hitSeries(predicted, realised, options.groups);
  let p0 = options.p0;
  if (p0 === undefined) {
    let up = 0;
    for (const r of Array.from(realised)) if (r > 0) up++;
    p0 = Math.max(up / hits.length, 1 - up / hits.length);
  }
  if (!(p0 > 0 && p0 <= 1)) throw new RangeError(`directionalHacTest: p0 must be in (0, 1], got ${p0}`);
  const test = hacMeanTest(hits, p0, { horizon: options.horizonBars, kernel: options.kernel, groups });
  return { ...test, hits: hits.reduce((a, v) => a + v, 0) };
}

export interface DieboldMarianoOptions {
  /** Forecast horizon h in bars (the label horizon); autocovariances up to lag h-1 enter the variance. Default 1. */
  readonly horizon?: number;
  /** Loss applied to each error. Default `squared`. */
  readonly loss?: 'squared' | 'absolute';
  /** See `HacOptions.groups`. */
  readonly groups?: ArrayLike<string | number>;
}

export interface DieboldMarianoResult {
  readonly n: number;
  readonly horizon: number;
  readonly loss: 'squared' | 'absolute';
  /** Mean of d_t = L(model error_t) - L(baseline error_t); negative means the model's losses are smaller. */
  readonly meanLossDifferential: number;
  /** Harvey-Leybourne-Newbold corrected statistic DM·sqrt((n + 1 - 2h + h(h-1)/n) / n), referred to t(n-1). */
  readonly statistic: number;
  /** One-sided p-value for "the model is more accurate than the baseline": P(t(n-1) <= statistic). */
  readonly pValue: number;
  readonly pValueTwoSided: number;
}

/**
 * Diebold-Mariano (1995) test of equal predictive accuracy with the Harvey, Leybourne and
 * Newbold (1997) small-sample correction: `hacMeanTest` of the loss differential
 * d_t = L(model error_t) - L(baseline error_t) against 0 with the truncated kernel at lag h-1.
 */
export function dieboldMariano(modelErrors: ArrayLike<number>, baselineErrors: ArrayLike<number>, options: DieboldMarianoOptions = {}): DieboldMarianoResult {
  checkPaired(modelErrors, baselineErrors);
  const loss = options.loss ?? 'squared';
  const n = modelErrors.length;
  const L = loss === 'squared' ? (e: number) => e * e : Math.abs;
  const d = Float64Array.from({ length: n }, (_, t) => L(modelErrors[t]) - L(baselineErrors[t]));
  const t = hacMeanTest(d, 0, { horizon: options.horizon, groups: options.groups });
  // The model is better when its losses are smaller: the lower tail of the same statistic.
  return { n, horizon: t.horizon, loss, meanLossDifferential: t.mean, statistic: t.statistic, pValue: studentTCdf(t.statistic, n - 1), pValueTwoSided: t.pValueTwoSided };
}

export interface BootstrapOptions {
  /** Resamples drawn. Default 2000. */
  readonly resamples?: number;
  /** Two-sided confidence level. Default 0.95. */
  readonly level?: number;
  /** Mean (stationary) or fixed (circular) block length in bars. Default ceil(n^(1/3)). */
  readonly blockLength?: number;
  /** `stationary` (Politis-Romano: geometric block lengths) or `circular` (fixed blocks, wrapping). Default `stationary`. */
  readonly scheme?: 'stationary' | 'circular';
  /** Default 0. */
  readonly seed?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the original sample. */
  readonly estimate: number;
  /** Percentile interval of the resampled statistics (linear interpolation, as `numpy.quantile`). */
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  /** Resamples whose statistic was finite and so entered the interval. */
  readonly resamples: number;
  readonly blockLength: number;
  readonly scheme: 'stationary' | 'circular';
}

/**
 * Block bootstrap of any statistic of a series of length n: `statistic` receives the row
 * indices of one resample (the original order for the estimate). Blocks of consecutive rows
 * keep the serial dependence that an i.i.d. bootstrap would destroy.
 */
export function blockBootstrap(n: number, statistic: (rows: Int32Array) => number, options: BootstrapOptions = {}): ConfidenceInterval {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const blockLength = options.blockLength ?? Math.ceil(Math.cbrt(n));
  const scheme = options.scheme ?? 'stationary';
  if (!(n >= 2)) throw new RangeError(`blockBootstrap: need at least 2 rows, got ${n}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`blockBootstrap: level must be in (0, 1), got ${level}`);
  if (!(blockLength >= 1)) throw new RangeError(`blockBootstrap: blockLength must be >= 1, got ${blockLength}`);
  const rng = new Rng(options.seed ?? 0);
  const rows = new Int32Array(n);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    if (scheme === 'stationary') {
      let i = rng.int(n);
      for (let t = 0; t < n; t++) {
        rows[t] = i;
        i = rng.uniform() < 1 / blockLength ? rng.int(n) : (i + 1) % n;
      }
    } else {
      for (let t = 0; t < n; ) {
        const start = rng.int(n);
        for (let k = 0; k < blockLength && t < n; k++) rows[t++] = (start + k) % n;
      }
    }
    const v = statistic(rows);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  return {
    estimate: statistic(identity),
    lower: sortedQuantile(values, (1 - level) / 2),
    upper: sortedQuantile(values, 1 - (1 - level) / 2),
    level,
    resamples: values.length,
    blockLength,
    scheme,
  };
}

/** Block-bootstrap interval for accuracy, from per-row hits (1 hit, 0 miss). */
export function bootstrapAccuracy(hits: ArrayLike<number>, options: BootstrapOptions = {}): ConfidenceInterval {
  return blockBootstrap(hits.length, (rows) => {
    let s = 0;
    for (let i = 0; i < rows.length; i++) s += hits[rows[i]];
    return s / rows.length;
  }, options);
}

/** Block-bootstrap interval for the per-bar Sharpe ratio (see `sharpeRatio`) of a return series. */
export function bootstrapSharpe(returns: ArrayLike<number>, options: BootstrapOptions = {}): ConfidenceInterval {
  const sample = new Float64Array(returns.length);
  return blockBootstrap(returns.length, (rows) => {
    for (let i = 0; i < rows.length; i++) sample[i] = returns[rows[i]];
    return sharpeRatio(sample);
  }, options);
}

/**
 * Per-bar (not annualised) Sharpe ratio: mean / standard deviation (ddof 1), risk-free rate 0.
 * Multiply by sqrt(bars per year) to annualise. NaN when the returns are constant.
 */
export function sharpeRatio(returns: ArrayLike<number>): number {
  const sd = Math.sqrt(variance(returns, 1));
  return sd > 0 ? mean(returns) / sd : Number.NaN;
}

export interface SharpeSignificance {
  readonly n: number;
  /** Per-bar Sharpe ratio of the returns. */
  readonly sharpe: number;
  /** Population skewness and (non-excess) kurtosis of the returns. */
  readonly skewness: number;
  readonly kurtosis: number;
  /** Per-bar Sharpe ratio the estimate is tested against (SR*). */
  readonly benchmark: number;
  /** Probability that the true Sharpe exceeds the benchmark: the PSR (or DSR). */
  readonly probability: number;
  /** 1 - probability: the one-sided p-value of "true Sharpe <= benchmark". */
  readonly pValue: number;
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado 2012):
 * PSR(SR*) = Φ( (SR - SR*)·sqrt(n-1) / sqrt(1 - γ₃·SR + (γ₄-1)/4·SR²) ),
 * SR the per-bar Sharpe ratio, γ₃ skewness, γ₄ (non-excess) kurtosis of the n returns.
 */
export function probabilisticSharpe(returns: ArrayLike<number>, benchmarkSharpe = 0): SharpeSignificance {
  const n = returns.length;
  if (n < 3) throw new RangeError(`probabilisticSharpe: need at least 3 returns, got ${n}`);
  const sharpe = sharpeRatio(returns);
  const { skewness, kurtosis } = shapeMoments(returns);
  const z = ((sharpe - benchmarkSharpe) * Math.sqrt(n - 1)) / Math.sqrt(1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe);
  const probability = Number.isNaN(z) ? Number.NaN : normCdf(z);
  return { n, sharpe, skewness, kurtosis, benchmark: benchmarkSharpe, probability, pValue: 1 - probability };
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * Expected maximum of `trials` independent Sharpe-ratio estimates whose true value is 0 and
 * whose variance across trials is `variance` (Bailey & López de Prado 2014, eq. for SR*):
 * sqrt(V)·((1-γ)·Φ⁻¹(1 - 1/N) + γ·Φ⁻¹(1 - 1/(N·e))), γ the Euler-Mascheroni constant; 0 for N = 1.
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`trials must be a positive integer, got ${trials}`);
  if (trials === 1) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normQuantile(1 - 1 / trials) + EULER_GAMMA * normQuantile(1 - 1 / (trials * Math.E)));
}

export interface DeflatedSharpeOptions {
  /** Configurations (models, hyperparameters, thresholds...) tried before picking this one. Default 1. */
  readonly trials?: number;
  /**
   * Variance of the per-bar Sharpe ratios across the trials. Default 1/(n-1): the sampling
   * variance of a Sharpe estimate from n returns when the true Sharpe is 0, i.e. what pure
   * luck produces when the trials carry no skill.
   */
  readonly trialSharpeVariance?: number;
}

/** Deflated Sharpe ratio (Bailey & López de Prado 2014): the PSR against the Sharpe expected from the best of `trials` lucky tries. */
export function deflatedSharpe(returns: ArrayLike<number>, options: DeflatedSharpeOptions = {}): SharpeSignificance & { readonly trials: number } {
  const trials = options.trials ?? 1;
  const v = options.trialSharpeVariance ?? 1 / (returns.length - 1);
  return { ...probabilisticSharpe(returns, expectedMaxSharpe(trials, v)), trials };
}
