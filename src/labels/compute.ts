import type { BarTable } from '../data/bars';
import type { Task } from '../records/task';
import { DEFAULT_VOL_WINDOW, type LabelSpec, type ReturnKind, horizonOf, labelClasses, labelName, labelTask } from './spec';

/** Which barrier ended a triple-barrier label. */
export const BARRIER_UPPER = 1;
export const BARRIER_LOWER = -1;
export const BARRIER_TIME = 0;

/** Labels for every row of a bar table; rows are aligned with the table's rows. */
export interface Labels {
  readonly spec: LabelSpec;
  readonly name: string;
  readonly task: Task;
  readonly classes?: readonly string[];
  /** Regression: the return. Classification: the class index. NaN where the label is undefined. */
  readonly value: Float64Array;
  /** The realised return (of the spec's kind) from close_t to the close at `endIndex`; NaN where undefined. */
  readonly realizedReturn: Float64Array;
  /** Row index of the last bar the label looks at; -1 where the label is undefined. */
  readonly endIndex: Int32Array;
  /** Timestamp of the bar at `endIndex`; NaN where undefined. */
  readonly endTime: Float64Array;
  /** Triple-barrier only: BARRIER_UPPER / BARRIER_LOWER / BARRIER_TIME, 0 also where undefined (check `value`). */
  readonly barrier?: Int8Array;
}

/**
 * Compute labels per symbol from `close`. A label at bar t is undefined (NaN) when bar
 * t + horizonBars lies past the symbol's last bar (the last h bars of each symbol), when
 * its volatility is not yet known (the first `volWindow` bars of each symbol), or when a
 * price it reads is missing or not positive. Labels never read across a symbol boundary.
 */
export function computeLabels(bars: BarTable, spec: LabelSpec): Labels {
  const n = bars.close.length;
  const value = new Float64Array(n).fill(Number.NaN);
  const realizedReturn = new Float64Array(n).fill(Number.NaN);
  const endIndex = new Int32Array(n).fill(-1);
  const barrier = spec.kind === 'triple-barrier' ? new Int8Array(n) : undefined;
  const h = horizonOf(spec);
  const kind: ReturnKind = spec.kind === 'updown' ? 'log' : (spec.returns ?? 'log');
  const close = bars.close;

  for (const s of bars.symbols) {
    const sigma = needsVolatility(spec) ? rollingVolatility(close, s.start, s.end, volWindowOf(spec), kind) : undefined;
    for (let t = s.start; t + h < s.end; t++) {
      if (spec.kind === 'triple-barrier') {
        const sd = sigma![t - s.start];
        if (!(sd >= 0)) continue;
        const upper = spec.profitTaking > 0 ? spec.profitTaking * sd : Infinity;
        const lower = spec.stopLoss > 0 ? -spec.stopLoss * sd : -Infinity;
        let j = t + 1;
        let r = Number.NaN;
        let hit = BARRIER_TIME;
        for (; j <= t + h; j++) {
          r = priceReturn(close[t], close[j], kind);
          if (Number.isNaN(r)) break;
          if (r >= upper) hit = BARRIER_UPPER;
          else if (r <= lower) hit = BARRIER_LOWER;
          if (hit !== BARRIER_TIME) break;
        }
        if (Number.isNaN(r)) continue;
        const end = Math.min(j, t + h);
        value[t] = hit + 1;
        realizedReturn[t] = r;
        endIndex[t] = end;
        barrier![t] = hit;
        continue;
      }
      const r = priceReturn(close[t], close[t + h], kind);
      if (Number.isNaN(r)) continue;
      let v: number;
      if (spec.kind === 'return') v = r;
      else if (spec.kind === 'updown') v = r > 0 ? 1 : 0;
      else {
        const band = spec.band.kind === 'fixed' ? spec.band.threshold : spec.band.k * sigma![t - s.start];
        if (Number.isNaN(band)) continue;
        v = r > band ? 2 : r < -band ? 0 : 1;
      }
      value[t] = v;
      realizedReturn[t] = r;
      endIndex[t] = t + h;
    }
  }

  const endTime = new Float64Array(n);
  for (let i = 0; i < n; i++) endTime[i] = endIndex[i] >= 0 ? bars.timestamp[endIndex[i]] : Number.NaN;
  return { spec, name: labelName(spec), task: labelTask(spec), classes: labelClasses(spec), value, realizedReturn, endIndex, endTime, barrier };
}

function needsVolatility(spec: LabelSpec): boolean {
  return spec.kind === 'triple-barrier' || (spec.kind === 'updown-flat' && spec.band.kind === 'volatility');
}

function volWindowOf(spec: LabelSpec): number {
  if (spec.kind === 'triple-barrier') return spec.volWindow ?? DEFAULT_VOL_WINDOW;
  if (spec.kind === 'updown-flat' && spec.band.kind === 'volatility') return spec.band.volWindow ?? DEFAULT_VOL_WINDOW;
  return DEFAULT_VOL_WINDOW;
}

/** Return from price p0 to p1; NaN unless both are positive and finite. */
export function priceReturn(p0: number, p1: number, kind: ReturnKind): number {
  if (!(p0 > 0 && p1 > 0 && Number.isFinite(p0) && Number.isFinite(p1))) return Number.NaN;
  return kind === 'log' ? Math.log(p1 / p0) : p1 / p0 - 1;
}

/**
 * Volatility known at each bar of rows [start, end): the sample standard deviation (n - 1)
 * of the `window` one-bar returns ending at that bar, i.e. of r_{t-window+1}..r_t with
 * r_i = return(close_{i-1}, close_i). NaN for the first `window` bars and for windows with a
 * missing price. Indexed from `start` (element 0 is bar `start`).
 */
export function rollingVolatility(close: Float64Array, start: number, end: number, window: number, kind: ReturnKind = 'log'): Float64Array {
  const len = end - start;
  const out = new Float64Array(Math.max(len, 0)).fill(Number.NaN);
  const r = new Float64Array(Math.max(len, 0)).fill(Number.NaN);
  for (let i = 1; i < len; i++) r[i] = priceReturn(close[start + i - 1], close[start + i], kind);
  for (let i = window; i < len; i++) {
    let sum = 0;
    for (let k = i - window + 1; k <= i; k++) sum += r[k];
    const mean = sum / window;
    let ss = 0;
    for (let k = i - window + 1; k <= i; k++) ss += (r[k] - mean) ** 2;
    out[i] = Math.sqrt(ss / (window - 1));
  }
  return out;
}
