import pl from 'nodejs-polars';
import { UsageError } from '../errors';
import { FEATURE_CATALOG } from './catalog';
import { nullF64 } from './indicators';
import { FeaturePlan, once } from './plan';
import { type FeatureSpec, featureColumns, validateFeatureSpec } from './spec';

const INPUT_COLUMNS = ['symbol', 'date', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * The lazy query that adds the columns of `spec` to `query` (columns as `barsToFrame` gives
 * them, rows grouped by symbol and ascending in time). Each feature is null on its symbol's
 * first `warmup` bars and reads only that symbol's bars at or before its own.
 */
export function featureQuery(query: pl.LazyDataFrame, spec: FeatureSpec): pl.LazyDataFrame {
  const defs = validateFeatureSpec(spec);
  const columns = featureColumns(defs);
  const plan = new FeaturePlan();
  const finals = defs.map((d, k) =>
    plan.memo(columns[k], () => {
      const kind = FEATURE_CATALOG[d.name];
      const params = d.params ?? {};
      const value = kind.expr(params, plan).cast(pl.Float64);
      const warmup = kind.warmup(params);
      const masked = warmup > 0 ? pl.when(plan.bar().lt(warmup)).then(nullF64()).otherwise(value) : value;
      return masked.alias(columns[k]);
    }),
  );
  return plan.apply(query, finals);
}

/** Number of symbols, of runs of rows of one symbol, and of rows not after their symbol's previous row (built once: see plan.ts on expression cost). */
const rowOrderStats = once(() => {
  const sym = pl.col('symbol');
  const sameSymbol = sym.eq(sym.shift(1)).fillNull(false);
  return [
    sym.nUnique().alias('symbols'),
    sameSymbol.not().sum().alias('runs'),
    sameSymbol.and(pl.col('date').diff(1, 'ignore').cast(pl.Float64).ltEq(0)).sum().alias('unordered'),
  ];
});

/** Throw unless each symbol's rows are contiguous and strictly ascending in time. */
function checkRowOrder(frame: pl.DataFrame): void {
  const [symbols, runs, unordered] = (frame.select(...rowOrderStats()).row(0) as number[]).map(Number);
  if (runs !== symbols) throw new UsageError(`buildFeatures: rows must be grouped by symbol (found ${symbols} symbols in ${runs} runs); sort by symbol, date`);
  if (unordered > 0) throw new UsageError(`buildFeatures: ${unordered} row(s) are not after the previous row of their symbol; sort by symbol, date`);
}

/**
 * The lazy query that appends the columns of `spec` to `frame` (as `barsToFrame` returns it:
 * rows grouped by symbol, ascending in time), after checking that the frame is such a frame:
 * `buildFeatures` collects it as it is, `barFeatureMatrix` with its matrix conversion on top.
 */
export function checkedFeatureQuery(frame: pl.DataFrame, spec: FeatureSpec): pl.LazyDataFrame {
  const columns = frame.columns;
  const missing = INPUT_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) throw new UsageError(`buildFeatures: frame lacks column(s) ${missing.join(', ')}; pass barsToFrame(bars)`);
  const clash = featureColumns(spec).filter((c) => columns.includes(c));
  if (clash.length) throw new UsageError(`buildFeatures: frame already has column(s) ${clash.join(', ')}`);
  if (frame.height > 0) checkRowOrder(frame);
  return featureQuery(frame.lazy(), spec);
}

/**
 * `frame` (as `barsToFrame` returns it: rows grouped by symbol, ascending in time) with the
 * columns of `spec` appended, in spec order, all Float64, computed by one polars query.
 * Warm-up rows are null (see `warmupBars`), never filled.
 */
export function buildFeatures(frame: pl.DataFrame, spec: FeatureSpec): pl.DataFrame {
  return checkedFeatureQuery(frame, spec).collectSync();
}
