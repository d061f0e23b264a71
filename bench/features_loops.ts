/**
 * The catalog's TA-Lib-style features (not the Alpha158 or cross-section families, which
 * bench/features_pandas.py checks) computed with plain TypeScript loops over Float64Arrays:
 * the loop oracle test/features-reference.test.ts checks the polars expressions against.
 */
import { type BarTable } from '../src/data/bars';
import { type FeatureSpec, featureColumns, validateFeatureSpec } from '../src/features';

type Params = Readonly<Record<string, number>>;
/** One symbol's columns (subarrays of the table, so no copies). */
interface SymbolColumns {
  readonly timestamp: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}
/** One feature over one symbol's bars, written into `out` (same length; NaN = null). */
type LoopFeature = (b: SymbolColumns, p: Params, out: Float64Array) => void;

function rollingMean(x: Float64Array, n: number, out: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i];
    if (i >= n) sum -= x[i - n];
    out[i] = i >= n - 1 ? sum / n : NaN;
  }
}

/** Standard deviation of the `n` values ending at each bar (two passes per window), ddof 0 or 1, from bar `first`. */
function rollingStd(x: Float64Array, n: number, ddof: number, out: Float64Array, first = n - 1): void {
  for (let i = 0; i < x.length; i++) {
    if (i < first) {
      out[i] = NaN;
      continue;
    }
    let mean = 0;
    for (let j = i - n + 1; j <= i; j++) mean += x[j];
    mean /= n;
    let ss = 0;
    for (let j = i - n + 1; j <= i; j++) ss += (x[j] - mean) * (x[j] - mean);
    out[i] = Math.sqrt(ss / (n - ddof));
  }
}

/** TA-Lib-style smoothing: y = mean(x[seed-window+1..seed]) at bar `seed`, then y += alpha (x - y). */
function seeded(x: Float64Array, alpha: number, window: number, seed: number, out: Float64Array): void {
  let y = NaN;
  for (let i = 0; i < x.length; i++) {
    if (i < seed) {
      out[i] = NaN;
      continue;
    }
    if (i === seed) {
      y = 0;
      for (let j = i - window + 1; j <= i; j++) y += x[j];
      y /= window;
    } else {
      y += alpha * (x[i] - y);
    }
    out[i] = y;
  }
}

function ema(x: Float64Array, n: number, out: Float64Array): void {
  seeded(x, 2 / (n + 1), n, n - 1, out);
}

function macdParts(b: SymbolColumns, p: Params): { line: Float64Array; signal: Float64Array } {
  const len = b.close.length;
  const fast = new Float64Array(len);
  const line = new Float64Array(len);
  seeded(b.close, 2 / (p.fast + 1), p.fast, p.slow - 1, fast);
  seeded(b.close, 2 / (p.slow + 1), p.slow, p.slow - 1, line);
  for (let i = 0; i < len; i++) line[i] = fast[i] - line[i];
  const first = p.slow + p.signal - 2;
  const signal = fast;
  seeded(line, 2 / (p.signal + 1), p.signal, first, signal);
  line.fill(NaN, 0, Math.min(len, first));
  return { line, signal };
}

function bands(b: SymbolColumns, p: Params): { upper: Float64Array; middle: Float64Array; lower: Float64Array } {
  const len = b.close.length;
  const middle = new Float64Array(len);
  const upper = new Float64Array(len);
  const lower = new Float64Array(len);
  rollingMean(b.close, p.period, middle);
  rollingStd(b.close, p.period, 0, upper);
  for (let i = 0; i < len; i++) {
    const band = p.stddev * upper[i];
    upper[i] = middle[i] + band;
    lower[i] = middle[i] - band;
  }
  return { upper, middle, lower };
}

function atr(b: SymbolColumns, n: number, out: Float64Array): void {
  const tr = new Float64Array(b.close.length);
  for (let i = 1; i < tr.length; i++) {
    const pc = b.close[i - 1];
    tr[i] = Math.max(b.high[i] - b.low[i], Math.abs(b.high[i] - pc), Math.abs(b.low[i] - pc));
  }
  seeded(tr, 1 / n, n, n, out);
}

function zscore(x: Float64Array, n: number, out: Float64Array): void {
  const mean = new Float64Array(x.length);
  rollingMean(x, n, mean);
  rollingStd(x, n, 0, out);
  for (let i = 0; i < x.length; i++) out[i] = out[i] === 0 ? NaN : (x[i] - mean[i]) / out[i];
}

const ratioTo = (average: (x: Float64Array, n: number, out: Float64Array) => void): LoopFeature => (b, p, out) => {
  average(b.close, p.period, out);
  for (let i = 0; i < out.length; i++) out[i] = b.close[i] / out[i];
};
const lagged = (col: 'close' | 'volume', f: (now: number, then: number) => number): LoopFeature => (b, p, out) => {
  const x = b[col];
  for (let i = 0; i < x.length; i++) out[i] = i < p.period ? NaN : f(x[i], x[i - p.period]);
};
const perBar = (f: (b: SymbolColumns, i: number) => number): LoopFeature => (b, _p, out) => {
  for (let i = 0; i < out.length; i++) out[i] = f(b, i);
};
type Bands = ReturnType<typeof bands>;
const bandFeature = (f: (bb: Bands, close: number, i: number) => number): LoopFeature => (b, p, out) => {
  const bb = bands(b, p);
  for (let i = 0; i < out.length; i++) out[i] = f(bb, b.close[i], i);
};

/** The loop implementation of every catalog feature (same formulas as src/features/catalog.ts). */
export const LOOP_FEATURES: Readonly<Record<string, LoopFeature>> = {
  ret: lagged('close', (now, then) => now / then - 1),
  logret: lagged('close', (now, then) => Math.log(now / then)),
  vol_chg: lagged('volume', (now, then) => (then === 0 ? NaN : now / then - 1)),
  hl_spread: perBar((b, i) => (b.high[i] - b.low[i]) / b.close[i]),
  close_pos: perBar((b, i) => (b.high[i] === b.low[i] ? NaN : (b.close[i] - b.low[i]) / (b.high[i] - b.low[i]))),
  sma: (b, p, out) => rollingMean(b.close, p.period, out),
  ema: (b, p, out) => ema(b.close, p.period, out),
  sma_ratio: ratioTo(rollingMean),
  ema_ratio: ratioTo(ema),
  rsi: (b, p, out) => {
    const len = b.close.length;
    const gain = new Float64Array(len);
    const loss = new Float64Array(len);
    for (let i = 1; i < len; i++) {
      const d = b.close[i] - b.close[i - 1];
      gain[i] = d > 0 ? d : 0;
      loss[i] = d < 0 ? -d : 0;
    }
    const avgGain = new Float64Array(len);
    seeded(gain, 1 / p.period, p.period, p.period, avgGain);
    seeded(loss, 1 / p.period, p.period, p.period, out);
    for (let i = 0; i < len; i++) out[i] = avgGain[i] + out[i] === 0 ? 0 : (100 * avgGain[i]) / (avgGain[i] + out[i]);
  },
  macd: (b, p, out) => out.set(macdParts(b, p).line),
  macd_signal: (b, p, out) => out.set(macdParts(b, p).signal),
  macd_hist: (b, p, out) => {
    const m = macdParts(b, p);
    for (let i = 0; i < out.length; i++) out[i] = m.line[i] - m.signal[i];
  },
  bb_upper: bandFeature((bb, _c, i) => bb.upper[i]),
  bb_middle: bandFeature((bb, _c, i) => bb.middle[i]),
  bb_lower: bandFeature((bb, _c, i) => bb.lower[i]),
  bb_pctb: bandFeature((bb, c, i) => (bb.upper[i] === bb.lower[i] ? NaN : (c - bb.lower[i]) / (bb.upper[i] - bb.lower[i]))),
  bb_width: bandFeature((bb, _c, i) => (bb.upper[i] - bb.lower[i]) / bb.middle[i]),
  atr: (b, p, out) => atr(b, p.period, out),
  natr: (b, p, out) => {
    atr(b, p.period, out);
    for (let i = 0; i < out.length; i++) out[i] = (100 * out[i]) / b.close[i];
  },
  volatility: (b, p, out) => {
    const r = new Float64Array(b.close.length);
    for (let i = 1; i < r.length; i++) r[i] = Math.log(b.close[i] / b.close[i - 1]);
    rollingStd(r, p.period, 1, out, p.period);
  },
  zscore_close: (b, p, out) => zscore(b.close, p.period, out),
  zscore_volume: (b, p, out) => zscore(b.volume, p.period, out),
  dow: perBar((b, i) => (new Date(b.timestamp[i]).getUTCDay() + 6) % 7),
};

/**
 * The features of `spec` computed with plain loops, symbol by symbol: one Float64Array per
 * feature column, NaN where the polars result is null.
 */
export function referenceFeatures(bars: BarTable, spec: FeatureSpec): Record<string, Float64Array> {
  const defs = validateFeatureSpec(spec);
  const columns = featureColumns(defs);
  const out: Record<string, Float64Array> = {};
  defs.forEach((d, k) => (out[columns[k]] = new Float64Array(bars.close.length)));
  for (const r of bars.symbols) {
    const view = (c: Float64Array) => c.subarray(r.start, r.end);
    const b: SymbolColumns = { timestamp: view(bars.timestamp), high: view(bars.high), low: view(bars.low), close: view(bars.close), volume: view(bars.volume) };
    defs.forEach((d, k) => LOOP_FEATURES[d.name](b, d.params ?? {}, view(out[columns[k]])));
  }
  return out;
}
