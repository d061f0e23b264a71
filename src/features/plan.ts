import pl from 'nodejs-polars';

/** Prefix of the hidden intermediate columns a build adds and drops again. */
export const HIDDEN_PREFIX = '__feature_';

/**
 * Hidden integer key of each row's symbol (the number of its run of rows; the builder requires
 * one run per symbol). Windows partition by it instead of the string `symbol`, and it carries
 * polars' sorted flag (set by the `sort`, a no-op on values that already ascend): on a sorted
 * key, `.over` takes each symbol as a slice of rows and lays the results back by concatenation,
 * where an unflagged key costs a hash grouping, a gather and a scatter per window expression.
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
/** A definition built once per process: its expression, plan level (0: not a column) and the hidden columns it reads. */
interface Built {
  readonly expr: pl.Expr;
  readonly level: number;
  readonly reads: readonly string[];
}

// nodejs-polars allocates a large native-backed wrapper for every expression method call
// (0.3 to 2 ms each on these machines, mostly garbage collection), so building Alpha158's few
// thousand calls took longer than computing it. A hidden column or feature column is a pure
// function of its key, so each is built once per process and reused by every later build.
const BUILT = new Map<string, Built>();
const REFS = new Map<string, pl.Expr>();
/** `make()`, called the first time only. */
export const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};
const symbolKey = once(() => {
  const symbol = pl.col('symbol');
  return symbol.neq(symbol.shift(1)).fillNull(true).cast(pl.UInt32).cumSum().sort().alias(SYMBOL_KEY);
});

/** `pl.col(name)`, one wrapper per name per process. */
export function col(name: string): pl.Expr {
  let ref = REFS.get(name);
  if (!ref) REFS.set(name, (ref = pl.col(name)));
  return ref;
}

export class FeaturePlan {
  private readonly levels: Map<string, pl.Expr>[] = [];
  /** Hidden columns read by each definition being built, innermost last. */
  private readonly recording: string[][] = [];

  /** Reference to the hidden column `key`, defined by `make()` at `level` the first time it is asked for. */
  shared(key: string, level: number, make: () => pl.Expr): pl.Expr {
    const name = HIDDEN_PREFIX + key;
    this.built(name, level, () => make().alias(name));
    this.include(name);
    this.recording.at(-1)?.push(name);
    return col(name);
  }

  /** The expression `make()` returns, built once per process under `key`; the hidden columns it reads join this plan. */
  memo(key: string, make: () => pl.Expr): pl.Expr {
    const built = this.built(`memo:${key}`, 0, make);
    for (const name of built.reads) this.include(name);
    return built.expr;
  }

  private built(name: string, level: number, make: () => pl.Expr): Built {
    let built = BUILT.get(name);
    if (!built) {
      const reads: string[] = [];
      this.recording.push(reads);
      try {
        built = { expr: make(), level, reads };
      } finally {
        this.recording.pop();
      }
      BUILT.set(name, built);
    }
    return built;
  }

  private include(name: string): void {
    const built = BUILT.get(name) as Built;
    while (this.levels.length < built.level) this.levels.push(new Map());
    const at = this.levels[built.level - 1];
    if (at.has(name)) return;
    for (const read of built.reads) this.include(read);
    at.set(name, built.expr);
  }

  /**
   * The bar's position within its symbol (0 = the symbol's first bar), as Float64: the warm-up
   * masks compare it with float literals, which an integer column would be cast for at each use.
   */
  bar(): pl.Expr {
    return this.shared('bar', 1, () => perSymbol(pl.intRange(0, pl.len())).cast(pl.Float64));
  }

  /** `query` with every shared column added, level by level, then `finals` added and the shared columns dropped. */
  apply(query: pl.LazyDataFrame, finals: readonly pl.Expr[]): pl.LazyDataFrame {
    let q = query.withColumns(symbolKey());
    for (const at of this.levels) q = q.withColumns(...at.values());
    const hidden = [SYMBOL_KEY, ...this.levels.flatMap((at) => [...at.keys()])];
    return q.withColumns(...finals).drop(hidden);
  }
}
