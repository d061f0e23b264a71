import { describeValue } from '../config/schema';
import { UsageError } from '../errors';
import { Rng } from '../util/random';
import { normCdf } from '../util/distributions';
import { type BarTable, type Interval, type SymbolBars, INTERVALS, barsPerYear, intervalMs, isInterval, isIntraday, makeBarTable } from './bars';
import { parseDateOption } from './csv';
import { MAX_PLAUSIBLE_PRICE } from './validate';

/**
 * A seeded synthetic market: geometric Brownian motion whose volatility follows
 * GARCH(1,1) around a level set by a hidden two-state (calm/turbulent) Markov regime,
 * with an optional planted, known-strength predictable component.
 *
 * Log return of bar t: r_t = mu + sqrt(h_t) * e_t, with
 *   h_t = omega_{s_t} + alpha * (r_{t-1} - mu)^2 + beta * h_{t-1}   (GARCH(1,1))
 *   e_t = rho * e_{t-1} + sqrt(1 - rho^2) * eta_t,  eta_t ~ N(0, 1)   (planted signal)
 * so e_t is a unit-variance AR(1) shock whose previous value is observable from past
 * returns: the signal strength `rho` is the correlation between consecutive standardized
 * shocks. With rho = 0 and mu = 0 it is a pure (heteroskedastic) random walk.
 *
 * The best achievable directional accuracy is that of the Bayes-optimal forecast
 * sign(E[r_{t+1} | past]) = sign(mu + sqrt(h_{t+1}) * rho * e_t): per bar it is
 * Phi(|m| / s) with s = sqrt(h_{t+1} (1 - rho^2)); the generator reports its average over
 * the path (`bestAccuracy`, about 0.5 + asin(rho)/pi when mu is small) and the hit rate
 * the oracle actually scored on this path (`oracleAccuracy`).
 */
export interface SyntheticOptions {
  /** Default `['SYN']`. Each symbol gets an independent stream forked from `seed`. */
  readonly symbols?: readonly string[];
  /** Bars per symbol. Default 2520 (ten years of trading days). */
  readonly bars?: number;
  /** First bar's date, ISO. Default `2015-01-02`. */
  readonly start?: string;
  /** Default `1d`. Intraday bars fill a 14:30-21:00 UTC session on weekdays. */
  readonly interval?: Interval;
  /** Default 42. */
  readonly seed?: number;
  /** Planted signal strength rho in [0, 1). Default 0 (no signal). */
  readonly signal?: number;
  /** Annualised drift of log prices. Default 0.05. */
  readonly annualDrift?: number;
  /** Annualised volatility in the calm regime. Default 0.18. */
  readonly annualVolatility?: number;
  /** Default 100. */
  readonly startPrice?: number;
}

export interface PlantedSignal {
  readonly strength: number;
  /** Expected accuracy of the Bayes-optimal direction forecast over this path. */
  readonly bestAccuracy: number;
  /** Hit rate the Bayes-optimal forecast scored on this path. */
  readonly oracleAccuracy: number;
  /** Per row: E[log return of the next bar | bars up to this one]. */
  readonly conditionalMean: Float64Array;
}

export interface SyntheticMarket {
  readonly bars: BarTable;
  readonly signal: PlantedSignal;
  readonly options: Required<SyntheticOptions>;
}

const DEFAULTS: Required<SyntheticOptions> = {
  symbols: ['SYN'],
  bars: 2520,
  start: '2015-01-02',
  interval: '1d',
  seed: 42,
  signal: 0,
  annualDrift: 0.05,
  annualVolatility: 0.18,
  startPrice: 100,
};

const GARCH_ALPHA = 0.08;
const GARCH_BETA = 0.9;
/** Probability of staying in the current regime each bar, and the turbulent regime's variance multiplier. */
const REGIME_STAY = 0.99;
const TURBULENT_VARIANCE = 2.5;

export function syntheticMarket(options: SyntheticOptions = {}): SyntheticMarket {
  const o: Required<SyntheticOptions> = { ...DEFAULTS, ...stripUndefined(options) };
  const number = (key: 'signal' | 'bars' | 'seed' | 'annualDrift' | 'annualVolatility' | 'startPrice', ok: (v: number) => boolean, expected: string): void => {
    const v: unknown = o[key];
    if (typeof v !== 'number') throw new UsageError(`synthetic: ${key} must be ${expected}; expected a number, got ${describeValue(v)}`);
    if (!ok(v)) throw new UsageError(`synthetic: ${key} must be ${expected}; got ${v}`);
  };
  number('signal', (v) => v >= 0 && v < 1, 'in [0, 1)');
  number('bars', (v) => Number.isInteger(v) && v >= 2, 'an integer >= 2');
  number('seed', Number.isInteger, 'an integer');
  number('annualDrift', (v) => Math.abs(v) < 10, 'a finite annual drift (|drift| < 10)');
  number('annualVolatility', (v) => v > 0 && v < 10, 'an annual volatility in (0, 10)');
  number('startPrice', (v) => v > 0 && v <= MAX_PLAUSIBLE_PRICE, `a price in (0, ${MAX_PLAUSIBLE_PRICE}]`);
  if (typeof o.interval !== 'string' || (o.interval !== '1d' && !(isInterval(o.interval) && isIntraday(o.interval)))) {
    throw new UsageError(`synthetic: interval must be 1d or intraday (${INTERVALS.filter(isIntraday).join(', ')}), got ${describeValue(o.interval)}`);
  }
  if (!Array.isArray(o.symbols) || o.symbols.some((x) => typeof x !== 'string' || x === '')) {
    throw new UsageError(`synthetic: symbols must be a list of names like ["SYN"], got ${describeValue(o.symbols)}`);
  }
  if (o.symbols.length === 0) throw new UsageError('synthetic: at least one symbol is required');
  if (new Set(o.symbols).size !== o.symbols.length) throw new UsageError(`synthetic: symbols ${JSON.stringify(o.symbols)} name a symbol twice`);
  const startMs = parseDateOption(o.start, 'synthetic: start');

  const timestamps = tradingTimestamps(startMs, o.bars, o.interval);
  const perYear = barsPerYear(o.interval);
  const mu = o.annualDrift / perYear;
  const calmVar = (o.annualVolatility * o.annualVolatility) / perYear;
  const rho = o.signal;
  const innov = Math.sqrt(1 - rho * rho);

  const root = new Rng(o.seed);
  const parts: SymbolBars[] = [];
  const condMean = new Float64Array(o.bars * o.symbols.length);
  let probSum = 0;
  let hits = 0;
  let scored = 0;
  o.symbols.forEach((symbol, si) => {
    const rng = root.fork(si + 1);
    const n = o.bars;
    const open = new Float64Array(n);
    const high = new Float64Array(n);
    const low = new Float64Array(n);
    const close = new Float64Array(n);
    const volume = new Float64Array(n);
    let turbulent = false;
    let h = calmVar;
    let e = rng.normal();
    let prevClose = o.startPrice;
    let prevResid = 0;
    for (let t = 0; t < n; t++) {
      if (t > 0) {
        if (rng.uniform() > REGIME_STAY) turbulent = !turbulent;
        const omega = calmVar * (turbulent ? TURBULENT_VARIANCE : 1) * (1 - GARCH_ALPHA - GARCH_BETA);
        h = omega + GARCH_ALPHA * prevResid * prevResid + GARCH_BETA * h;
        e = rho * e + innov * rng.normal();
      }
      const sd = Math.sqrt(h);
      const resid = sd * e;
      const r = t === 0 ? 0 : mu + resid;
      const c = prevClose * Math.exp(r);
      const o0 = prevClose * Math.exp(0.15 * sd * rng.normal());
      const top = Math.max(o0, c);
      const bottom = Math.min(o0, c);
      open[t] = o0;
      close[t] = c;
      high[t] = top * Math.exp(0.5 * sd * Math.abs(rng.normal()));
      low[t] = bottom * Math.exp(-0.5 * sd * Math.abs(rng.normal()));
      volume[t] = Math.round(1e6 * Math.exp(0.3 * rng.normal() + 0.25 * Math.abs(e)));
      prevClose = c;
      prevResid = t === 0 ? 0 : resid;

      // Forecast of the next bar from what is known now: h_{t+1} is a function of the past
      // except for the hidden regime, taken at its current state (the oracle's only privilege).
      const omegaNext = calmVar * (turbulent ? TURBULENT_VARIANCE : 1) * (1 - GARCH_ALPHA - GARCH_BETA);
      const hNext = omegaNext + GARCH_ALPHA * prevResid * prevResid + GARCH_BETA * h;
      const m = mu + Math.sqrt(hNext) * rho * e;
      condMean[si * n + t] = m;
      if (t > 0) {
        // Score the forecast made at t-1 for bar t.
        const prevM = condMean[si * n + t - 1];
        const s = Math.sqrt(h) * innov;
        probSum += normCdf(Math.abs(prevM) / s);
        // With no information (m = 0) the oracle's guess is right half the time.
        hits += prevM === 0 ? 0.5 : Math.sign(prevM) === Math.sign(r) ? 1 : 0;
        scored++;
      }
    }
    parts.push({ symbol, timestamp: timestamps, open, high, low, close, volume });
  });
  return {
    bars: makeBarTable(o.interval, parts),
    signal: { strength: rho, bestAccuracy: probSum / scored, oracleAccuracy: hits / scored, conditionalMean: condMean },
    options: o,
  };
}

/** Bar start times on weekdays from `startMs` (daily: UTC midnights; intraday: a 14:30-21:00 UTC session). */
function tradingTimestamps(startMs: number, count: number, interval: Interval): Float64Array {
  const out = new Float64Array(count);
  const day = 86_400_000;
  const step = intervalMs(interval);
  let dayStart = Math.floor(startMs / day) * day;
  let k = 0;
  while (k < count) {
    const weekday = new Date(dayStart).getUTCDay();
    if (weekday !== 0 && weekday !== 6) {
      if (isIntraday(interval)) {
        for (let t = dayStart + 52_200_000; t < dayStart + 75_600_000 && k < count; t += step) out[k++] = t;
      } else {
        out[k++] = dayStart;
      }
    }
    dayStart += day;
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
