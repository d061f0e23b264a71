import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GbdtModel } from '../src/models/gbdt';
import { type SampleSet, denseSamples } from '../src/records/samples';
import type { Task } from '../src/records/task';
import { loadModel } from '../src/models/registry';
import { Rng } from '../src/util/random';

/** y = 3 * [x0 > 0] + x1 + noise (regression) or its sign (binary); x2.. are noise. */
function data(n: number, f = 5, seed = 1, task: Task = 'regression'): SampleSet {
  const rng = new Rng(seed);
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < f; j++) x[r * f + j] = rng.normal();
    const v = 3 * (x[r * f] > 0 ? 1 : 0) + x[r * f + 1] + 0.3 * rng.normal();
    y[r] = task === 'regression' ? v : v > 1.5 ? 1 : 0;
  }
  return denseSamples({ x, shape: [n, f], y, featureNames: Array.from({ length: f }, (_, j) => `x${j}`) });
}

async function fit(config: Record<string, unknown>, set = data(400), task: Task = 'regression'): Promise<GbdtModel> {
  const m = new GbdtModel(task, config);
  await m.fit(set);
  return m;
}

const nodes = (m: GbdtModel) => m.fitted.trees.reduce((s, t) => s + t.left.length, 0);
const leaves = (m: GbdtModel) => m.fitted.trees.flatMap((t) => Array.from(t.leafValue).filter((_, i) => t.left[i] < 0));

describe('gbdt parameters', () => {
  it('leaf values follow -eta * T(G, alpha) / (H + lambda) on a stump', async () => {
    const set = data(300);
    for (const [alpha, lambda] of [
      [0, 0],
      [0, 50],
      [20, 1],
    ]) {
      const m = await fit({ nEstimators: 1, maxDepth: 1, learningRate: 0.5, alpha, lambda }, set);
      const t = m.fitted.trees[0];
      assert.equal(t.left[0], 1, 'root splits');
      assert.equal(t.feature[0], 0, 'on the informative feature');
      for (const side of [1, 2]) {
        let g = 0;
        let h = 0;
        for (let r = 0; r < 300; r++) {
          const goesLeft = set.features.values[r * 5] < t.threshold[0];
          if (goesLeft === (side === 1)) {
            g += 0.5 - set.y[r];
            h += 1;
          }
        }
        const tg = g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
        assert.ok(Math.abs(t.leafValue[side] - (-0.5 * tg) / (h + lambda)) < 1e-5, `alpha ${alpha} lambda ${lambda}: ${t.leafValue[side]}`);
      }
    }
  });

  it('lambda shrinks leaf values', async () => {
    const small = Math.max(...leaves(await fit({ nEstimators: 5, lambda: 0 })).map(Math.abs));
    const big = Math.max(...leaves(await fit({ nEstimators: 5, lambda: 100 })).map(Math.abs));
    assert.ok(big < 0.8 * small, `${big} vs ${small}`);
  });

  it('gamma and minChildWeight prune splits', async () => {
    const base = nodes(await fit({ nEstimators: 5, maxDepth: 6 }));
    const gamma = await fit({ nEstimators: 5, maxDepth: 6, gamma: 5 });
    assert.ok(nodes(gamma) < base / 2, `gamma: ${nodes(gamma)} vs ${base}`);
    for (const t of gamma.fitted.trees) for (let i = 0; i < t.left.length; i++) if (t.left[i] >= 0) assert.ok(t.gain[i] >= 5);
    const mcw = await fit({ nEstimators: 5, maxDepth: 6, minChildWeight: 40 });
    assert.ok(nodes(mcw) < base / 2, `minChildWeight: ${nodes(mcw)} vs ${base}`);
    for (const t of mcw.fitted.trees) for (let i = 1; i < t.left.length; i++) assert.ok(t.cover[i] >= 40, `cover ${t.cover[i]}`);
  });

  it('sends missing values to the side learned from the data', async () => {
    const n = 600;
    const rng = new Rng(5);
    const x = new Float32Array(n * 2);
    const y = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const v = rng.normal();
      x[2 * r + 1] = rng.normal();
      // Missing values behave like large ones: they must go with the right (high) side.
      if (r % 5 === 0) {
        x[2 * r] = Number.NaN;
        y[r] = 5;
      } else {
        x[2 * r] = v;
        y[r] = v > 0.5 ? 5 : 0;
      }
    }
    const set: SampleSet = denseSamples({ x, shape: [n, 2], y, featureNames: ['a', 'b'] });
    const m = await fit({ nEstimators: 20, maxDepth: 2 }, set);
    const root = m.fitted.trees[0];
    assert.equal(root.feature[0], 0);
    assert.equal(root.defaultLeft[0], 0, 'missing goes right, with the high values');
    const probe: SampleSet = denseSamples({ x: Float32Array.from([Number.NaN, 0, 2, 0, -2, 0]), shape: [3, 2], y: new Float32Array(3), featureNames: ['a', 'b'] });
    const [missing, high, low] = await m.predict(probe);
    assert.ok(Math.abs(missing - high) < 0.3 && Math.abs(missing - low) > 3, `${missing} ${high} ${low}`);
    // Flip the pattern: missing values now behave like small ones and go left.
    const flipped = Float32Array.from(y, (v, r) => (r % 5 === 0 ? 0 : v));
    const m2 = await fit({ nEstimators: 20, maxDepth: 2 }, { ...set, y: flipped });
    const [missing2, , low2] = await m2.predict(probe);
    assert.equal(m2.fitted.trees[0].defaultLeft[0], 1);
    assert.ok(Math.abs(missing2 - low2) < 0.3, `${missing2} ${low2}`);
  });

  it('is exactly reproducible with a seed; subsample and colsample change results', async () => {
    const set = data(500, 8);
    const cfg = { nEstimators: 10, subsample: 0.7, colsampleByTree: 0.5, seed: 7 };
    const a = await (await fit(cfg, set)).predict(set);
    const b = await (await fit(cfg, set)).predict(set);
    assert.deepEqual(a, b);
    const c = await (await fit({ ...cfg, seed: 8 }, set)).predict(set);
    assert.notDeepEqual(a, c);
    const full = await (await fit({ nEstimators: 10 }, set)).predict(set);
    assert.notDeepEqual(full, await (await fit({ nEstimators: 10, subsample: 0.7 }, set)).predict(set));
    assert.notDeepEqual(full, await (await fit({ nEstimators: 10, colsampleByTree: 0.5 }, set)).predict(set));
    const m = await fit({ nEstimators: 10, colsampleByTree: 0.25 }, set);
    for (const t of m.fitted.trees) assert.ok(new Set(Array.from(t.feature).filter((_, i) => t.left[i] >= 0)).size <= 2);
  });

  it('stops early and keeps the best round', async () => {
    const train = data(300, 5, 2);
    const valid = data(300, 5, 3);
    const m = new GbdtModel('regression', { nEstimators: 500, learningRate: 0.5, maxDepth: 6, earlyStoppingRounds: 5 });
    const r = await m.fit(train, valid);
    const v = r.history.val_loss;
    assert.ok(r.epochs < 500 && v.length === r.epochs);
    assert.equal(r.bestEpoch, v.indexOf(Math.min(...v)));
    assert.equal(r.epochs - 1 - r.bestEpoch!, 5);
    assert.equal(m.fitted.trees.length, r.bestEpoch! + 1);
    const pred = await m.predict(valid);
    const rmse = Math.sqrt(pred.reduce((s, p, i) => s + (p - valid.y[i]) ** 2, 0) / 300);
    assert.ok(Math.abs(rmse - v[r.bestEpoch!]) < 1e-5);
  });

  it('ranks the informative features first', async () => {
    const m = await fit({ nEstimators: 20 }, data(500, 6));
    for (const type of ['gain', 'total_gain'] as const) assert.equal(m.featureImportance(type)[0].feature, 'x0');
    assert.ok(['x0', 'x1'].includes(m.featureImportance('weight')[0].feature));
  });

  it('rejects bad parameters and targets with typed errors', async () => {
    assert.throws(() => new GbdtModel('regression', { maxDepth: 0 }), /gbdt config\.maxDepth: expected an integer >= 1 and <= 30, got 0/);
    assert.throws(() => new GbdtModel('regression', { max_depth: 3 }), /gbdt config\.max_depth: unknown key \(did you mean "maxDepth"\?\)/);
    assert.throws(() => new GbdtModel('binary', { objective: 'reg:squarederror' }), /does not fit/);
    const bad = data(50, 3, 1, 'binary');
    bad.y[7] = 2;
    await assert.rejects(new GbdtModel('binary').fit(bad), /row 7/);
  });
});

describe('gbdt models', () => {
  it('saves and loads with identical predictions (every task), in XGBoost JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbdt-save-'));
    try {
      const multi = data(300, 4, 9);
      const labels = Float32Array.from(multi.y, (v) => (v < 0.5 ? 0 : v < 2.5 ? 1 : 2));
      const cases: [Task, SampleSet][] = [
        ['regression', data(300, 4, 8)],
        ['binary', data(300, 4, 8, 'binary')],
        ['multiclass', { ...multi, y: labels, classes: ['DOWN', 'FLAT', 'UP'] }],
      ];
      for (const [task, set] of cases) {
        const m = new GbdtModel(task, { nEstimators: 15, maxDepth: 3, subsample: 0.8 });
        await m.fit(set);
        const path = join(dir, task);
        await m.save(path);
        const loaded = await loadModel(path);
        assert.equal(loaded.kind, 'gbdt');
        assert.deepEqual(await loaded.predict(set), await m.predict(set));
        if (task !== 'regression') assert.deepEqual(await loaded.predictProba!(set), await m.predictProba(set));
        assert.deepEqual(loaded.config(), m.config());
        const xgb = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'));
        assert.equal(xgb.learner.gradient_booster.model.trees.length, task === 'multiclass' ? 45 : 15);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the lags it declares of sequence windows, never a silent last-bar slice', async () => {
    const flat = data(200, 3);
    const lookback = 4;
    const x = new Float32Array(200 * lookback * 3).fill(99);
    for (let r = 0; r < 200; r++) x.set(flat.features.values.subarray(r * 3, r * 3 + 3), (r * lookback + lookback - 1) * 3);
    const seq = denseSamples({ x, shape: [200, lookback, 3], y: flat.y, featureNames: flat.features.names });
    const a = new GbdtModel('regression', { nEstimators: 5, lags: [0] });
    await a.fit(seq);
    const b = new GbdtModel('regression', { nEstimators: 5 });
    await b.fit(flat);
    assert.deepEqual(await a.predict(seq), await b.predict(flat));
    const byDefault = new GbdtModel('regression', { nEstimators: 5 });
    await byDefault.fit(seq);
    assert.equal(byDefault.inputDescription(), 'lags 0,1,2,3 x 3 features');
    assert.ok(Object.keys(byDefault.importance()).includes('x0_lag3'));
    await assert.rejects(new GbdtModel('regression', { lags: [0, 4] }).fit(seq), /lag 4 reaches beyond the dataset's 4-bar window/);
  });
});
