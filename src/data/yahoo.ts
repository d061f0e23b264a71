import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceUnavailableError, UsageError } from '../errors';
import { dataDir } from '../util/env';
import { writeJsonAtomic } from '../util/fs';
import { type BarTable, type Interval, isIntraday, makeBarTable } from './bars';

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
  t: number;
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
  const period1 = parseDate(options.start, 'start');
  const period2 = options.end === undefined ? now() : parseDate(options.end, 'end');
  if (!(period2 > period1)) throw new UsageError(`yahoo: end (${options.end}) must be after start (${options.start})`);
  const cacheDir = options.cacheDir ?? join(dataDir(), 'cache', 'yahoo');
  const cacheFile = join(cacheDir, `${safeName(options.symbol)}_${interval}_${period1}_${options.end === undefined ? 'open' : period2}.json`);
  const cached = readCache(cacheFile);
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
    throw new SourceUnavailableError(
      `Yahoo request for ${options.symbol} ${interval} failed (${reason}) and no cached copy exists at ${cacheFile}. ` +
        `Offline, use --source synthetic (the seeded market) or --source csv --file <bars.csv>.`,
    );
  }
  writeJsonAtomic(cacheFile, entry);
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
    t: (q.date as Date).getTime(),
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
  const ts = q.map((x) => (daily ? Math.floor((x.t + offsetMs) / 86_400_000) * 86_400_000 : x.t));
  const col = (f: keyof Omit<CachedQuote, 't'>) => q.map((x) => (x[f] === null ? Number.NaN : (x[f] as number)));
  const bars = makeBarTable(entry.interval, [
    { symbol: entry.symbol, timestamp: ts, open: col('o'), high: col('h'), low: col('l'), close: col('c'), adjClose: col('a'), volume: col('v') },
  ]);
  return { bars, cache, cacheFile, meta: entry.meta, notes };
}

function readCache(file: string): CacheEntry | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
  } catch {
    // A corrupt cache entry is treated as absent; the next successful fetch replaces it.
    return undefined;
  }
}

function parseDate(s: string, field: string): number {
  const t = Date.parse(s.length === 10 ? s + 'T00:00:00Z' : s);
  if (!Number.isFinite(t)) throw new UsageError(`yahoo: ${field} "${s}" is not an ISO date (YYYY-MM-DD)`);
  return t;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function safeName(symbol: string): string {
  return symbol.replace(/[^A-Za-z0-9.^=-]/g, '_');
}
