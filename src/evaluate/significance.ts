/**
 * Is an apparent edge real? Tests that answer it honestly: exact binomial tests of
 * directional accuracy, Diebold-Mariano against a baseline's errors, block-bootstrap
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

export interface DieboldMarianoOptions {
  /** Forecast horizon h in bars; autocovariances up to lag h-1 enter the variance. Default 1. */
  readonly horizon?: number;
  /** Loss applied to each error. Default `squared`. */
  readonly loss?: 'squared' | 'absolute';
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
 * Newbold (1997) small-sample correction. Var(d̄) = (γ₀ + 2 Σ_{k=1}^{h-1} γₖ) / n with
 * autocovariances γₖ = (1/n) Σ (d_t - d̄)(d_{t-k} - d̄); if that truncated estimate is not
 * positive (possible for h > 1), Bartlett weights (1 - k/h) are used instead, which always are.
 */
export function dieboldMariano(modelErrors: ArrayLike<number>, baselineErrors: ArrayLike<number>, options: DieboldMarianoOptions = {}): DieboldMarianoResult {
  checkPaired(modelErrors, baselineErrors);
  const h = options.horizon ?? 1;
  const loss = options.loss ?? 'squared';
  const n = modelErrors.length;
  if (!(Number.isInteger(h) && h >= 1 && h < n)) throw new RangeError(`dieboldMariano: horizon must be an integer in 1..${n - 1}, got ${h}`);
  const L = loss === 'squared' ? (e: number) => e * e : Math.abs;
  const d = Float64Array.from({ length: n }, (_, t) => L(modelErrors[t]) - L(baselineErrors[t]));
  const dBar = mean(d);
  const gamma = (k: number) => {
    let s = 0;
    for (let t = k; t < n; t++) s += (d[t] - dBar) * (d[t - k] - dBar);
    return s / n;
  };
  const gammas = Array.from({ length: h }, (_, k) => gamma(k));
  let longRun = gammas[0] + 2 * gammas.slice(1).reduce((a, g) => a + g, 0);
  if (!(longRun > 0)) longRun = gammas[0] + 2 * gammas.slice(1).reduce((a, g, j) => a + (1 - (j + 1) / h) * g, 0);
  const dm = dBar / Math.sqrt(longRun / n);
  const statistic = dm * Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
  const pValue = studentTCdf(statistic, n - 1);
  return { n, horizon: h, loss, meanLossDifferential: dBar, statistic, pValue, pValueTwoSided: Math.min(1, 2 * Math.min(pValue, 1 - pValue)) };
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
