import { type Schema, arr, bool, int, literal, num, obj, oneOf, opt, req, str, tagged } from '../config/schema';
import { type Interval, INTERVALS } from './bars';
import { parseIsoDate } from './csv';
import type { SyntheticOptions } from './synthetic';
import type { FetchLike } from './yahoo';

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

const isoDate = (doc: string) => str({ check: (v) => (Number.isNaN(parseIsoDate(v)) ? `expected an ISO date (YYYY-MM-DD) or date-time, got the string ${JSON.stringify(v)}` : undefined), doc });
const interval = oneOf(INTERVALS, 'Bar interval, as Yahoo names it.');
const symbols = (doc: string) => arr(str({ pattern: /^[A-Za-z0-9^=._-]+$/, patternDoc: "letters, digits, '^', '=', '.', '_' or '-'" }), { minItems: 1, doc });

/** Where bars come from, as a strict schema (the `source` key picks the variant). */
export const sourceSchema: Schema<BarSourceSpec> = tagged<BarSourceSpec>(
  'source',
  {
    synthetic: obj(
      {
        source: req(literal('synthetic')),
        symbols: opt(symbols("Symbols, each an independent stream forked from seed. Default ['SYN'].")),
        bars: opt(int({ min: 2, max: 50_000_000, doc: 'Bars per symbol. Default 2520.' })),
        start: opt(isoDate('First bar date. Default 2015-01-02.')),
        interval: opt(interval),
        seed: opt(int()),
        signal: opt(num({ min: 0, max: 1, exclusiveMax: true, doc: 'Planted signal strength rho in [0, 1). Default 0.' })),
        annualDrift: opt(num({ min: -10, max: 10 })),
        annualVolatility: opt(num({ min: 0, max: 10, exclusiveMin: true })),
        startPrice: opt(num({ min: 0, exclusiveMin: true })),
      },
      { doc: 'A seeded synthetic market (GBM with GARCH volatility and regimes), optionally with a planted signal.' },
    ),
    csv: obj(
      {
        source: req(literal('csv')),
        files: req(arr(str(), { minItems: 1, doc: 'Yahoo-style CSV files, one symbol each.' })),
        symbols: opt(symbols('Symbol of each file (default: the file name).')),
        interval: opt(interval),
      },
      {
        doc: 'Yahoo-style CSV files.',
        check: (o) => (o.symbols && o.symbols.length !== o.files.length ? { field: 'symbols', problem: `gives ${o.symbols.length} symbol(s) for ${o.files.length} file(s)` } : undefined),
      },
    ),
    yahoo: obj(
      {
        source: req(literal('yahoo')),
        symbols: req(symbols('Yahoo tickers.')),
        start: req(isoDate('First date to fetch.')),
        end: opt(isoDate('Fetch bars before this date. Default now.')),
        interval: opt(interval),
        cacheDir: opt(str({ doc: 'On-disk cache. Default data/cache.' })),
        maxAgeMs: opt(int({ min: 0 })),
        refresh: opt(bool()),
      },
      { doc: 'Yahoo Finance through yahoo-finance2, with an on-disk cache.' },
    ),
  },
  'Where bars come from.',
);
