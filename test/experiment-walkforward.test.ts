import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExperiment } from '../src/experiment';
import type { ExperimentConfig } from '../src/experiment';

const quiet = { log: () => undefined };

function config(seed: number, signal: number, models: ExperimentConfig['models']): ExperimentConfig {
  return {
    name: `wf-${seed}-${signal}`,
    dataset: {
      source: { source: 'synthetic', symbols: ['SYN'], seed, signal, annualDrift: 0, bars: 1200 },
      features: 'basic',
      label: { kind: 'updown', horizonBars: 1 },
      split: { kind: 'walk-forward', folds: 3, embargoBars: 1 },
      lookback: 5,
    },
    models,
  };
}

test('walk-forward: every model is scored only on out-of-sample bars, each test bar once, in time order', async () => {
  const r = await runExperiment(config(1, 0.3, [{ kind: 'logistic' }, { kind: 'naive' }, { kind: 'gbdt', config: { nEstimators: 20, maxDepth: 2 } }]), quiet);
  const tests = r.timeline.filter((t) => t.segment === 'test');
  const trains = r.timeline.filter((t) => t.segment === 'train');
  assert.equal(tests.length, 3);
  for (const m of r.models) {
    const ts = m.predictions.timestamps;
    assert.equal(new Set(ts).size, ts.length);
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i] > ts[i - 1]);
    assert.ok(ts.every((t) => tests.some((s) => t >= s.startTime && t <= s.endTime)));
    // Fold k's model never trained on a bar at or after its test segment's start.
    tests.forEach((s, k) => assert.ok(trains[k].endTime < s.startTime));
    assert.equal(m.folds.length, 3);
    assert.equal(m.backtests[0].symbol, 'SYN');
  }
});

test('walk-forward: a planted signal is found and called significant; the report says which models pass the gate', async () => {
  const r = await runExperiment(config(2, 0.3, [{ kind: 'logistic' }, { kind: 'majority' }]), quiet);
  const logistic = r.models.find((m) => m.name === 'logistic')!;
  const majority = r.models.find((m) => m.name === 'majority')!;
  assert.ok(logistic.directional.accuracy > 0.55, `logistic ${logistic.directional.accuracy}`);
  assert.equal(logistic.verdict.edge, true, logistic.verdict.statement);
  assert.match(logistic.verdict.statement, /^significant edge/);
  assert.equal(majority.verdict.edge, false);
  assert.match(majority.verdict.statement, /^no significant edge/);
});

test('walk-forward: on a pure random walk the edge verdict fires no more often than its nominal rate', async () => {
  let fired = 0;
  const seeds = 20;
  for (let seed = 100; seed < 100 + seeds; seed++) {
    const r = await runExperiment(config(seed, 0, [{ kind: 'logistic' }]), quiet);
    if (r.models[0].verdict.edge) fired++;
  }
  // Nominal 5%: one or two false alarms in 20 are chance; more would mean the verdict is too eager.
  assert.ok(fired <= 3, `fired ${fired} of ${seeds}`);
});

test('walk-forward: the same config twice gives the same results', async () => {
  const c = config(3, 0.2, [{ kind: 'gbdt', config: { nEstimators: 15, maxDepth: 2, subsample: 0.8, seed: 5 } }]);
  const a = await runExperiment(c, quiet);
  const b = await runExperiment(c, quiet);
  assert.deepEqual(a.models[0].predictions, b.models[0].predictions);
  assert.deepEqual(a.models[0].backtests[0].stats, b.models[0].backtests[0].stats);
});
