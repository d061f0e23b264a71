import { DataError, type DataIssue } from '../errors';

/**
 * Refuse data whose feature columns differ from those a model was trained on: a model fed
 * columns in another order or with one missing predicts garbage without any error.
 * Names every missing, unexpected and moved column.
 */
export function assertSameFeatures(expected: readonly string[], given: readonly string[], source: string): void {
  if (expected.length === given.length && expected.every((f, i) => f === given[i])) return;
  const givenSet = new Set(given);
  const expectedSet = new Set(expected);
  const issues: DataIssue[] = [];
  const issue = (code: string, field: string, message: string): void => {
    issues.push({ code, severity: 'error', source, field, message });
  };
  for (const f of expected) if (!givenSet.has(f)) issue('feature_missing', f, `feature "${f}" the model was trained on is missing from the data`);
  for (const f of given) if (!expectedSet.has(f)) issue('feature_unexpected', f, `feature "${f}" is not one the model was trained on`);
  if (issues.length === 0) {
    expected.forEach((f, i) => {
      if (given[i] !== f) issue('feature_order', f, `feature "${f}" is column ${given.indexOf(f)} in the data but column ${i} in the model`);
    });
  }
  throw new DataError(issues, `feature spec does not match the model's (${source}): expected [${expected.join(', ')}], got [${given.join(', ')}]`);
}
