import { type BarTable, formatTimestamp, isIntraday } from './bars';

export interface SymbolSummary {
  readonly symbol: string;
  readonly rows: number;
  readonly start: string;
  readonly end: string;
  readonly firstClose: number;
  readonly lastClose: number;
  /** Total return of the adjusted close over the range, in percent. */
  readonly totalReturnPct: number;
  /** Standard deviation of adjusted-close log returns, annualised (252 trading days), in percent. */
  readonly annualVolatilityPct: number;
  readonly meanVolume: number;
}

export function summarizeBars(table: BarTable): SymbolSummary[] {
  const perYear = isIntraday(table.interval) ? Number.NaN : table.interval === '1d' ? 252 : table.interval === '1wk' ? 52 : 12;
  return table.symbols.map(({ symbol, start, end }) => {
    let sum = 0;
    let sumSq = 0;
    let vol = 0;
    for (let i = start + 1; i < end; i++) {
      const r = Math.log(table.adjClose[i] / table.adjClose[i - 1]);
      sum += r;
      sumSq += r * r;
    }
    for (let i = start; i < end; i++) vol += table.volume[i];
    const n = end - start - 1;
    const variance = n > 1 ? (sumSq - (sum * sum) / n) / (n - 1) : Number.NaN;
    return {
      symbol,
      rows: end - start,
      start: formatTimestamp(table.timestamp[start], table.interval),
      end: formatTimestamp(table.timestamp[end - 1], table.interval),
      firstClose: table.close[start],
      lastClose: table.close[end - 1],
      totalReturnPct: (table.adjClose[end - 1] / table.adjClose[start] - 1) * 100,
      annualVolatilityPct: Math.sqrt(variance * perYear) * 100,
      meanVolume: vol / (end - start),
    };
  });
}
