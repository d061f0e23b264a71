import { DataError, UsageError, describeValue } from '../errors';
import { type BarTable, type Interval, INTERVALS, adjustBars, concatBars, isInterval, sliceByTime } from './bars';
import { parseDateOption, readBarsCsv } from './csv';
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
  checkSourceSpec(spec);
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
      if (spec.symbols && spec.symbols.length !== spec.files.length) {
        throw new UsageError(`csv source: "symbols" names ${spec.symbols.length} symbol(s) for ${spec.files.length} file(s); give one symbol per file`);
      }
      const bySymbol = new Map<string, string>();
      spec.files.forEach((file, k) => {
        const parsed = readBarsCsv(file, { symbol: spec.symbols?.[k], interval: spec.interval });
        const checked = validateBars(parsed.bars, { ...validate, source: file, rowNumbers: parsed.lineNumbers, cellText: parsed.cellText, fieldNames: parsed.fieldNames });
        for (const { symbol } of checked.bars.symbols) {
          const other = bySymbol.get(symbol);
          if (other !== undefined) {
            throw new UsageError(`csv source: ${other} and ${file} both give symbol ${symbol}; give each file its own name with "symbols" (--symbol), or load them separately`);
          }
          bySymbol.set(symbol, file);
        }
        const first = tables[0];
        if (first && first.interval !== checked.bars.interval) {
          throw new UsageError(`csv source: ${spec.files[0]} has ${first.interval} bars and ${file} has ${checked.bars.interval} bars; load one interval at a time`);
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

/** The keys each source takes; anything else is a mistake worth naming. */
const SOURCE_KEYS: Readonly<Record<BarSourceSpec['source'], readonly string[]>> = {
  synthetic: ['source', 'symbols', 'bars', 'start', 'interval', 'seed', 'signal', 'annualDrift', 'annualVolatility', 'startPrice'],
  csv: ['source', 'files', 'symbols', 'interval'],
  yahoo: ['source', 'symbols', 'start', 'end', 'interval', 'cacheDir', 'maxAgeMs', 'refresh', 'fetch'],
};

/**
 * The shape of a source spec as it arrives from a JSON config: every mistake a `UsageError`
 * naming the key, what was expected and what was given. Value ranges of the synthetic market
 * are checked by `syntheticMarket` itself.
 */
function checkSourceSpec(spec: unknown): asserts spec is BarSourceSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new UsageError(`source spec: expected an object like {"source": "csv", "files": ["SPY.csv"]}; got ${describeValue(spec)}`);
  }
  const o = spec as Record<string, unknown>;
  const source = o.source;
  if (typeof source !== 'string' || !Object.hasOwn(SOURCE_KEYS, source)) {
    throw new UsageError(`source spec: "source" must be one of ${Object.keys(SOURCE_KEYS).join(', ')}; got ${describeValue(source)}`);
  }
  const where = `${source} source`;
  const allowed = SOURCE_KEYS[source as BarSourceSpec['source']];
  for (const key of Object.keys(o)) {
    if (allowed.includes(key) || o[key] === undefined) continue;
    const near = closest(key, allowed);
    throw new UsageError(`${where}: unknown key "${key}"${near ? `; did you mean "${near}"?` : ''} (keys: ${allowed.join(', ')})`);
  }
  const stringList = (key: string, required: boolean): void => {
    const v = o[key];
    if (v === undefined && !required) return;
    if (v === undefined) throw new UsageError(`${where}: "${key}" is required: a list like ["SPY"]`);
    if (typeof v === 'string') throw new UsageError(`${where}: "${key}" must be a list; got ${describeValue(v)} (write [${JSON.stringify(v)}])`);
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.trim() === '')) {
      throw new UsageError(`${where}: "${key}" must be a non-empty list of non-empty strings; got ${Array.isArray(v) ? JSON.stringify(v) : describeValue(v)}`);
    }
    const seen = new Set<string>();
    for (const x of v as string[]) {
      if (seen.has(x)) throw new UsageError(`${where}: "${key}" lists ${JSON.stringify(x)} twice`);
      seen.add(x);
    }
  };
  const optional = (key: string, type: 'string' | 'number' | 'boolean' | 'function'): void => {
    const v = o[key];
    if (v !== undefined && typeof v !== type) throw new UsageError(`${where}: "${key}" must be a ${type}; got ${describeValue(v)}`);
  };
  if (o.interval !== undefined && !(typeof o.interval === 'string' && isInterval(o.interval))) {
    throw new UsageError(`${where}: "interval" must be one of ${INTERVALS.join(', ')}; got ${describeValue(o.interval)}`);
  }
  switch (source) {
    case 'csv':
      stringList('files', true);
      stringList('symbols', false);
      break;
    case 'yahoo':
      stringList('symbols', true);
      if (typeof o.start !== 'string') throw new UsageError(`${where}: "start" is required: an ISO date like "2015-01-01"; got ${describeValue(o.start)}`);
      optional('end', 'string');
      optional('cacheDir', 'string');
      optional('maxAgeMs', 'number');
      optional('refresh', 'boolean');
      optional('fetch', 'function');
      break;
    case 'synthetic':
      stringList('symbols', false);
      optional('start', 'string');
      break;
  }
}

/** The allowed key a misspelt one most likely meant (edit distance at most 2), if any. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) [best, bestD] = [a, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
