import pl from 'nodejs-polars';

/** Prefix of the hidden intermediate columns a build adds and drops again. */
export const HIDDEN_PREFIX = '__feature_';

/**
 * Hidden integer key of each row's symbol (the number of its run of rows; the builder requires
 * one run per symbol). Windows partition by it instead of the string `symbol`: polars hashes
 * the partition key for every `.over`, and integers hash several times faster than strings.
 */
const SYMBOL_KEY = `${HIDDEN_PREFIX}symbol_key`;

/** `e` evaluated over each symbol's rows separately (windows, shifts and recursions restart per symbol). */
export function perSymbol(e: pl.Expr): pl.Expr {
  return e.over(SYMBOL_KEY);
}

/**
 * The intermediate columns shared by the features of one build (the bar index, each distinct
 * EMA or Wilder average, rolling mean and std), each computed once and referenced by name.
 * polars does not eliminate common subexpressions inside `with_columns` or under `.over`,
 * so without this MACD's two EMAs would be recomputed by each of its three columns.
 *
 * Levels order the work: a level-1 column reads input columns only, a level-k column reads
 * columns of levels below k. The whole plan is one lazy query, collected once.
 */
export class FeaturePlan {
  private readonly levels: Map<string, pl.Expr>[] = [];

  /** Reference to the hidden column `key`, defined by `make()` at `level` the first time it is asked for. */
  shared(key: string, level: number, make: () => pl.Expr): pl.Expr {
    const name = HIDDEN_PREFIX + key;
    while (this.levels.length < level) this.levels.push(new Map());
    const at = this.levels[level - 1];
    if (!at.has(name)) at.set(name, make().alias(name));
    return pl.col(name);
  }

  /** The bar's position within its symbol (0 = the symbol's first bar). */
  bar(): pl.Expr {
    return this.shared('bar', 1, () => perSymbol(pl.intRange(0, pl.len())));
  }

  /** `query` with every shared column added, level by level, then `finals` added and the shared columns dropped. */
  apply(query: pl.LazyDataFrame, finals: readonly pl.Expr[]): pl.LazyDataFrame {
    const symbol = pl.col('symbol');
    let q = query.withColumns(symbol.neq(symbol.shift(1)).fillNull(true).cast(pl.UInt32).cumSum().alias(SYMBOL_KEY));
    for (const at of this.levels) q = q.withColumns(...at.values());
    const hidden = [SYMBOL_KEY, ...this.levels.flatMap((at) => [...at.keys()])];
    return q.withColumns(...finals).drop(hidden);
  }
}
