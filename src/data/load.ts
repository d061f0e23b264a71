import { DataError, UsageError } from '../errors';
import { type BarTable, type Interval, adjustBars, concatBars, sliceByTime } from './bars';
import { readBarsCsv } from './csv';
import { type PlantedSignal, type SyntheticOptions, syntheticMarket } from './synthetic';
import { type RepairMode, type ValidationReport, validateBars } from './validate';
import { type FetchLike, type CacheUse, loadYahoo } from './yahoo';

/** Where bars come from. Every source yields the same `BarTable`. */
export type BarSourceSpec =
  | ({ readonly source: 'synthetic' } & SyntheticOptions)
  | { readonly source: 'csv'; readonly files: readonly string[]; readonly symbols?: readonly string[]; readonly interval?: Interval }
  | {
      readonly source: 'yahoo';
      readonly symbols: readonly string[];
      readonly start: string;
      readonly end?: string;
      readonly interval?: Interval;
      readonly cacheDir?: string;
      readonly maxAgeMs?: number;
      readonly refresh?: boolean;
      readonly fetch?: FetchLike;
    };

export interface LoadOptions {
  /** Keep bars at or after this ISO date/time. */
  readonly start?: string;
  /** Keep bars before this ISO date/time. */
  readonly end?: string;
  /** Repair policy for invalid rows. Default `none` (invalid data throws a `DataError`). */
  readonly repair?: RepairMode;
  /** Fewest bars each symbol must have after filtering. Default 2. */
  readonly minRows?: number;
  /** Scale OHLC by adjClose/close (split and dividend adjustment). Default false. */
  readonly adjust?: boolean;
}

export interface LoadedBars {
  readonly bars: BarTable;
  /** One validation report per file or symbol. */
  readonly reports: readonly ValidationReport[];
  /** How each Yahoo symbol was served (`fresh` cache, `fetched`, or `stale-fallback`). */
  readonly cache?: Readonly<Record<string, CacheUse>>;
  /** Present for the synthetic source: the planted signal and the best achievable accuracy. */
  readonly signal?: PlantedSignal;
  readonly notes: readonly string[];
}

/** Load, validate (and optionally repair, filter and adjust) bars from any source. */
export async function loadBars(spec: BarSourceSpec, options: LoadOptions = {}): Promise<LoadedBars> {
  const validate = { repair: options.repair, minRows: 1 };
  const reports: ValidationReport[] = [];
  const notes: string[] = [];
  const tables: BarTable[] = [];
  let signal: PlantedSignal | undefined;
  let cache: Record<string, CacheUse> | undefined;

  switch (spec.source) {
    case 'synthetic': {
      const market = syntheticMarket(spec);
      signal = market.signal;
      const checked = validateBars(market.bars, { ...validate, source: 'synthetic' });
      reports.push(checked.report);
      tables.push(checked.bars);
      break;
    }
    case 'csv': {
      if (spec.files.length === 0) throw new UsageError('csv source: no files given');
      if (spec.symbols && spec.symbols.length !== spec.files.length) throw new UsageError('csv source: give one symbol per file');
      spec.files.forEach((file, k) => {
        const parsed = readBarsCsv(file, { symbol: spec.symbols?.[k], interval: spec.interval });
        const checked = validateBars(parsed.bars, { ...validate, source: file, rowNumbers: parsed.lineNumbers, cellText: parsed.cellText, fieldNames: parsed.fieldNames });
        reports.push(checked.report);
        tables.push(checked.bars);
      });
      break;
    }
    case 'yahoo': {
      if (spec.symbols.length === 0) throw new UsageError('yahoo source: no symbols given');
      cache = {};
      for (const symbol of spec.symbols) {
        const res = await loadYahoo({ ...spec, symbol });
        cache[symbol] = res.cache;
        notes.push(...res.notes);
        const checked = validateBars(res.bars, { ...validate, source: `yahoo ${symbol} ${spec.interval ?? '1d'} (${res.cacheFile})` });
        reports.push(checked.report);
        tables.push(checked.bars);
      }
      break;
    }
    default:
      throw new UsageError(`unknown source "${(spec as { source: string }).source}"; expected synthetic, csv or yahoo`);
  }

  let bars = tables.length === 1 ? tables[0] : concatBars(tables);
  if (options.start !== undefined || options.end !== undefined) {
    bars = sliceByTime(bars, parseBound(options.start, 'start'), parseBound(options.end, 'end'));
  }
  const minRows = options.minRows ?? 2;
  const short = bars.symbols.filter((s) => s.end - s.start < minRows);
  if (bars.symbols.length === 0 || short.length > 0) {
    const range = options.start !== undefined || options.end !== undefined ? ` in ${options.start ?? '...'} to ${options.end ?? '...'}` : '';
    const found = short.length > 0 ? short : [{ symbol: undefined, start: 0, end: 0 }];
    throw new DataError(
      found.map((s) => ({ code: 'too_short', severity: 'error' as const, source: reports.map((r) => r.source).join(', '), symbol: s.symbol, message: `${s.end - s.start} bar(s)${range}; at least ${minRows} required` })),
    );
  }
  if (options.adjust) bars = adjustBars(bars);
  return { bars, reports, cache, signal, notes };
}

function parseBound(s: string | undefined, name: string): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s.length === 10 ? s + 'T00:00:00Z' : s);
  if (!Number.isFinite(t)) throw new UsageError(`${name} "${s}" is not an ISO date (YYYY-MM-DD) or date-time`);
  return t;
}
