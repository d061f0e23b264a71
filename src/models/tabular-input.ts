import { type Schema, arr, int } from '../config/schema';
import { UsageError } from '../errors';
import { type SampleSet, type TabularMatrix, resolveLags, tabularMatrix } from '../records/samples';

/** The `lags` option every tabular model takes. */
export const lagsSchema: Schema<number[]> = arr(int({ min: 0 }), {
  minItems: 1,
  doc: 'Bars back whose features the model reads (0 = the sample bar). Default [0, 1, 2, 3, 4], cut to the dataset lookback.',
});

/**
 * What a tabular model reads of each sample: the features of the bars `lags` steps back. Fixed
 * at the first fit (from the config, or the default cut to the window) and checked against
 * every later set, so prediction reads exactly what training read.
 */
export class LagInput {
  private fitted?: { lags: number[]; features: readonly string[] };

  constructor(
    private readonly who: string,
    private readonly configured?: readonly number[],
  ) {}

  /** Restore the input of a saved model. */
  static restored(who: string, lags: readonly number[], features: readonly string[]): LagInput {
    const input = new LagInput(who, lags);
    input.fitted = { lags: [...lags], features };
    return input;
  }

  get lags(): readonly number[] | undefined {
    return this.fitted?.lags;
  }

  get featureNames(): readonly string[] | undefined {
    return this.fitted?.features;
  }

  /** The training matrix; fixes the lags and feature names. */
  fit(s: SampleSet): TabularMatrix {
    this.fitted = { lags: resolveLags(s, this.configured, this.who), features: s.features.names };
    return tabularMatrix(s, this.fitted.lags);
  }

  /** The matrix of a later set, read exactly as in training. */
  matrix(s: SampleSet, what: string): TabularMatrix {
    const f = this.fitted;
    if (!f) throw new UsageError(`${this.who}: the model is not fitted`);
    const names = s.features.names;
    if (names.length !== f.features.length || names.some((n, i) => n !== f.features[i])) {
      const missing = f.features.filter((n) => !names.includes(n));
      const extra = names.filter((n) => !f.features.includes(n));
      throw new UsageError(
        `${this.who}: the ${what} has features [${names.join(', ')}]; the model was fitted on [${f.features.join(', ')}]` +
          (missing.length || extra.length ? ` (missing: ${missing.join(', ') || 'none'}; unexpected: ${extra.join(', ') || 'none'})` : ' (same names, other order)'),
      );
    }
    resolveLags(s, f.lags, this.who);
    return tabularMatrix(s, f.lags);
  }

  describe(): string {
    const f = this.fitted;
    if (!f) return `lags ${(this.configured ?? ['default']).join(',')}`;
    return `lags ${f.lags.join(',')} x ${f.features.length} features`;
  }
}
