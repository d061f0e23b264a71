import { DataError, type DataIssue } from '../errors';
import { type BarTable, type ValueField, PRICE_FIELDS, VALUE_FIELDS, formatTimestamp, takeRows } from './bars';

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
  readonly issues: readonly DataIssue[];
  readonly repairs: readonly Repair[];
}

/** Relative slack for OHLC ordering checks, so float noise in exported prices is not an error. */
const ORDER_TOLERANCE = 1e-9;

/**
 * Check every bar and return the (possibly repaired) table with a report.
 * Checks: missing/NaN values, non-positive prices, negative volume, high < low,
 * open or close outside [low, high], unsorted or duplicate timestamps, empty or too-short series.
 * Zero volume is reported as a warning.
 */
export function validateBars(table: BarTable, options: ValidateOptions): { bars: BarTable; report: ValidationReport } {
  const repair = options.repair ?? 'none';
  const minRows = options.minRows ?? 2;
  const source = options.source;
  const rowNo = (i: number): number => (options.rowNumbers ? options.rowNumbers[i] : i);
  const label = (f: ValueField): string => options.fieldNames?.[f] ?? f;
  const issues: DataIssue[] = [];
  const repairs: Repair[] = [];
  const n = table.timestamp.length;

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
    issues.push({ code: 'empty', severity: 'error', source, message: 'no bars' });
  }

  for (const range of table.symbols) {
    const symbol = range.symbol;
    const order = sortedOrder(table.timestamp, range.start, range.end);
    const isSorted = order.every((r, k) => r === range.start + k);
    if (!isSorted) {
      let r = range.start + 1;
      while (!(table.timestamp[r] < table.timestamp[r - 1])) r++;
      issues.push({
        code: 'unsorted',
        severity: 'error',
        source,
        symbol,
        row: rowNo(r),
        field: 'date',
        message: `timestamp ${fmt(table, r)} is earlier than the row before it; rows must be in ascending time`,
      });
      if (repair !== 'none') {
        repairs.push({ action: 'sorted', source, symbol, detail: `sorted ${range.end - range.start} rows by timestamp` });
      }
    }
    const symbolKeep: number[] = [];
    let prevKept = -1;
    for (const i of repair === 'none' ? seq(range.start, range.end) : order) {
      const rowIssues: DataIssue[] = [];
      const at = { source, symbol, row: rowNo(i) };
      const t = table.timestamp[i];
      if (!Number.isFinite(t)) {
        rowIssues.push({ ...at, code: 'bad_timestamp', severity: 'error', field: 'date', message: 'missing or unparsable timestamp' });
      } else if (prevKept >= 0 && t === table.timestamp[prevKept]) {
        rowIssues.push({ ...at, code: 'duplicate_timestamp', severity: 'error', field: 'date', message: `duplicate timestamp ${fmt(table, i)} (also at row ${rowNo(prevKept)})` });
      }
      const valueIssues = checkValues(cols, i, at, label, options.cellText);
      const fixable = valueIssues.some((x) => x.code === 'missing_value' || x.code === 'non_positive_price' || x.code === 'negative_volume');
      if (repair === 'ffill' && fixable && prevKept >= 0 && rowIssues.length === 0) {
        issues.push(...valueIssues);
        for (const f of VALUE_FIELDS) {
          const v = cols[f][i];
          if (Number.isFinite(v) && (f === 'volume' ? v >= 0 : v > 0)) continue;
          repairs.push({ action: 'filled', ...at, field: label(f), detail: `${label(f)} ${v} -> ${cols[f][prevKept]} (previous bar)` });
          cols[f][i] = cols[f][prevKept];
        }
        const after = checkValues(cols, i, at, label, options.cellText).filter((x) => x.severity === 'error');
        rowIssues.push(...after.map((x) => ({ ...x, message: `${x.message} (after forward fill)` })));
      } else {
        rowIssues.push(...valueIssues);
      }
      issues.push(...rowIssues);
      const bad = rowIssues.some((x) => x.severity === 'error');
      if (bad && repair !== 'none') {
        repairs.push({ action: 'dropped', ...at, detail: rowIssues.filter((x) => x.severity === 'error').map((x) => x.code).join(', ') });
      }
      if (!bad || repair === 'none') {
        symbolKeep.push(i);
        if (Number.isFinite(t)) prevKept = i;
      }
    }
    if (symbolKeep.length < minRows) {
      issues.push({
        code: symbolKeep.length === 0 ? 'empty' : 'too_short',
        severity: 'error',
        source,
        symbol,
        message: `${symbolKeep.length} usable bar(s); at least ${minRows} required`,
      });
    }
    keep.push(...symbolKeep);
  }

  const errors = issues.filter((x) => x.severity === 'error');
  const unrepaired = repair === 'none' ? errors : errors.filter((x) => x.code === 'empty' || x.code === 'too_short');
  if (unrepaired.length > 0) {
    const hint = repair === 'none' ? ' (pass repair "drop" or "ffill" to repair what can be repaired)' : '';
    throw new DataError(unrepaired, `${source}: ${unrepaired.length} data problem(s)${hint}:`);
  }
  const repaired: BarTable = { ...table, ...cols };
  const bars = repair === 'none' ? repaired : takeRows(repaired, keep);
  return {
    bars,
    report: { source, rowsIn: n, rowsOut: bars.timestamp.length, issues, repairs },
  };
}

function checkValues(
  cols: Record<ValueField, Float64Array>,
  i: number,
  at: { source: string; symbol: string; row: number },
  label: (f: ValueField) => string,
  cellText?: (row: number, field: ValueField) => string | undefined,
): DataIssue[] {
  const out: DataIssue[] = [];
  const missing = (f: ValueField): DataIssue => {
    const text = cellText?.(i, f);
    const what = text === undefined || text === '' ? 'is missing' : `"${text}" is not a number`;
    return { ...at, code: 'missing_value', severity: 'error', field: label(f), message: `${label(f)} ${what}; expected a ${f === 'volume' ? 'non-negative number' : 'positive price'}` };
  };
  for (const f of PRICE_FIELDS) {
    const v = cols[f][i];
    if (!Number.isFinite(v)) out.push(missing(f));
    else if (v <= 0) out.push({ ...at, code: 'non_positive_price', severity: 'error', field: label(f), message: `${label(f)} ${v} is not a positive price` });
  }
  const vol = cols.volume[i];
  if (!Number.isFinite(vol)) out.push(missing('volume'));
  else if (vol < 0) out.push({ ...at, code: 'negative_volume', severity: 'error', field: label('volume'), message: `${label('volume')} ${vol} is negative; expected a non-negative number` });
  else if (vol === 0) out.push({ ...at, code: 'zero_volume', severity: 'warning', field: label('volume'), message: `${label('volume')} is 0` });
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

/** Row indices of [start, end) in ascending timestamp order (stable; NaN timestamps keep their place at the end). */
function sortedOrder(ts: Float64Array, start: number, end: number): number[] {
  const idx = seq(start, end);
  return idx.sort((a, b) => {
    const ta = ts[a];
    const tb = ts[b];
    if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? a - b : Number.isNaN(ta) ? 1 : -1;
    return ta - tb || a - b;
  });
}

function seq(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, k) => start + k);
}

function fmt(table: BarTable, i: number): string {
  return formatTimestamp(table.timestamp[i], table.interval);
}
