import { describeValue } from '../config/schema';
import { DataError, UsageError } from '../errors';
import { type BarTable, adjustBars, concatBars, sliceByTime } from './bars';
import { parseDateOption, readBarsCsv } from './csv';
import { type BarSourceSpec, sourceSchema } from './source-schema';
import { type PlantedSignal, syntheticMarket } from './synthetic';
import { type RepairMode, type ValidationReport, validateBars } from './validate';
import { type CacheUse, loadYahoo } from './yahoo';

export type { BarSourceSpec } from './source-schema';

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
export async function loadBars(given: BarSourceSpec, options: LoadOptions = {}): Promise<LoadedBars> {
  const spec = checkSourceSpec(given);
  if (options.repair !== undefined && !(REPAIR_MODES as readonly string[]).includes(options.repair)) {
    throw new UsageError(`repair must be one of ${REPAIR_MODES.join(', ')}; got ${describeValue(options.repair)}`);
  }
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
      const bySymbol = new Map<string, string>();
      spec.files.forEach((file, k) => {
        const parsed = readBarsCsv(file, { symbol: spec.symbols?.[k], interval: spec.interval });
        const checked = validateBars(parsed.bars, { ...validate, source: file, rowNumbers: parsed.lineNumbers, cellText: parsed.cellText, fieldNames: parsed.fieldNames });
        for (const { symbol } of checked.bars.symbols) {
          const other = bySymbol.get(symbol);
          if (other !== undefined) {
            throw new UsageError(`source.files: ${other} and ${file} both give symbol ${symbol}; give each file its own name with "symbols" (--symbol), or load them separately`);
          }
          bySymbol.set(symbol, file);
        }
        const first = tables[0];
        if (first && first.interval !== checked.bars.interval) {
          throw new UsageError(`source.files: ${spec.files[0]} has ${first.interval} bars and ${file} has ${checked.bars.interval} bars; load one interval at a time`);
        }
        reports.push(checked.report);
        tables.push(checked.bars);
      });
      break;
    }
    case 'yahoo': {
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
  }

  let bars = tables.length === 1 ? tables[0] : concatBars(tables);
  if (options.start !== undefined || options.end !== undefined) {
    const bound = (v: string | undefined, name: string) => (v === undefined ? undefined : parseDateOption(v, name));
    bars = sliceByTime(bars, bound(options.start, 'start'), bound(options.end, 'end'));
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

const REPAIR_MODES = ['none', 'drop', 'ffill'] as const;

/**
 * The spec checked against the one source schema configs use (so a spec built in code gets
 * the same messages as one read from JSON), plus what a schema cannot say: a symbol named twice.
 * `fetch` is code, not config, and passes through.
 */
function checkSourceSpec(spec: BarSourceSpec): BarSourceSpec {
  const fetch: unknown = typeof spec === 'object' && spec !== null ? (spec as { fetch?: unknown }).fetch : undefined;
  if (fetch !== undefined && typeof fetch !== 'function') throw new UsageError(`source.fetch: expected a fetch function, got ${describeValue(fetch)}`);
  const parsed = sourceSchema.parse(fetch === undefined ? spec : withoutFetch(spec), 'source');
  const names = (parsed as { symbols?: readonly string[] }).symbols;
  const twice = names?.find((x, k) => names.indexOf(x) !== k);
  if (twice !== undefined) throw new UsageError(`source.symbols: ${JSON.stringify(twice)} is listed twice`);
  return (fetch === undefined ? parsed : { ...parsed, fetch }) as BarSourceSpec;
}

function withoutFetch(spec: object): object {
  const { fetch: _, ...rest } = spec as { fetch?: unknown };
  return rest;
}
