import { UsageError } from '../errors';
import type { FeatureMatrix } from '../records/samples';

/** Interleave per-feature columns (each one value per row; null/undefined read as NaN) into a matrix. */
export function featureMatrix(names: readonly string[], columns: readonly ArrayLike<number | null | undefined>[]): FeatureMatrix {
  if (names.length !== columns.length) throw new UsageError(`featureMatrix: ${names.length} names but ${columns.length} columns`);
  if (names.length === 0) throw new UsageError('featureMatrix: no features');
  const rows = columns[0].length;
  const nf = names.length;
  const values = new Float64Array(rows * nf);
  columns.forEach((col, f) => {
    if (col.length !== rows) throw new UsageError(`featureMatrix: column ${names[f]} has ${col.length} rows, expected ${rows}`);
    for (let r = 0; r < rows; r++) {
      const v = col[r];
      values[r * nf + f] = v === null || v === undefined ? Number.NaN : v;
    }
  });
  return { names, values };
}
