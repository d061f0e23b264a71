import { UsageError } from '../errors';

/**
 * Per-feature affine scalers, fitted on training rows only and saved as JSON beside a model.
 * Every kind maps x to (x - center) / scale per feature (column):
 * - `standard`: center = mean, scale = population standard deviation (as scikit-learn's StandardScaler);
 * - `minmax`: center = min, scale = max - min, so training values land in [0, 1];
 * - `robust`: center = median, scale = interquartile range (25th to 75th percentile, linear interpolation);
 * - `none`: center 0, scale 1 (keeps the pipeline uniform for models that need no scaling).
 * Missing values (NaN, and infinities) are ignored when fitting and pass through transforms
 * unchanged. A scale that is zero (a constant column) or lost in rounding becomes 1, so a constant
 * column maps to 0 instead of dividing by zero; a column with no finite training value gets
 * center 0 and scale 1.
 */
export type ScalerKind = 'standard' | 'minmax' | 'robust' | 'none';
export const SCALER_KINDS: readonly ScalerKind[] = ['standard', 'minmax', 'robust', 'none'];

export interface ScalerJSON {
  readonly kind: ScalerKind;
  readonly center: readonly number[];
  readonly scale: readonly number[];
}

/** Row-major `[rows, features]` values. */
export type Matrix = Float64Array | Float32Array;

export class Scaler {
  private centerValues?: Float64Array;
  private scaleValues?: Float64Array;

  constructor(readonly kind: ScalerKind) {
    if (!SCALER_KINDS.includes(kind)) throw new UsageError(`scaler kind must be one of ${SCALER_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }

  /** Learned per-feature centers (after `fit`). */
  get center(): Float64Array {
    return this.fitted().center;
  }

  /** Learned per-feature scales (after `fit`). */
  get scale(): Float64Array {
    return this.fitted().scale;
  }

  get features(): number {
    return this.fitted().center.length;
  }

  /**
   * Learn the statistics from `x` (`[rows, nFeatures]`, row-major), reading only `trainRows`
   * when given (row indices), else every row (pass an already-sliced training matrix).
   */
  fit(x: Matrix, nFeatures: number, trainRows?: ArrayLike<number>): this {
    if (!Number.isInteger(nFeatures) || nFeatures < 1 || x.length % nFeatures !== 0) {
      throw new UsageError(`scaler fit: ${x.length} values do not form rows of ${nFeatures} features`);
    }
    const nRows = x.length / nFeatures;
    const rows = trainRows ?? { length: nRows };
    for (let k = 0; k < rows.length; k++) {
      const r = trainRows ? trainRows[k] : k;
      if (!(Number.isInteger(r) && r >= 0 && r < nRows)) throw new UsageError(`scaler fit: training row ${r} (position ${k}) is outside 0..${nRows - 1}`);
    }
    const [center, scale] = this.kind === 'robust' ? robustStatistics(x, nFeatures, rows.length, trainRows) : streamedStatistics(this.kind, x, nFeatures, rows.length, trainRows);
    for (let f = 0; f < nFeatures; f++) {
      // Treat a spread below rounding noise of the center as zero (scikit-learn does the same).
      const c = center[f];
      const sp = scale[f];
      scale[f] = sp > 10 * Number.EPSILON * Math.max(Math.abs(c), Number.MIN_VALUE) && Number.isFinite(sp) ? sp : 1;
    }
    this.centerValues = center;
    this.scaleValues = scale;
    return this;
  }

  /** A new array of the same type with every feature scaled. */
  transform<T extends Matrix>(x: T): T {
    const out = new (x.constructor as new (n: number) => T)(x.length);
    this.transformInto(x, 0, x.length, out, 0);
    return out;
  }

  /**
   * Scale the whole rows `x[from, to)` (offsets that are multiples of the feature count) into
   * `out` starting at `at`: lets callers scale while copying, without an intermediate array.
   */
  transformInto(x: Matrix, from: number, to: number, out: Matrix, at: number): void {
    const { center, scale } = this.checked(x);
    const nf = center.length;
    if (from % nf !== 0 || to % nf !== 0) throw new RangeError(`scaler: range [${from}, ${to}) does not cover whole rows of ${nf} features`);
    for (let i = from, o = at; i < to; i += nf, o += nf) {
      for (let f = 0; f < nf; f++) out[o + f] = (x[i + f] - center[f]) / scale[f];
    }
  }

  /** Undo `transform`. */
  inverseTransform<T extends Matrix>(x: T): T {
    const { center, scale } = this.checked(x);
    const out = new (x.constructor as new (n: number) => T)(x.length);
    const nf = center.length;
    for (let i = 0, f = 0; i < x.length; i++) {
      out[i] = x[i] * scale[f] + center[f];
      if (++f === nf) f = 0;
    }
    return out;
  }

  toJSON(): ScalerJSON {
    const { center, scale } = this.fitted();
    return { kind: this.kind, center: Array.from(center), scale: Array.from(scale) };
  }

  /** Rebuild a fitted scaler from `toJSON()` output; throws a `UsageError` on malformed input. */
  static fromJSON(json: unknown): Scaler {
    const o = json as Partial<Record<keyof ScalerJSON, unknown>> | null;
    const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!o || typeof o !== 'object' || !numbers(o.center) || !numbers(o.scale) || o.center.length !== o.scale.length || o.scale.some((s) => s === 0)) {
      throw new UsageError('scaler JSON must have kind, and center and scale arrays of equal length with finite values and non-zero scales');
    }
    const scaler = new Scaler(o.kind as ScalerKind);
    scaler.centerValues = Float64Array.from(o.center);
    scaler.scaleValues = Float64Array.from(o.scale);
    return scaler;
  }

  private fitted(): { center: Float64Array; scale: Float64Array } {
    if (!this.centerValues || !this.scaleValues) throw new UsageError(`${this.kind} scaler used before fit`);
    return { center: this.centerValues, scale: this.scaleValues };
  }

  private checked(x: Matrix): { center: Float64Array; scale: Float64Array } {
    const fitted = this.fitted();
    if (x.length % fitted.center.length !== 0) throw new UsageError(`scaler: ${x.length} values do not form rows of ${fitted.center.length} features`);
    return fitted;
  }
}

/** Fit a new scaler of `kind`; see `Scaler.fit`. */
export function fitScaler(kind: ScalerKind, x: Matrix, nFeatures: number, trainRows?: ArrayLike<number>): Scaler {
  return new Scaler(kind).fit(x, nFeatures, trainRows);
}

/**
 * Standard and min-max statistics of each feature's finite training values in
 * row-major passes over the matrix (a column at a time would read every cache
 * line of the matrix once per feature). Per feature, values are added in the
 * order of `trainRows`, as a column pass would. A feature with no finite
 * value gets center 0 and scale 1; scales are before the zero-scale guard.
 */
function streamedStatistics(kind: ScalerKind, x: Matrix, nf: number, n: number, trainRows?: ArrayLike<number>): [Float64Array, Float64Array] {
  const center = new Float64Array(nf);
  const scale = new Float64Array(nf).fill(1);
  if (kind === 'none') return [center, scale];
  const count = new Float64Array(nf);
  const a = new Float64Array(nf).fill(kind === 'minmax' ? Infinity : 0);
  const b = new Float64Array(nf).fill(kind === 'minmax' ? -Infinity : 0);
  for (let k = 0; k < n; k++) {
    const at = (trainRows ? trainRows[k] : k) * nf;
    for (let f = 0; f < nf; f++) {
      const v = x[at + f];
      if (!Number.isFinite(v)) continue;
      count[f]++;
      if (kind === 'minmax') {
        if (v < a[f]) a[f] = v;
        if (v > b[f]) b[f] = v;
      } else {
        a[f] += v;
      }
    }
  }
  if (kind === 'minmax') {
    for (let f = 0; f < nf; f++) if (count[f] > 0) [center[f], scale[f]] = [a[f], b[f] - a[f]];
    return [center, scale];
  }
  for (let f = 0; f < nf; f++) if (count[f] > 0) center[f] = a[f] / count[f];
  // Second pass: squared deviations from the mean (two passes, for accuracy).
  for (let k = 0; k < n; k++) {
    const at = (trainRows ? trainRows[k] : k) * nf;
    for (let f = 0; f < nf; f++) {
      const v = x[at + f];
      if (Number.isFinite(v)) b[f] += (v - center[f]) ** 2;
    }
  }
  for (let f = 0; f < nf; f++) if (count[f] > 0) scale[f] = Math.sqrt(b[f] / count[f]);
  return [center, scale];
}

/** Median and interquartile range of each feature's finite training values (a sort per column). */
function robustStatistics(x: Matrix, nf: number, n: number, trainRows?: ArrayLike<number>): [Float64Array, Float64Array] {
  const center = new Float64Array(nf);
  const scale = new Float64Array(nf).fill(1);
  const column = new Float64Array(n);
  for (let f = 0; f < nf; f++) {
    let m = 0;
    for (let k = 0; k < n; k++) {
      const v = x[(trainRows ? trainRows[k] : k) * nf + f];
      if (Number.isFinite(v)) column[m++] = v;
    }
    if (m === 0) continue;
    const v = column.subarray(0, m).sort();
    center[f] = quantile(v, 0.5);
    scale[f] = quantile(v, 0.75) - quantile(v, 0.25);
  }
  return [center, scale];
}

/** Quantile of sorted values with linear interpolation (numpy's default). */
export function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
