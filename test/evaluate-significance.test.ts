import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { directionalAccuracy } from '../src/evaluate/direction';
import { binomialUpperTail, normQuantile, studentTCdf } from '../src/util/distributions';
import { ksTwoSample, populationStabilityIndex, featureDrift } from '../src/evaluate/drift';
import { deploymentGate } from '../src/evaluate/gate';
import { bootstrapAccuracy, bootstrapSharpe, deflatedSharpe, dieboldMariano, directionalTests, probabilisticSharpe } from '../src/evaluate/significance';
import { holm, verdict } from '../src/evaluate/verdict';
import { Rng } from '../src/util/random';

const FIXTURES = resolve(__dirname, '..', '..', 'test', 'fixtures', 'metrics');
const REF = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')).significance;

/** Relative agreement (absolute below 1e-300). */
function near(actual: number, expected: number, what: string, rel = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-300), `${what}: ${actual} vs reference ${expected}`);
}

function column(file: string, name: string, filter?: (row: string[]) => boolean): number[] {
  const [header, ...rows] = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n').map((l) => l.split(','));
  const k = header.indexOf(name);
  return rows.filter((r) => !filter || filter(r)).map((r) => Number(r[k]));
}

describe('distributions and tests match SciPy', () => {
  it('exact binomial upper tails, Student t CDF, normal quantiles', () => {
    for (const c of REF.binomial) near(binomialUpperTail(c.k, c.n, c.p0), c.pValue, `binomial ${c.k}/${c.n} p0=${c.p0}`);
    for (const c of REF.studentT) near(studentTCdf(c.t, c.df), c.cdf, `t(${c.t}, ${c.df})`);
    for (const c of REF.normQuantile) near(normQuantile(c.p), c.x, `ppf(${c.p})`);
  });

  const ret = column('series.csv', 'ret');
  const modelErr = column('series.csv', 'model_err');
  const baseErr = column('series.csv', 'base_err');

  it('Diebold-Mariano with HAC variance and the Harvey correction', () => {
    const h1 = dieboldMariano(modelErr, baseErr);
    near(h1.statistic, REF.dmSquaredH1.statistic, 'DM h=1');
    near(h1.pValue, REF.dmSquaredH1.pValue, 'DM p h=1');
    near(h1.meanLossDifferential, REF.dmSquaredH1.meanLossDifferential, 'mean d');
    const h3 = dieboldMariano(modelErr, baseErr, { horizon: 3, loss: 'absolute' });
    near(h3.statistic, REF.dmAbsoluteH3.statistic, 'DM h=3');
    near(h3.pValue, REF.dmAbsoluteH3.pValue, 'DM p h=3');
  });

  it('probabilistic and deflated Sharpe ratios', () => {
    const psr = probabilisticSharpe(ret);
    for (const k of ['sharpe', 'skewness', 'kurtosis', 'probability'] as const) near(psr[k], REF.psr[k], `PSR ${k}`);
    const dsr = deflatedSharpe(ret, { trials: 50 });
    near(dsr.benchmark, REF.dsrTrials50.benchmark, 'SR*');
    near(dsr.probability, REF.dsrTrials50.probability, 'DSR');
    assert.ok(dsr.probability < psr.probability, 'trying 50 configurations must lower the confidence');
    assert.equal(deflatedSharpe(ret, { trials: 1 }).probability, psr.probability);
  });

  it('KS statistic exactly, its p-value approximately; PSI as defined', () => {
    const isTrain = (r: string[]) => r[0] === 'train';
    const train = column('drift.csv', 'value', isTrain);
    const recent = column('drift.csv', 'value', (r) => !isTrain(r));
    const ks = ksTwoSample(train, recent);
    near(ks.statistic, REF.ks.statistic, 'KS D', 1e-12);
    // Asymptotic with Stephens' correction vs SciPy's exact Kolmogorov law: close, not equal.
    assert.ok(Math.abs(ks.pValue / REF.ks.pValue - 1) < 0.1, `KS p ${ks.pValue} vs ${REF.ks.pValue}`);
    near(populationStabilityIndex(train, recent), REF.psi, 'PSI');
    const drift = featureDrift({ x: train, same: train }, { x: recent, same: train });
    assert.equal(drift[1].psi, 0);
    assert.equal(drift[1].ks, 0);
    assert.ok(drift[0].psi > 0.1 && drift[0].ksPValue < 0.01);
  });
});

describe('bootstrap, verdict and gate', () => {
  it('block bootstrap intervals are seeded and bracket the estimate', () => {
    const rng = new Rng(3);
    const hits = Array.from({ length: 500 }, () => (rng.uniform() < 0.6 ? 1 : 0));
    const a = bootstrapAccuracy(hits, { seed: 1, resamples: 500 });
    assert.deepEqual(a, bootstrapAccuracy(hits, { seed: 1, resamples: 500 }));
    assert.ok(a.lower < a.estimate && a.estimate < a.upper);
    // Binomial standard error sqrt(.6*.4/500) = 0.022: a 95% interval spans about 0.086.
    assert.ok(Math.abs(a.upper - a.lower - 0.086) < 0.025, `width ${a.upper - a.lower}`);
    const c = bootstrapAccuracy(hits, { seed: 1, resamples: 500, scheme: 'circular', blockLength: 10 });
    assert.ok(c.lower < c.estimate && c.estimate < c.upper);
    const s = bootstrapSharpe(column('series.csv', 'ret'), { seed: 2, resamples: 300 });
    assert.ok(s.lower < s.estimate && s.estimate < s.upper && s.resamples === 300);
  });

  it('binomial tests against 50% and against the majority rate', () => {
    // 60 of 100 right, but 65% of the days went up: beats a coin, not "always long".
    const realised = Array.from({ length: 100 }, (_, i) => (i < 65 ? 0.01 : -0.01));
    const predicted = realised.map((r, i) => (i < 60 ? r : -r));
    const t = directionalTests(directionalAccuracy(predicted, realised));
    assert.ok(t.vsHalf.pValue < 0.05);
    assert.ok(t.vsMajority.pValue > 0.5);
    assert.equal(t.vsMajority.p0, 0.65);
  });

  it('Holm adjustment', () => {
    assert.deepEqual(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06]);
  });

  /** Random-walk returns with fat tails, and forecasts that either know nothing or carry an edge. */
  function market(seed: number, edge: number, n = 500) {
    const rng = new Rng(seed);
    const realised = Float64Array.from({ length: n }, () => 0.01 * rng.normal() * (rng.uniform() < 0.1 ? 3 : 1));
    const predicted = realised.map((r) => edge * r + 0.01 * rng.normal());
    const strategy = realised.map((r, i) => Math.sign(predicted[i]) * r);
    return { realised, predicted, strategy };
  }

  it('on edgeless forecasts "significant edge" fires at no more than its nominal 5% (200 seeds)', () => {
    let fired = 0;
    for (let seed = 0; seed < 200; seed++) {
      const { realised, predicted, strategy } = market(seed, 0);
      const v = verdict({ directional: directionalAccuracy(predicted, realised), returns: strategy, trials: 1 });
      if (v.edge) fired++;
      else assert.match(v.statement, /^no significant edge/);
    }
    // 5% of 200 = 10; allow two binomial standard errors (~6) of sampling noise.
    assert.ok(fired <= 16, `fired ${fired} times in 200`);
  });

  it('with a real edge it fires, and trying many configurations raises the bar', () => {
    let fired = 0;
    for (let seed = 0; seed < 20; seed++) {
      const { realised, predicted, strategy } = market(1000 + seed, 0.5);
      const v = verdict({ directional: directionalAccuracy(predicted, realised), returns: strategy, trials: 10 });
      if (v.edge) {
        fired++;
        assert.match(v.statement, /^significant edge at the 5% level/);
      }
    }
    assert.ok(fired >= 18, `fired only ${fired} of 20`);
    const weak = market(7, 0.08, 500);
    const one = verdict({ directional: directionalAccuracy(weak.predicted, weak.realised), returns: weak.strategy, trials: 1 });
    const many = verdict({ directional: directionalAccuracy(weak.predicted, weak.realised), returns: weak.strategy, trials: 1000 });
    assert.ok(many.tests.every((t, k) => t.adjustedPValue >= one.tests[k].adjustedPValue));
  });

  it('deployment gate: defaults 55% / 1.5 / 20%, pass or fail per criterion', () => {
    const g = deploymentGate({ directionalAccuracy: 0.56, profitFactor: 1.4, maxDrawdownPct: -12 });
    assert.equal(g.pass, false);
    assert.deepEqual(g.criteria.map((c) => c.pass), [true, false, true]);
    assert.equal(g.criteria[2].value, 12);
    assert.equal(deploymentGate({ directionalAccuracy: 0.56, profitFactor: 1.4, maxDrawdownPct: 12 }, { minProfitFactor: 1.3 }).pass, true);
    assert.equal(deploymentGate({ directionalAccuracy: 0.6, profitFactor: Number.NaN, maxDrawdownPct: 5 }).pass, false);
  });
});
