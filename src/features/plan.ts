import pl from 'nodejs-polars';

/** Prefix of the hidden intermediate columns a build adds and drops again. */
export const HIDDEN_PREFIX = '__feature_';

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
    return this.shared('bar', 1, () => pl.intRange(0, pl.len()).over('symbol'));
  }

  /** `query` with every shared column added, level by level, then `finals` added and the shared columns dropped. */
  apply(query: pl.LazyDataFrame, finals: readonly pl.Expr[]): pl.LazyDataFrame {
    let q = query;
    for (const at of this.levels) q = q.withColumns(...at.values());
    const hidden = this.levels.flatMap((at) => [...at.keys()]);
    q = q.withColumns(...finals);
    return hidden.length ? q.drop(hidden) : q;
  }
}
