import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { metricsCommand } from '../src/cli/metrics';
import { binaryRocAuc, classificationMetrics, classificationReport } from '../src/evaluate/classification';
import { directionalAccuracy, informationCoefficient } from '../src/evaluate/direction';
import { regressionMetrics } from '../src/evaluate/regression';

const FIXTURES = resolve(__dirname, '..', '..', 'test', 'fixtures', 'metrics');
const REF = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));

/** |actual - expected| <= 1e-9, relative for large magnitudes. */
function near(actual: unknown, expected: number, what: string, tol = 1e-9): void {
  assert.equal(typeof actual, 'number', `${what}: not a number (${String(actual)})`);
  const a = actual as number;
  assert.ok(Math.abs(a - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${a} vs reference ${expected}`);
}

async function score(file: string): Promise<Record<string, any>> {
  return (await metricsCommand.run({ predictions: join(FIXTURES, file) }, [])).json;
}

function compareClassification(actual: Record<string, any>, ref: Record<string, any>): void {
  for (const key of ['accuracy', 'balancedAccuracy', 'logLoss', 'brier', 'rocAuc']) near(actual[key], ref[key], key);
  for (const avg of ['macro', 'weighted']) for (const k of ['precision', 'recall', 'f1']) near(actual[avg][k], ref[avg][k], `${avg} ${k}`);
  assert.deepEqual(actual.confusion, ref.confusion);
  ref.perClass.forEach((c: Record<string, any>, i: number) => {
    const got = actual.perClass[i];
    assert.equal(got.class, c.class);
    assert.equal(got.support, c.support);
    for (const k of ['precision', 'recall', 'f1']) near(got[k], c[k], `${c.class} ${k}`);
  });
}

describe('metrics match scikit-learn on the fixture files', () => {
  it('regression: MAE, RMSE, R², MAPE (zeros skipped), direction and IC', async () => {
    const out = await score('regression.csv');
    const ref = REF.regression;
    assert.equal(out.task, 'regression');
    for (const k of ['mae', 'rmse', 'r2', 'mape']) near(out.regression[k], ref[k], k);
    assert.equal(out.regression.mapeSkipped, ref.mapeSkipped);
    assert.equal(out.directional.n, ref.directional.n);
    assert.equal(out.directional.hits, ref.directional.hits);
    assert.equal(out.directional.zeroPredicted, ref.directional.zeroPredicted);
    near(out.directional.accuracy, ref.directional.accuracy, 'directional accuracy');
    near(out.directional.upShare, ref.directional.upShare, 'up share');
    for (const k of ['pearson', 'spearman']) near(out.informationCoefficient[k], ref[k], k);
    for (const k of ['pearsonPValue', 'spearmanPValue']) near(out.informationCoefficient[k], ref[k], k, 1e-12);
  });

  it('binary with string labels, tied probabilities and its own y_pred', async () => {
    const out = await score('binary.csv');
    assert.equal(out.task, 'classification');
    assert.deepEqual(out.classification.classes, ['DOWN', 'UP']);
    compareClassification(out.classification, REF.binary);
  });

  it('multiclass from probabilities only (y_pred = arg-max)', async () => {
    const out = await score('multiclass.csv');
    assert.deepEqual(out.classification.classes, ['DOWN', 'FLAT', 'UP']);
    compareClassification(out.classification, REF.multiclass);
  });
});

describe('metric definitions on hand-computed cases', () => {
  it('regression edge cases: constant target gives NaN R², all-zero targets give NaN MAPE', () => {
    const m = regressionMetrics([1, 1, 1], [0, 1, 2]);
    assert.ok(Number.isNaN(m.r2));
    near(m.mae, 2 / 3, 'mae');
    near(m.rmse, Math.sqrt(2 / 3), 'rmse');
    near(m.mape, 2 / 3, 'mape');
    const z = regressionMetrics([0, 0], [1, 2]);
    assert.ok(Number.isNaN(z.mape));
    assert.equal(z.mapeSkipped, 2);
  });

  it('directional accuracy skips zero returns and counts zero forecasts as misses', () => {
    const d = directionalAccuracy([0.1, -0.2, 0, 0.3, 0.5, -0.1], [0.05, -0.01, 0.02, 0, -0.3, -0.2]);
    assert.equal(d.zeroRealised, 1);
    assert.equal(d.n, 5);
    assert.equal(d.hits, 3);
    assert.equal(d.zeroPredicted, 1);
    near(d.upShare, 2 / 5, 'up share');
    near(d.majorityRate, 3 / 5, 'majority');
  });

  it('Spearman IC uses average ranks for ties', () => {
    const ic = informationCoefficient([1, 2, 2, 3], [10, 20, 30, 40]);
    // ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): r = 4.5 / sqrt(4.5 * 5)
    near(ic.spearman, 4.5 / Math.sqrt(4.5 * 5), 'spearman');
  });

  it('ROC AUC counts ties as half and is NaN with one class', () => {
    // positives scores 0.8, 0.5; negatives 0.5, 0.2: pairs (0.8>0.5, 0.8>0.2, 0.5=0.5, 0.5>0.2) = 3.5/4
    near(binaryRocAuc([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2]), 3.5 / 4, 'auc');
    assert.ok(Number.isNaN(binaryRocAuc([1, 1], [0.3, 0.4])));
  });

  it('averages skip classes absent from both y_true and y_pred; zero division gives 0', () => {
    const m = classificationMetrics([0, 0, 1, 1], { classes: ['a', 'b', 'c'], yPred: [0, 1, 1, 1] });
    assert.equal(m.perClass[2].support, 0);
    near(m.macro.precision, (1 + 2 / 3) / 2, 'macro precision over a, b only');
    near(m.balancedAccuracy, (0.5 + 1) / 2, 'balanced');
    const never = classificationMetrics([0, 1, 1], { classes: ['a', 'b'], yPred: [1, 1, 1] });
    assert.equal(never.perClass[0].precision, 0);
    assert.equal(never.perClass[0].f1, 0);
  });

  it('prints a classification report with every class, the averages and the confusion matrix', () => {
    const m = classificationMetrics([0, 1, 2, 2], { classes: ['DOWN', 'FLAT', 'UP'], proba: [0.7, 0.2, 0.1, 0.3, 0.4, 0.3, 0.1, 0.1, 0.8, 0.5, 0.2, 0.3] });
    const text = classificationReport(m);
    for (const s of ['DOWN', 'FLAT', 'UP', 'macro avg', 'weighted avg', 'accuracy', 'confusion matrix']) assert.ok(text.includes(s), s);
    assert.deepEqual(m.confusion, [[1, 0, 0], [0, 1, 0], [1, 0, 1]]);
  });
});
