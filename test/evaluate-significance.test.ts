import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { directionalAccuracy } from '../src/evaluate/direction';
import { binomialUpperTail, normQuantile, studentTCdf } from '../src/util/distributions';
import { ksTwoSample, populationStabilityIndex, featureDrift } from '../src/evaluate/drift';
import { deploymentGate, parseGateThresholds } from '../src/evaluate/gate';
import { UsageError } from '../src/errors';
import {
  type HacKernel,
  binomialTest,
  bootstrapAccuracy,
  bootstrapSharpe,
  deflatedSharpe,
  dieboldMariano,
  directionalHacTest,
  directionalTests,
  hacMeanTest,
  hitSeries,
  probabilisticSharpe,
} from '../src/evaluate/significance';
import { holm, verdict } from '../src/evaluate/verdict';
import { loadBars } from '../src/data/load';
import { syntheticMarket } from '../src/data/synthetic';
import { computeLabels } from '../src/labels';
import { Rng } from '../src/util/random';
import { SHARED_SKIP, shared } from './helpers';

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

  it('deployment gate, absolute mode (the seeds\' rule): 55% / 1.5 / 20%, pass or fail per criterion', () => {
    const abs = { mode: 'absolute' } as const;
    const g = deploymentGate({ directionalAccuracy: 0.56, profitFactor: 1.4, maxDrawdownPct: -12 }, abs);
    assert.equal(g.pass, false);
    assert.deepEqual(g.criteria.map((c) => c.pass), [true, false, true]);
    assert.equal(g.criteria[2].value, 12);
    assert.equal(deploymentGate({ directionalAccuracy: 0.56, profitFactor: 1.4, maxDrawdownPct: 12 }, { ...abs, minProfitFactor: 1.3 }).pass, true);
    assert.equal(deploymentGate({ directionalAccuracy: 0.6, profitFactor: Number.NaN, maxDrawdownPct: 5 }, abs).pass, false);
  });

  it('deployment gate, relative mode (default): accuracy over the majority rate, return over buy-and-hold', () => {
    // SPY-like drift: "always up" is right 54% of the time and earns buy-and-hold's return.
    const alwaysUp = { directionalAccuracy: 0.56, majorityRate: 0.56, returnPct: 80, buyHoldReturnPct: 80, profitFactor: 1.6, maxDrawdownPct: -15 };
    assert.equal(deploymentGate(alwaysUp, { mode: 'absolute' }).pass, true, 'the absolute rule passes drift');
    const rel = deploymentGate(alwaysUp);
    assert.equal(rel.mode, 'relative');
    assert.equal(rel.pass, false);
    assert.deepEqual(rel.criteria.map((c) => [c.name, c.pass]), [
      ['directional accuracy over majority rate', false],
      ['return over buy-and-hold [%]', false],
      ['profit factor', true],
      ['max drawdown [%]', true],
    ]);
    const skilled = { ...alwaysUp, directionalAccuracy: 0.62, returnPct: 95 };
    assert.equal(deploymentGate(skilled).pass, true);
    assert.ok(Math.abs(deploymentGate(skilled).criteria[0].value - 0.06) < 1e-12);
    assert.equal(deploymentGate({ ...skilled, returnPct: 79 }).pass, false, 'trailing buy-and-hold fails');
    assert.equal(deploymentGate(skilled, { minExcessAccuracy: 0.07 }).pass, false);
    // Unmeasured relative inputs fail their criteria rather than passing silently.
    const bare = deploymentGate({ directionalAccuracy: 0.9, profitFactor: 3, maxDrawdownPct: 1 });
    assert.equal(bare.pass, false);
    assert.ok(Number.isNaN(bare.criteria[0].value) && Number.isNaN(bare.criteria[1].value));
    assert.throws(() => deploymentGate(skilled, { mode: 'both' as never }), /gate\.mode: expected one of "relative", "absolute", got the string "both"/);
    // A threshold the mode would ignore is refused, naming the key, rather than dropped.
    assert.throws(() => deploymentGate(skilled, { minDirectionalAccuracy: 0.55 }), (e: unknown) => e instanceof UsageError && /gate\.minDirectionalAccuracy: applies to the absolute gate/.test(e.message));
    assert.throws(() => parseGateThresholds({ mode: 'absolute', minExcessAccuracy: 0.02 }), /gate\.minExcessAccuracy: applies to the relative gate/);
    assert.throws(() => parseGateThresholds({ minAccuracy: 0.5 }, 'config.gate'), /config\.gate\.minAccuracy: unknown key/);
    assert.throws(() => parseGateThresholds({ minProfitFactor: '1.5' }), /gate\.minProfitFactor: expected a number >= 0, got the string "1\.5"/);
    assert.deepEqual(parseGateThresholds({ mode: 'absolute', minDirectionalAccuracy: 0.55 }), { mode: 'absolute', minDirectionalAccuracy: 0.55 });
  });
});

describe('overlapping labels: HAC test and Diebold-Mariano with the label horizon', () => {
  const HAC = resolve(__dirname, '..', '..', 'test', 'fixtures', 'significance');
  const ref = JSON.parse(readFileSync(join(HAC, 'reference.json'), 'utf8'));
  const [header, ...rows] = readFileSync(join(HAC, 'series.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string, only?: string) => rows.filter((r) => !only || r[0] === only).map((r) => (name === 'symbol' ? r[0] : Number(r[header.indexOf(name)])));
  const symbolA = { realised: col('realised', 'A') as number[], forecast: col('forecast', 'A') as number[] };
  const hitsA = hitSeries(symbolA.forecast, symbolA.realised).hits;
  const H = ref.horizon as number;

  function same(actual: ReturnType<typeof hacMeanTest>, expected: Record<string, number | string>, what: string): void {
    for (const k of ['n', 'horizon', 'kernel', 'kernelUsed'] as const) assert.equal(actual[k], expected[k], `${what} ${k}`);
    for (const k of ['mean', 'mu0', 'standardError', 'statistic', 'pValue', 'pValueTwoSided'] as const) near(actual[k], expected[k] as number, `${what} ${k}`, 1e-10);
  }

  it('HAC mean test matches the NumPy definitions and statsmodels (truncated and Bartlett kernels, h = 1 and 5, grouped)', () => {
    assert.equal(ref.statsmodelsChecks, 10, 'the fixture was generated with the statsmodels cross-check');
    same(hacMeanTest(hitsA, 0.5, { horizon: H }), ref.hitsVsHalfTruncated, 'truncated');
    same(hacMeanTest(hitsA, 0.5, { horizon: H, kernel: 'bartlett' }), ref.hitsVsHalfBartlett, 'bartlett');
    same(hacMeanTest(hitsA, 0.5), ref.hitsVsHalfH1, 'h=1');
    const all = hitSeries(col('forecast') as number[], col('realised') as number[], col('symbol') as string[]);
    for (const [kernel, key] of [['truncated', 'hitsPooledGroups'], ['bartlett', 'hitsPooledGroupsBartlett']] as [HacKernel, string][]) {
      same(hacMeanTest(all.hits, 0.5, { horizon: H, kernel, groups: all.groups }), ref[key], key);
    }
    // Against the majority rate, as the verdict uses it.
    const d = directionalHacTest(symbolA.forecast, symbolA.realised, { horizonBars: H });
    same(d, ref.hitsVsMajorityTruncated, 'vs majority');
    near(d.mu0, ref.majorityRateA, 'majority rate');
  });

  it('Diebold-Mariano takes the label horizon and matches the reference', () => {
    const m = col('model_err', 'A') as number[];
    const b = col('base_err', 'A') as number[];
    for (const loss of ['squared', 'absolute'] as const) {
      for (const h of [1, H]) {
        const r = ref[`dm_${loss}_h${h}`];
        const dm = dieboldMariano(m, b, { horizon: h, loss });
        assert.equal(dm.horizon, h);
        near(dm.statistic, r.statistic, `DM ${loss} h=${h} statistic`, 1e-10);
        near(dm.pValue, r.pValueLower, `DM ${loss} h=${h} p`, 1e-10);
        near(dm.pValueTwoSided, r.pValueTwoSided, `DM ${loss} h=${h} two-sided`, 1e-10);
      }
    }
    const dm1 = dieboldMariano(m, b);
    assert.throws(() => verdict({ dieboldMariano: dm1, horizonBars: H }), /horizon 1 but the labels span 5 bars/);
  });

  it('overlapping hits need the per-row forecasts; a constant hit series is no evidence', () => {
    const d = directionalAccuracy(symbolA.forecast, symbolA.realised);
    assert.throws(() => verdict({ directional: d, horizonBars: 5 }), /need[s]? the per-row forecasts/);
    const v = verdict({ forecasts: { predicted: symbolA.forecast, realised: symbolA.realised }, horizonBars: 5 });
    assert.match(v.tests[0].detail, /5-bar labels overlap: HAC t-test, truncated kernel, lags 4/);
    assert.ok(Number.isNaN(hacMeanTest([1, 1, 1, 1, 1], 0.5, { horizon: 2 }).pValue));
    assert.throws(() => hacMeanTest([1, Number.NaN, 0], 0.5), /observation 1 is NaN/);
  });
});

/**
 * The false-edge rate on random walks, through the real label construction: a GARCH random
 * walk with drift and no signal (syntheticMarket), up/down labels over h bars from
 * computeLabels (so consecutive labels overlap exactly as in an experiment), two forecasts
 * known at bar t (naive: the sign of the last bar's return; momentum: the sign of the last
 * 20 bars' return, persistent, so its hits are strongly serially dependent) and long/flat
 * strategies trading them bar by bar against buy-and-hold.
 */
function randomWalkRun(seed: number, h: number) {
  const { bars } = syntheticMarket({ bars: 600, seed, signal: 0 });
  const labels = computeLabels(bars, { kind: 'updown', horizonBars: h });
  const close = bars.close;
  const LOOKBACK = 20;
  const out = { naive: { predicted: [] as number[], returns: [] as number[] }, momentum: { predicted: [] as number[], returns: [] as number[] } };
  const realised: number[] = [];
  const buyHold: number[] = [];
  for (let t = LOOKBACK; t < close.length - 1; t++) {
    if (Number.isNaN(labels.value[t])) continue;
    const next = close[t + 1] / close[t] - 1;
    realised.push(labels.realizedReturn[t]);
    buyHold.push(next);
    for (const [name, lag] of [['naive', 1], ['momentum', LOOKBACK]] as const) {
      const f = Math.log(close[t] / close[t - lag]);
      out[name].predicted.push(f);
      out[name].returns.push(f > 0 ? next : 0);
    }
  }
  return { realised, buyHold, ...out };
}

describe('false-edge rate on random walks (no signal)', () => {
  const SEEDS = 1000;
  const ALPHA = 0.05;
  // The nominal rate plus 1.96 binomial standard errors of a rate measured over SEEDS runs.
  const BOUND = ALPHA + 1.96 * Math.sqrt((ALPHA * (1 - ALPHA)) / SEEDS);

  for (const h of [1, 5]) {
    it(`horizon ${h}: "significant edge" fires at most ${ALPHA * 100}% + sampling error (${SEEDS} seeds per forecast)`, () => {
      const fired = { naive: 0, momentum: 0 };
      const accuracyFired = { naive: 0, momentum: 0 };
      const binomialVsCoin = { naive: 0, momentum: 0 };
      const accuracyVsCoinHac = { naive: 0, momentum: 0 };
      for (let seed = 0; seed < SEEDS; seed++) {
        const run = randomWalkRun(seed, h);
        for (const name of ['naive', 'momentum'] as const) {
          const v = verdict({ forecasts: { predicted: run[name].predicted, realised: run.realised }, horizonBars: h, returns: run[name].returns, buyHoldReturns: run.buyHold });
          if (v.edge) fired[name]++;
          else assert.match(v.statement, /^no significant edge/);
          if (v.tests[0].pValue <= ALPHA) accuracyFired[name]++;
          // What the verdict used before for every horizon: the exact binomial, here against a coin.
          const d = directionalAccuracy(run[name].predicted, run.realised);
          if (binomialTest(d.hits, d.n, 0.5).pValue <= ALPHA) binomialVsCoin[name]++;
          // The HAC test against a coin, which is what overlapping labels need.
          if (h > 1 && directionalHacTest(run[name].predicted, run.realised, { horizonBars: h, p0: 0.5 }).pValue <= ALPHA) accuracyVsCoinHac[name]++;
        }
      }
      const rate = (k: number) => k / SEEDS;
      const line = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${(rate(v) * 100).toFixed(1)}%`).join(', ');
      console.log(`# h=${h}, ${SEEDS} seeds, bound ${(BOUND * 100).toFixed(2)}%: verdict ${line(fired)}; accuracy test alone ${line(accuracyFired)}; binomial vs coin ${line(binomialVsCoin)}` + (h > 1 ? `; HAC vs coin ${line(accuracyVsCoinHac)}` : ''));
      for (const name of ['naive', 'momentum'] as const) {
        assert.ok(rate(fired[name]) <= BOUND, `${name}: verdict fired ${fired[name]} of ${SEEDS} (bound ${BOUND})`);
        assert.ok(rate(accuracyFired[name]) <= BOUND, `${name}: accuracy test fired ${accuracyFired[name]} of ${SEEDS}`);
        if (h > 1) assert.ok(rate(accuracyVsCoinHac[name]) <= BOUND, `${name}: HAC vs coin fired ${accuracyVsCoinHac[name]} of ${SEEDS}`);
      }
      // The test can fail: with overlapping labels the binomial's independence assumption breaks for a persistent forecast.
      if (h > 1) assert.ok(rate(binomialVsCoin.momentum) > BOUND, `binomial on overlapping hits fired only ${binomialVsCoin.momentum} of ${SEEDS}`);
    });
  }
});

describe('power: a planted signal is still found at both horizons', () => {
  // Without this, a verdict that never fires would pass the false-edge test above.
  for (const h of [1, 5]) {
    it(`horizon ${h}: the oracle's forecast on a planted signal (strength 0.3) is called an edge in at least 90% of 40 seeds`, () => {
      let fired = 0;
      for (let seed = 0; seed < 40; seed++) {
        const m = syntheticMarket({ bars: 600, seed: 5000 + seed, signal: 0.3 });
        const labels = computeLabels(m.bars, { kind: 'updown', horizonBars: h });
        const close = m.bars.close;
        const predicted: number[] = [];
        const realised: number[] = [];
        const returns: number[] = [];
        const buyHold: number[] = [];
        for (let t = 1; t < close.length - 1; t++) {
          if (Number.isNaN(labels.value[t])) continue;
          const next = close[t + 1] / close[t] - 1;
          const f = m.signal.conditionalMean[t];
          predicted.push(f);
          realised.push(labels.realizedReturn[t]);
          buyHold.push(next);
          returns.push(f > 0 ? next : -next);
        }
        if (verdict({ forecasts: { predicted, realised }, horizonBars: h, returns, buyHoldReturns: buyHold }).edge) fired++;
      }
      assert.ok(fired >= 36, `fired ${fired} of 40`);
    });
  }
});

describe('drift is not an edge', () => {
  it('on real SPY, "always up" (majority, buy-and-hold) is an edge only under the absolute rule', { skip: SHARED_SKIP }, async () => {
    const { bars } = await loadBars({ source: 'csv', files: [shared('market', 'SPY_daily.csv')] });
    const labels = computeLabels(bars, { kind: 'updown', horizonBars: 1 });
    const realised: number[] = [];
    const buyHold: number[] = [];
    for (let t = 0; t < bars.close.length - 1; t++) {
      if (Number.isNaN(labels.value[t])) continue;
      realised.push(labels.realizedReturn[t]);
      buyHold.push(bars.close[t + 1] / bars.close[t] - 1);
    }
    const forecasts = { predicted: realised.map(() => 1), realised };
    const input = { forecasts, returns: buyHold, buyHoldReturns: buyHold, trials: 3 };
    const absolute = verdict({ ...input, mode: 'absolute' });
    assert.equal(absolute.edge, true, absolute.statement);
    const relative = verdict(input);
    assert.equal(relative.edge, false, relative.statement);
    assert.match(relative.statement, /^no significant edge/);
    assert.match(relative.tests[1].detail, /constant series/);
    for (const h of [5, 20]) {
      const long = computeLabels(bars, { kind: 'updown', horizonBars: h });
      const rows = Array.from(long.realizedReturn).filter((r) => !Number.isNaN(r));
      assert.equal(verdict({ forecasts: { predicted: rows.map(() => 1), realised: rows }, horizonBars: h }).edge, false, `h=${h}`);
    }
  });
});
