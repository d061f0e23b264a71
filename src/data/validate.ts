import { DataError, type DataIssue, IssueCollector, textExcerpt } from '../errors';
import { type BarTable, type ValueField, VALUE_FIELDS, formatTimestamp, isIntraday, takeRows } from './bars';

/**
 * What to do with rows that fail validation.
 * - `none` (default): any error throws a `DataError` listing every problem.
 * - `drop`: remove offending rows; sort unsorted rows and keep the first of duplicate timestamps.
 * - `ffill`: fill missing or invalid values from the previous bar of the same symbol, then
 *   drop what filling cannot fix (inconsistent OHLC, a bad first bar); sorting as in `drop`.
 * Every change is reported in `ValidationReport.repairs`.
 */
export type RepairMode = 'none' | 'drop' | 'ffill';

export interface ValidateOptions {
  /** Names the file or source in messages. */
  readonly source: string;
  /** Row number to report for each table row (e.g. its line in a CSV file); defaults to the 0-based row index. */
  readonly rowNumbers?: ArrayLike<number>;
  /** Default `none`. */
  readonly repair?: RepairMode;
  /** Fewest bars a symbol may have. Default 2 (one return). */
  readonly minRows?: number;
  /** The source's own name for each field (e.g. a CSV header), used in messages. */
  readonly fieldNames?: Readonly<Record<ValueField, string>>;
  /** The original text of a cell that did not parse as a number, quoted in messages. */
  readonly cellText?: (row: number, field: ValueField) => string | undefined;
}

export interface Repair {
  readonly action: 'dropped' | 'filled' | 'sorted';
  readonly source: string;
  readonly symbol: string;
  readonly row?: number;
  readonly field?: string;
  readonly detail: string;
}

export interface ValidationReport {
  readonly source: string;
  /** Rows before validation. */
  readonly rowsIn: number;
  /** Rows after repair. */
  readonly rowsOut: number;
  /** What was found: the first 1000 of each code, then one line per code counting the rest. */
  readonly issues: readonly DataIssue[];
  /** Every error and warning found, including those `issues` only counts. */
  readonly errorCount: number;
  readonly warningCount: number;
  readonly repairs: readonly Repair[];
}

/** Relative slack for OHLC ordering checks, so float noise in exported prices is not an error. */
const ORDER_TOLERANCE = 1e-9;
const DAY = 86_400_000;

/**
 * Largest plausible price and volume. Far above any real quote (hyperinflation-era indices
 * included), far below where squares and sums of a column overflow: a value beyond them is a
 * corrupt or mis-scaled cell, and left in it would turn scalers and rolling statistics into
 * Infinity and NaN from that row on.
 */
export const MAX_PLAUSIBLE_PRICE = 1e12;
export const MAX_PLAUSIBLE_VOLUME = 1e16;

/** Codes of value problems that `ffill` repairs by carrying the previous bar forward. */
const FILLABLE = new Set(['missing_value', 'non_finite_value', 'implausible_value', 'non_positive_price', 'negative_volume']);

/**
 * Check every bar and return the (possibly repaired) table with a report.
 * Checks: missing, non-finite or implausibly large values, non-positive prices, negative
 * volume, high < low, open or close outside [low, high], missing, unsorted or duplicate
 * timestamps, daily (or longer) bars not at UTC midnight, empty or too-short series. Zero volume is reported as a warning.
 * One pass per symbol (plus a sort when rows are out of order and a repair is asked for), no
 * recursion and no argument spreads, so it runs on tables of any length.
 */
export function validateBars(table: BarTable, options: ValidateOptions): { bars: BarTable; report: ValidationReport } {
  const repair = options.repair ?? 'none';
  const minRows = options.minRows ?? 2;
  const source = options.source;
  const rowNo = (i: number): number => (options.rowNumbers ? options.rowNumbers[i] : i);
  const label = (f: ValueField): string => options.fieldNames?.[f] ?? f;
  const issues = new IssueCollector();
  const repairs: Repair[] = [];
  const n = table.timestamp.length;
  const ts = table.timestamp;
  const daily = !isIntraday(table.interval);

  // Work on copies so the caller's table is never modified.
  const cols: Record<ValueField, Float64Array> = {
    open: table.open.slice(),
    high: table.high.slice(),
    low: table.low.slice(),
    close: table.close.slice(),
    adjClose: table.adjClose.slice(),
    volume: table.volume.slice(),
  };
  const keep: number[] = [];

  if (table.symbols.length === 0 || n === 0) {
    issues.add({ code: 'empty', severity: 'error', source, message: 'no bars' });
  }

  for (const range of table.symbols) {
    const symbol = range.symbol;
    const descent = firstDescent(ts, range.start, range.end);
    if (descent >= 0) {
      issues.add({
        code: 'unsorted',
        severity: 'error',
        source,
        symbol,
        row: rowNo(descent),
        field: 'date',
        message: `timestamp ${fmt(table, descent)} is earlier than the row before it; rows must be in ascending time`,
      });
      if (repair !== 'none') {
        repairs.push({ action: 'sorted', source, symbol, detail: `sorted ${range.end - range.start} rows by timestamp` });
      }
    }
    // Rows in time order; missing timestamps last, where a repair drops them.
    const order = descent >= 0 && repair !== 'none' ? sortedOrder(ts, range.start, range.end) : undefined;
    let kept = 0;
    let prevKept = -1;
    for (let k = 0; k < range.end - range.start; k++) {
      const i = order ? order[k] : range.start + k;
      const rowIssues: DataIssue[] = [];
      const at = { source, symbol, row: rowNo(i) };
      const t = ts[i];
      if (!Number.isFinite(t)) {
        rowIssues.push({ ...at, code: 'bad_timestamp', severity: 'error', field: 'date', message: 'missing or unparsable timestamp' });
      } else if (daily && t % DAY !== 0) {
        rowIssues.push({
          ...at,
          code: 'bad_timestamp',
          severity: 'error',
          field: 'date',
          message: `${table.interval} bar at ${new Date(t).toISOString()} is not at 00:00 UTC; bars of a day or longer are dated by their trading day at UTC midnight`,
        });
      } else if (prevKept >= 0 && t === ts[prevKept]) {
        rowIssues.push({ ...at, code: 'duplicate_timestamp', severity: 'error', field: 'date', message: `duplicate timestamp ${fmt(table, i)} (also at row ${rowNo(prevKept)})` });
      }
      const valueIssues = checkValues(cols, i, at, label, options.cellText);
      const fixable = valueIssues.some((x) => FILLABLE.has(x.code));
      if (repair === 'ffill' && fixable && prevKept >= 0 && rowIssues.length === 0) {
        for (const x of valueIssues) issues.add(x);
        for (const f of VALUE_FIELDS) {
          const v = cols[f][i];
          if (plausible(f, v)) continue;
          repairs.push({ action: 'filled', ...at, field: label(f), detail: `${label(f)} ${v} -> ${cols[f][prevKept]} (previous bar)` });
          cols[f][i] = cols[f][prevKept];
        }
        for (const x of checkValues(cols, i, at, label, options.cellText)) {
          if (x.severity === 'error') rowIssues.push({ ...x, message: `${x.message} (after forward fill)` });
        }
      } else {
        for (const x of valueIssues) rowIssues.push(x);
      }
      for (const x of rowIssues) issues.add(x);
      const bad = rowIssues.some((x) => x.severity === 'error');
      if (bad && repair !== 'none') {
        repairs.push({ action: 'dropped', ...at, detail: rowIssues.filter((x) => x.severity === 'error').map((x) => x.code).join(', ') });
      }
      if (!bad || repair === 'none') {
        keep.push(i);
        kept++;
        if (Number.isFinite(t)) prevKept = i;
      }
    }
    if (kept < minRows) {
      issues.add({
        code: kept === 0 ? 'empty' : 'too_short',
        severity: 'error',
        source,
        symbol,
        message: `${kept} usable bar(s); at least ${minRows} required`,
      });
    }
  }

  const unrepaired = issues.list((x) => x.severity === 'error' && (repair === 'none' || x.code === 'empty' || x.code === 'too_short'));
  if (unrepaired.length > 0) {
    const hint = repair === 'none' ? ' (pass repair "drop" or "ffill" to repair what can be repaired)' : '';
    const count = repair === 'none' ? issues.errors : unrepaired.length;
    throw new DataError(unrepaired, `${source}: ${count} data problem(s)${hint}:`);
  }
  const repaired: BarTable = { ...table, ...cols };
  const bars = repair === 'none' ? repaired : takeRows(repaired, keep);
  return {
    bars,
    report: { source, rowsIn: n, rowsOut: bars.timestamp.length, issues: issues.list(), errorCount: issues.errors, warningCount: issues.warnings, repairs },
  };
}

/** A value the later stages can use: finite, within the plausible range, positive (prices) or non-negative (volume). */
function plausible(f: ValueField, v: number): boolean {
  return f === 'volume' ? v >= 0 && v <= MAX_PLAUSIBLE_VOLUME : v > 0 && v <= MAX_PLAUSIBLE_PRICE;
}

function checkValues(
  cols: Record<ValueField, Float64Array>,
  i: number,
  at: { source: string; symbol: string; row: number },
  label: (f: ValueField) => string,
  cellText?: (row: number, field: ValueField) => string | undefined,
): DataIssue[] {
  const out: DataIssue[] = [];
  for (const f of VALUE_FIELDS) {
    const v = cols[f][i];
    if (plausible(f, v) && v !== 0) continue;
    const name = label(f);
    const expected = f === 'volume' ? 'a non-negative volume' : 'a positive price';
    // Built field by field: object spreads here cost microseconds a row on files of millions of rows.
    const issue = (code: string, message: string, severity: 'error' | 'warning' = 'error'): DataIssue => ({ source: at.source, symbol: at.symbol, row: at.row, code, severity, field: name, message });
    if (Number.isNaN(v)) {
      const text = cellText?.(i, f);
      out.push(issue('missing_value', `${name} ${text === undefined || text === '' ? 'is missing' : `${textExcerpt(text)} is not a number`}; expected ${expected}`));
    } else if (!Number.isFinite(v)) {
      const text = cellText?.(i, f);
      const what = text === undefined ? `is ${v}` : `${textExcerpt(text)} overflows to ${v}`;
      out.push(issue('non_finite_value', `${name} ${what}, not a finite number; expected ${expected}`));
    } else if (f === 'volume' && v === 0) {
      out.push(issue('zero_volume', `${name} is 0`, 'warning'));
    } else if (f === 'volume' && v < 0) {
      out.push(issue('negative_volume', `${name} ${v} is negative; expected ${expected}`));
    } else if (f !== 'volume' && v <= 0) {
      out.push(issue('non_positive_price', `${name} ${v} is not a positive price`));
    } else {
      const max = f === 'volume' ? MAX_PLAUSIBLE_VOLUME : MAX_PLAUSIBLE_PRICE;
      out.push(issue('implausible_value', `${name} ${v} is beyond ${max.toExponential()}, the largest plausible ${f === 'volume' ? 'volume' : 'price'}: a corrupt or mis-scaled value`));
    }
  }
  if (out.some((x) => x.severity === 'error')) return out;

  const { open, high, low, close } = { open: cols.open[i], high: cols.high[i], low: cols.low[i], close: cols.close[i] };
  const tol = ORDER_TOLERANCE * high;
  if (high < low - tol) {
    out.push({ ...at, code: 'high_below_low', severity: 'error', field: label('high'), message: `${label('high')} ${high} is below ${label('low')} ${low}` });
  } else {
    if (open > high + tol || open < low - tol) out.push({ ...at, code: 'open_outside_range', severity: 'error', field: label('open'), message: `${label('open')} ${open} is outside [low ${low}, high ${high}]` });
    if (close > high + tol || close < low - tol) out.push({ ...at, code: 'close_outside_range', severity: 'error', field: label('close'), message: `${label('close')} ${close} is outside [low ${low}, high ${high}]` });
  }
  return out;
}

/**
 * The first row of [start, end) whose timestamp is earlier than the last finite one before it,
 * or -1 when the finite timestamps ascend. Missing timestamps are skipped (and reported as such).
 */
function firstDescent(ts: Float64Array, start: number, end: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (let r = start; r < end; r++) {
    const t = ts[r];
    if (Number.isNaN(t)) continue;
    if (t < last) return r;
    last = t;
  }
  return -1;
}

/** Row indices of [start, end) in ascending timestamp order (stable; NaN timestamps keep their order at the end). */
function sortedOrder(ts: Float64Array, start: number, end: number): Int32Array {
  const finite: number[] = [];
  const missing: number[] = [];
  for (let r = start; r < end; r++) (Number.isNaN(ts[r]) ? missing : finite).push(r);
  finite.sort((a, b) => ts[a] - ts[b] || a - b);
  const out = new Int32Array(end - start);
  out.set(finite);
  out.set(missing, finite.length);
  return out;
}

function fmt(table: BarTable, i: number): string {
  return formatTimestamp(table.timestamp[i], table.interval);
}
