import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeValue } from '../config/schema';
import { DataError, SourceUnavailableError, UsageError } from '../errors';
import { dataDir } from '../util/env';
import { writeJsonAtomic } from '../util/fs';
import { parseDateOption } from './csv';
import { type BarTable, type Interval, INTERVALS, isInterval, isIntraday, makeBarTable } from './bars';

/** A fetch-compatible function; tests inject one that replays recorded responses. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface YahooOptions {
  readonly symbol: string;
  /** ISO date or date-time; inclusive. */
  readonly start: string;
  /** ISO date or date-time; exclusive. Default: now. */
  readonly end?: string;
  /** Default `1d`. */
  readonly interval?: Interval;
  /** Cache folder. Default `<data dir>/cache/yahoo` (see `dataDir`). */
  readonly cacheDir?: string;
  /**
   * How long a cached response is used without asking Yahoo again, in ms. Default: forever
   * for ranges that ended more than two days ago (history does not change), one hour otherwise.
   */
  readonly maxAgeMs?: number;
  /** Ignore a fresh cache entry and ask Yahoo (the result is still cached). */
  readonly refresh?: boolean;
  readonly fetch?: FetchLike;
  /** Abort a request after this many ms (a dead network may hang rather than fail). Default 20000. */
  readonly timeoutMs?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
  /** Where notes about cache use go. Default: stderr. */
  readonly log?: (message: string) => void;
}

export type CacheUse = 'fresh' | 'fetched' | 'stale-fallback';

export interface YahooResult {
  readonly bars: BarTable;
  readonly cache: CacheUse;
  readonly cacheFile: string;
  /** Exchange time zone and currency as Yahoo reports them. */
  readonly meta: { readonly currency?: string; readonly exchangeTimezoneName?: string; readonly gmtoffset?: number };
  readonly notes: readonly string[];
}

/** One bar as cached: Yahoo's chart quote with the date as epoch ms. */
interface CachedQuote {
  /** Null when Yahoo gave no usable date: validation reports the row. */
  t: number | null;
  o: number | null;
  h: number | null;
  l: number | null;
  c: number | null;
  a: number | null;
  v: number | null;
}
interface CacheEntry {
  fetchedAt: number;
  symbol: string;
  interval: Interval;
  period1: number;
  period2: number;
  meta: YahooResult['meta'];
  quotes: CachedQuote[];
}

const TWO_DAYS = 2 * 86_400_000;

/**
 * Daily or intraday bars from Yahoo Finance's chart API (through `yahoo-finance2`), cached
 * on disk. A request whose cache entry is fresh makes no network call; a failed call with a
 * cached copy falls back to it and says so; without one it fails with a `SourceUnavailableError`
 * that points at the offline sources. Null bars in Yahoo's answer become NaN values, so
 * validation reports them rather than anything dropping them silently.
 */
export async function loadYahoo(options: YahooOptions): Promise<YahooResult> {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const interval = options.interval ?? '1d';
  const period1 = parseDateOption(options.start, 'yahoo: start');
  const period2 = options.end === undefined ? now() : parseDateOption(options.end, 'yahoo: end');
  if (!(period2 > period1)) throw new UsageError(`yahoo: end (${options.end}) must be after start (${options.start})`);
  const cacheDir = options.cacheDir ?? join(dataDir(), 'cache', 'yahoo');
  const cacheFile = join(cacheDir, `${safeName(options.symbol)}_${interval}_${period1}_${options.end === undefined ? 'open' : period2}.json`);
  const read = readCache(cacheFile, { symbol: options.symbol, interval, period1, period2: options.end === undefined ? undefined : period2 });
  // A damaged entry is never served, not even as a fallback; --refresh replaces it.
  if (read.problem && !options.refresh) {
    throw new DataError([{ code: 'corrupt_cache', severity: 'error', source: cacheFile, message: `${read.problem}; delete the file or refresh (--refresh) to fetch it again` }]);
  }
  const cached = read.entry;
  const historical = options.end !== undefined && period2 < now() - TWO_DAYS;
  const maxAge = options.maxAgeMs ?? (historical ? Number.POSITIVE_INFINITY : 3_600_000);
  const notes: string[] = [];

  if (cached && !options.refresh && now() - cached.fetchedAt <= maxAge) {
    return toResult(cached, 'fresh', cacheFile, notes);
  }
  let entry: CacheEntry;
  try {
    const base = options.fetch ?? fetch;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const timed: FetchLike = (input, init) => base(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    entry = await fetchChart(options.symbol, interval, period1, period2, timed, now(), log);
  } catch (err) {
    const reason = (err as Error).message;
    if (cached) {
      const note = `Yahoo request for ${options.symbol} failed (${reason}); using the cached copy from ${new Date(cached.fetchedAt).toISOString()}`;
      log(note);
      notes.push(note);
      return toResult(cached, 'stale-fallback', cacheFile, notes);
    }
    const copy = read.problem ? `the cached copy at ${cacheFile} is unusable (${read.problem})` : `no cached copy exists at ${cacheFile}`;
    throw new SourceUnavailableError(
      `Yahoo request for ${options.symbol} ${interval} failed (${reason}) and ${copy}. ` +
        `Offline, use --source synthetic (the seeded market) or --source csv --file <bars.csv>.`,
    );
  }
  writeJsonAtomic(cacheFile, entry);
  if (read.problem) {
    const note = `replaced the unusable cache entry (${read.problem})`;
    log(note);
    notes.push(note);
  }
  return toResult(entry, 'fetched', cacheFile, notes);
}

async function fetchChart(
  symbol: string,
  interval: Interval,
  period1: number,
  period2: number,
  fetchImpl: FetchLike,
  fetchedAt: number,
  log: (message: string) => void,
): Promise<CacheEntry> {
  // Loaded on first use: the package is large and only this source needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YahooFinance = require('yahoo-finance2').default;
  // The library's own messages go to our log (stderr by default), never stdout, so --json output stays one object.
  const say = (...args: unknown[]) => log(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  const logger = { info: say, warn: say, error: say, debug: () => undefined, dir: say };
  const yf = new YahooFinance({ fetch: fetchImpl, logger, suppressNotices: ['yahooSurvey', 'ripHistorical'] });
  const res = await yf.chart(symbol, { period1: new Date(period1), period2: new Date(period2), interval, events: 'div|split' });
  const quotes: CachedQuote[] = (res.quotes as Array<Record<string, unknown>>).map((q) => ({
    t: q.date instanceof Date && Number.isFinite(q.date.getTime()) ? q.date.getTime() : null,
    o: num(q.open),
    h: num(q.high),
    l: num(q.low),
    c: num(q.close),
    a: num(q.adjclose ?? q.close),
    v: num(q.volume),
  }));
  const meta = res.meta as Record<string, unknown>;
  return {
    fetchedAt,
    symbol,
    interval,
    period1,
    period2,
    meta: { currency: meta.currency as string, exchangeTimezoneName: meta.exchangeTimezoneName as string, gmtoffset: meta.gmtoffset as number },
    quotes,
  };
}

function toResult(entry: CacheEntry, cache: CacheUse, cacheFile: string, notes: string[]): YahooResult {
  const q = entry.quotes;
  const daily = !isIntraday(entry.interval);
  // Yahoo stamps daily bars at the session open in UTC; the trading date is the exchange-local date.
  const offsetMs = (entry.meta.gmtoffset ?? 0) * 1000;
  const ts = q.map((x) => (typeof x.t !== 'number' ? Number.NaN : daily ? Math.floor((x.t + offsetMs) / 86_400_000) * 86_400_000 : x.t));
  const col = (f: keyof Omit<CachedQuote, 't'>) => q.map((x): number => {
    const v = x[f];
    return typeof v === 'number' ? v : Number.NaN;
  });
  const bars = makeBarTable(entry.interval, [
    { symbol: entry.symbol, timestamp: ts, open: col('o'), high: col('h'), low: col('l'), close: col('c'), adjClose: col('a'), volume: col('v') },
  ]);
  return { bars, cache, cacheFile, meta: entry.meta, notes };
}

interface CacheRequest {
  readonly symbol: string;
  readonly interval: Interval;
  readonly period1: number;
  /** Undefined for open-ended requests, whose entry records the time it was fetched up to. */
  readonly period2?: number;
}

/**
 * The cache entry at `file` if it is one and answers `request`; `problem` says why it cannot
 * be used (unreadable, not JSON, not an entry, or an answer to another request).
 */
function readCache(file: string, request: CacheRequest): { entry?: CacheEntry; problem?: string } {
  if (!existsSync(file)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { problem: `corrupt cache file ${file}: ${(err as Error).message}` };
  }
  const shape = cacheShapeProblem(value);
  if (shape) return { problem: `corrupt cache file ${file}: ${shape}` };
  const entry = value as CacheEntry;
  const holds = `${entry.symbol} ${entry.interval} from ${new Date(entry.period1).toISOString()}`;
  const asked = `${request.symbol} ${request.interval} from ${new Date(request.period1).toISOString()}`;
  if (entry.symbol !== request.symbol || entry.interval !== request.interval || entry.period1 !== request.period1) {
    return { problem: `cache file ${file} holds ${holds}, not the ${asked} requested` };
  }
  if (request.period2 !== undefined && entry.period2 !== request.period2) {
    return { problem: `cache file ${file} ends at ${new Date(entry.period2).toISOString()}, not at the ${new Date(request.period2).toISOString()} requested` };
  }
  return { entry };
}

/** Why `value` is not a cache entry as `fetchChart` writes it, or undefined when it is one. */
function cacheShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected a cache entry object, found ${describeValue(value)}`;
  const e = value as Record<string, unknown>;
  for (const key of ['fetchedAt', 'period1', 'period2'] as const) {
    if (typeof e[key] !== 'number' || !Number.isFinite(e[key])) return `"${key}" should be a number (epoch ms), found ${describeValue(e[key])}`;
  }
  if (typeof e.symbol !== 'string') return `"symbol" should be a string, found ${describeValue(e.symbol)}`;
  if (typeof e.interval !== 'string' || !isInterval(e.interval)) return `"interval" should be one of ${INTERVALS.join(', ')}, found ${describeValue(e.interval)}`;
  if (typeof e.meta !== 'object' || e.meta === null) return `"meta" should be an object, found ${describeValue(e.meta)}`;
  if (!Array.isArray(e.quotes)) return `"quotes" should be an array of bars, found ${describeValue(e.quotes)}`;
  for (let k = 0; k < e.quotes.length; k++) {
    const q = e.quotes[k] as Record<string, unknown> | null;
    if (typeof q !== 'object' || q === null) return `quotes[${k}] should be a bar object, found ${describeValue(q)}`;
    for (const f of ['t', 'o', 'h', 'l', 'c', 'a', 'v'] as const) {
      // A missing date or value is kept as a gap for validation to report by row.
      if (q[f] !== undefined && q[f] !== null && typeof q[f] !== 'number') return `quotes[${k}].${f} should be a number or null, found ${describeValue(q[f])}`;
    }
  }
  return undefined;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function safeName(symbol: string): string {
  return symbol.replace(/[^A-Za-z0-9.^=-]/g, '_');
}
