import pl from 'nodejs-polars';
import { type BarTable, type SymbolBars, type Interval, makeBarTable } from './bars';

/**
 * The bar table as a polars DataFrame with columns
 * `symbol, date (datetime[ms], UTC), open, high, low, close, adj_close, volume`,
 * rows grouped by symbol in ascending time, as every feature expression expects. With
 * `symbols: 'codes'` the symbol column holds each symbol's index in `table.symbols` (UInt32)
 * instead of its name: enough for feature queries, which only group by it.
 */
export function barsToFrame(table: BarTable, symbols: 'names' | 'codes' = 'names'): pl.DataFrame {
  return pl.DataFrame({
    symbol: symbols === 'names' ? symbolNames(table) : pl.Series('symbol', symbolCodes(table)),
    date: pl.Series('date', table.timestamp).cast(pl.Datetime('ms')),
    open: table.open,
    high: table.high,
    low: table.low,
    close: table.close,
    adj_close: table.adjClose,
    volume: table.volume,
  });
}

function symbolNames(table: BarTable): string[] {
  const symbol: string[] = new Array(table.timestamp.length);
  for (const s of table.symbols) symbol.fill(s.symbol, s.start, s.end);
  return symbol;
}

function symbolCodes(table: BarTable): Uint32Array {
  const code = new Uint32Array(table.timestamp.length);
  table.symbols.forEach((s, i) => code.fill(i, s.start, s.end));
  return code;
}

/** The inverse of `barsToFrame` (rows must be grouped by symbol and ascending in time). */
export function frameToBars(df: pl.DataFrame, interval: Interval): BarTable {
  const symbol = df.getColumn('symbol').toArray() as string[];
  const date = df.getColumn('date').cast(pl.Float64).toArray() as number[];
  const f64 = (name: string) => Float64Array.from(df.getColumn(name).cast(pl.Float64).toArray() as number[]);
  const cols = { open: f64('open'), high: f64('high'), low: f64('low'), close: f64('close'), adjClose: f64('adj_close'), volume: f64('volume') };
  const parts: SymbolBars[] = [];
  let start = 0;
  for (let i = 1; i <= symbol.length; i++) {
    if (i === symbol.length || symbol[i] !== symbol[start]) {
      const sub = (c: Float64Array) => c.subarray(start, i);
      parts.push({
        symbol: symbol[start],
        timestamp: date.slice(start, i),
        open: sub(cols.open),
        high: sub(cols.high),
        low: sub(cols.low),
        close: sub(cols.close),
        adjClose: sub(cols.adjClose),
        volume: sub(cols.volume),
      });
      start = i;
    }
  }
  return makeBarTable(interval, parts);
}
