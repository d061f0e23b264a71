import { type Interval, INTERVALS } from '../data/bars';
import type { BarSourceSpec, LoadOptions } from '../data/load';
import { UsageError } from '../errors';
import { type Flags, listFlag, numberFlag, oneOf, stringFlag } from './command';

/** The flags that pick and shape a data source; shared by every command that loads bars. */
export const SOURCE_OPTIONS = {
  source: { type: 'string' },
  symbol: { type: 'string', multiple: true },
  file: { type: 'string', multiple: true },
  start: { type: 'string' },
  end: { type: 'string' },
  interval: { type: 'string' },
  repair: { type: 'string' },
  adjust: { type: 'boolean' },
  seed: { type: 'string' },
  bars: { type: 'string' },
  signal: { type: 'string' },
  refresh: { type: 'boolean' },
} as const;

export const SOURCE_HELP = `Data source:
  --source synthetic|csv|yahoo   default: csv when --file is given, else synthetic
  --file PATH                    csv: a Yahoo-style OHLCV file (repeat for several)
  --symbol SYM                   yahoo: symbols to fetch; csv: symbol names for the files
  --start DATE --end DATE        keep bars in [start, end); yahoo: the range requested
  --interval 1d|1h|5m|...        bar interval (yahoo, synthetic; csv infers it)
  --repair none|drop|ffill       what to do with invalid rows (default none: report and fail)
  --adjust                       scale OHLC by adj close / close (splits and dividends)
  --seed N --bars N --signal R   synthetic market: seed, bars per symbol, planted signal strength
  --refresh                      yahoo: ignore a fresh cache entry`;

export function sourceFromFlags(flags: Flags): { spec: BarSourceSpec; options: LoadOptions } {
  const files = listFlag(flags, 'file');
  const symbols = listFlag(flags, 'symbol');
  const source = oneOf(flags, 'source', ['synthetic', 'csv', 'yahoo'] as const) ?? (files ? 'csv' : 'synthetic');
  const interval = oneOf(flags, 'interval', INTERVALS) as Interval | undefined;
  const options: LoadOptions = {
    start: stringFlag(flags, 'start'),
    end: stringFlag(flags, 'end'),
    repair: oneOf(flags, 'repair', ['none', 'drop', 'ffill'] as const),
    adjust: flags.adjust === true,
  };
  if (source !== 'synthetic' && (flags.seed !== undefined || flags.bars !== undefined || flags.signal !== undefined)) {
    throw new UsageError('--seed, --bars and --signal apply to --source synthetic only');
  }
  switch (source) {
    case 'csv':
      if (!files) throw new UsageError('--source csv needs --file PATH');
      return { spec: { source, files, symbols, interval }, options };
    case 'yahoo': {
      if (!symbols) throw new UsageError('--source yahoo needs --symbol SYM');
      const start = options.start;
      if (!start) throw new UsageError('--source yahoo needs --start DATE');
      return { spec: { source, symbols, start, end: options.end, interval, refresh: flags.refresh === true }, options };
    }
    case 'synthetic':
      if (files) throw new UsageError('--file applies to --source csv');
      return {
        spec: {
          source,
          symbols,
          interval,
          seed: numberFlag(flags, 'seed', Number.isInteger),
          bars: numberFlag(flags, 'bars', (n) => Number.isInteger(n) && n >= 2),
          signal: numberFlag(flags, 'signal', (n) => n >= 0 && n < 1),
        },
        options,
      };
  }
}
