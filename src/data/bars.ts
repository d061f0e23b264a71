/**
 * The bar table: the one shape every data source returns and every later stage
 * reads. Columns are Float64Arrays (one row per bar); rows are grouped by
 * symbol, each symbol's rows contiguous and in ascending time.
 */

/** Bar intervals, spelled as Yahoo spells them. */
export const INTERVALS = ['1m', '2m', '5m', '15m', '30m', '60m', '90m', '1h', '1d', '5d', '1wk', '1mo', '3mo'] as const;
export type Interval = (typeof INTERVALS)[number];

export function isInterval(s: string): s is Interval {
  return (INTERVALS as readonly string[]).includes(s);
}

/** True for intervals shorter than a day, whose timestamps carry a time of day. */
export function isIntraday(interval: Interval): boolean {
  return INTRADAY.has(interval);
}
const INTRADAY: ReadonlySet<Interval> = new Set(['1m', '2m', '5m', '15m', '30m', '60m', '90m', '1h']);

/** Length of an intraday bar in milliseconds (daily and longer: one day). */
export function intervalMs(interval: Interval): number {
  if (interval === '1h') return 3_600_000;
  if (isIntraday(interval)) return Number.parseInt(interval, 10) * 60_000;
  return 86_400_000;
}

/** Rows `[start, end)` of one symbol. */
export interface SymbolRange {
  readonly symbol: string;
  readonly start: number;
  readonly end: number;
}

export interface BarTable {
  readonly interval: Interval;
  readonly symbols: readonly SymbolRange[];
  /** Bar start, milliseconds since the Unix epoch, UTC. Daily bars: UTC midnight of the trading date. */
  readonly timestamp: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Close adjusted for splits and dividends; equals `close` when the source has none. */
  readonly adjClose: Float64Array;
  readonly volume: Float64Array;
}

export const PRICE_FIELDS = ['open', 'high', 'low', 'close', 'adjClose'] as const;
export const VALUE_FIELDS = [...PRICE_FIELDS, 'volume'] as const;
export type ValueField = (typeof VALUE_FIELDS)[number];

/** Column-wise builder input for one symbol. */
export interface SymbolBars {
  readonly symbol: string;
  readonly timestamp: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly adjClose?: ArrayLike<number>;
  readonly volume: ArrayLike<number>;
}

/** Stack per-symbol columns into one table (symbols in the order given). */
export function makeBarTable(interval: Interval, parts: readonly SymbolBars[]): BarTable {
  const n = parts.reduce((acc, p) => acc + p.timestamp.length, 0);
  const cols = {
    timestamp: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    adjClose: new Float64Array(n),
    volume: new Float64Array(n),
  };
  const symbols: SymbolRange[] = [];
  let at = 0;
  for (const p of parts) {
    const len = p.timestamp.length;
    cols.timestamp.set(p.timestamp, at);
    cols.open.set(p.open, at);
    cols.high.set(p.high, at);
    cols.low.set(p.low, at);
    cols.close.set(p.close, at);
    cols.adjClose.set(p.adjClose ?? p.close, at);
    cols.volume.set(p.volume, at);
    symbols.push({ symbol: p.symbol, start: at, end: at + len });
    at += len;
  }
  return { interval, symbols, ...cols };
}

/** The rows of `table` picked by `rows` (indices in ascending order within each symbol). */
export function takeRows(table: BarTable, rows: ArrayLike<number>): BarTable {
  const pick = (col: Float64Array): Float64Array => {
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = col[rows[i]];
    return out;
  };
  const symbols: SymbolRange[] = [];
  let k = 0;
  for (const s of table.symbols) {
    const start = k;
    while (k < rows.length && rows[k] >= s.start && rows[k] < s.end) k++;
    if (k > start) symbols.push({ symbol: s.symbol, start, end: k });
  }
  if (k !== rows.length) throw new RangeError('takeRows: rows must be ascending and grouped by symbol');
  return {
    interval: table.interval,
    symbols,
    timestamp: pick(table.timestamp),
    open: pick(table.open),
    high: pick(table.high),
    low: pick(table.low),
    close: pick(table.close),
    adjClose: pick(table.adjClose),
    volume: pick(table.volume),
  };
}

/** Bars with `start <= timestamp < end` (either bound optional, epoch ms). */
export function sliceByTime(table: BarTable, startMs?: number, endMs?: number): BarTable {
  const rows: number[] = [];
  for (let i = 0; i < table.timestamp.length; i++) {
    const t = table.timestamp[i];
    if ((startMs === undefined || t >= startMs) && (endMs === undefined || t < endMs)) rows.push(i);
  }
  return takeRows(table, rows);
}

/** Symbols `from` to `to - 1` of `table` (by position), their columns as views rather than copies. */
export function symbolSlice(table: BarTable, from: number, to: number): BarTable {
  const picked = table.symbols.slice(from, to);
  if (picked.length === 0) throw new RangeError(`symbolSlice: no symbols in [${from}, ${to}) of ${table.symbols.length}`);
  const start = picked[0].start;
  const end = picked[picked.length - 1].end;
  const view = (col: Float64Array): Float64Array => col.subarray(start, end);
  return {
    interval: table.interval,
    symbols: picked.map((s) => ({ symbol: s.symbol, start: s.start - start, end: s.end - start })),
    timestamp: view(table.timestamp),
    open: view(table.open),
    high: view(table.high),
    low: view(table.low),
    close: view(table.close),
    adjClose: view(table.adjClose),
    volume: view(table.volume),
  };
}

/** One symbol's rows. */
export function symbolBars(table: BarTable, symbol: string): BarTable {
  const s = table.symbols.find((r) => r.symbol === symbol);
  if (!s) throw new RangeError(`symbol ${symbol} not in table (has ${table.symbols.map((r) => r.symbol).join(', ')})`);
  const rows = Array.from({ length: s.end - s.start }, (_, i) => s.start + i);
  return takeRows(table, rows);
}

/** Stack tables with the same interval; symbols must not repeat. */
export function concatBars(tables: readonly BarTable[]): BarTable {
  if (tables.length === 0) throw new RangeError('concatBars: no tables');
  const interval = tables[0].interval;
  const parts: SymbolBars[] = [];
  const seen = new Set<string>();
  for (const t of tables) {
    if (t.interval !== interval) throw new RangeError(`concatBars: mixed intervals ${interval} and ${t.interval}`);
    for (const s of t.symbols) {
      if (seen.has(s.symbol)) throw new RangeError(`concatBars: symbol ${s.symbol} appears twice`);
      seen.add(s.symbol);
      const sub = (c: Float64Array) => c.subarray(s.start, s.end);
      parts.push({
        symbol: s.symbol,
        timestamp: sub(t.timestamp),
        open: sub(t.open),
        high: sub(t.high),
        low: sub(t.low),
        close: sub(t.close),
        adjClose: sub(t.adjClose),
        volume: sub(t.volume),
      });
    }
  }
  return makeBarTable(interval, parts);
}

/**
 * Split- and dividend-adjust OHLC with the ratio adjClose/close, as Yahoo's
 * "auto adjust" does, so returns computed from any price column are total
 * returns. Volume is left as reported.
 */
export function adjustBars(table: BarTable): BarTable {
  const n = table.close.length;
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = table.adjClose[i] / table.close[i];
    open[i] = table.open[i] * f;
    high[i] = table.high[i] * f;
    low[i] = table.low[i] * f;
    close[i] = table.adjClose[i];
  }
  return { ...table, open, high, low, close, adjClose: close.slice() };
}

/** ISO date (daily and longer) or ISO date-time in UTC (intraday). */
export function formatTimestamp(ms: number, interval: Interval): string {
  const iso = new Date(ms).toISOString();
  return isIntraday(interval) ? iso.replace('.000Z', 'Z') : iso.slice(0, 10);
}

/**
 * Bars in a trading year, for annualising: 252 sessions of daily bars, 6.5 hours a session of
 * intraday bars, 52 weeks, 12 months, 4 quarters.
 */
export function barsPerYear(interval: Interval): number {
  if (isIntraday(interval)) return 252 * Math.round(23_400_000 / intervalMs(interval));
  if (interval === '5d' || interval === '1wk') return 52;
  if (interval === '1mo') return 12;
  if (interval === '3mo') return 4;
  return 252;
}
