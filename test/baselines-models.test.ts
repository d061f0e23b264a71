import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BuyAndHoldModel, LogisticModel, MajorityModel, NaiveModel, minimizeLbfgs } from '../src/models/baselines';
import { logisticObjective } from '../src/models/baselines/logistic';
import { nativeArraysOrSkip } from './helpers';
import { EnsembleModel } from '../src/models/ensemble';
import type { GbdtModel } from '../src/models/gbdt';
import { type SampleSet, denseSamples } from '../src/records/samples';
import type { Task } from '../src/records/task';
import { createModel, loadModel } from '../src/models/registry';
import { Rng } from '../src/util/random';

function set(x: number[][], y: number[], names: string[], classes?: string[]): SampleSet {
  return denseSamples({ x: Float32Array.from(x.flat()), shape: [x.length, names.length], y: Float32Array.from(y), featureNames: names, ...(classes ? { classes } : {}) });
}

const logit = (p: number) => Math.log(p / (1 - p));

describe('baselines', () => {
  it('naive predicts today\'s sign (classification) or zero / the last return (regression)', async () => {
    const s = set([[0.01, 5], [-0.02, 5], [0, 5]], [1, 0, 1], ['logret_1', 'vol']);
    const binary = new NaiveModel('binary');
    await binary.fit(s);
    assert.deepEqual(Array.from(await binary.predict(s)), [1, 0, 0]);
    const multi = new NaiveModel('multiclass');
    await multi.fit({ ...s, classes: ['DOWN', 'FLAT', 'UP'] });
    assert.deepEqual(Array.from(await multi.predict(s)), [2, 0, 1]);
    const zero = new NaiveModel('regression');
    await zero.fit(s);
    assert.deepEqual(Array.from(await zero.predict(s)), [0, 0, 0]);
    const last = new NaiveModel('regression', { regression: 'last', returnFeature: 'logret_1' });
    await last.fit(s);
    assert.deepEqual(Array.from(await last.predict(s)), [Math.fround(0.01), Math.fround(-0.02), 0]);
    await assert.rejects(new NaiveModel('binary', { returnFeature: 'ret' }).fit(s), /no feature "ret"/);
  });

  it('naive thresholds the raw zero return, not the standardised one', async () => {
    // Standardised with the training mean 0.001 and sd 0.01: a raw +0.0005 is scaled to -0.05.
    const center = 0.001;
    const scale = 0.01;
    const raw = [0.0005, -0.0005, 0, 0.02, -0.0012];
    const plain = set(raw.map((r) => [(r - center) / scale, 1]), [1, 0, 1, 1, 0], ['logret_1', 'vol']);
    const scaled = { ...plain, features: { ...plain.features, scaling: { center: [center, 0], scale: [scale, 1] } } };
    const binary = new NaiveModel('binary');
    await binary.fit(scaled);
    assert.deepEqual(Array.from(await binary.predict(scaled)), [1, 0, 0, 1, 0]);
    const multi = new NaiveModel('multiclass');
    await multi.fit({ ...scaled, classes: ['DOWN', 'FLAT', 'UP'] });
    assert.deepEqual(Array.from(await multi.predict(scaled)), [2, 0, 1, 2, 0], 'a raw zero return is FLAT');
    const last = new NaiveModel('regression', { regression: 'last' });
    await last.fit(scaled);
    const back = await last.predict(scaled);
    raw.forEach((r, i) => assert.ok(Math.abs(back[i] - r) < 1e-7, `raw return ${r} came back as ${back[i]}`));
    // Saved and reloaded, it keeps the scaling.
    const dir = mkdtempSync(join(tmpdir(), 'naive-'));
    try {
      await binary.save(dir);
      assert.deepEqual(Array.from(await (await loadModel(dir)).predict(scaled)), [1, 0, 0, 1, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const broken = { ...scaled, features: { ...scaled.features, scaling: { center: [0, 0], scale: [0, 1] } } };
    await assert.rejects(new NaiveModel('binary').fit(broken), /scaling of "logret_1" is center 0, scale 0/);
  });

  it('majority breaks a 50/50 tie explicitly (towards UP) and its probabilities agree', async () => {
    const tie = set([[1], [2], [3], [4]], [0, 1, 1, 0], ['a'], ['DOWN', 'UP']);
    const m = new MajorityModel('binary');
    await m.fit(tie);
    assert.deepEqual(Array.from(await m.predict(tie)), [1, 1, 1, 1]);
    const p = await m.predictProba(tie);
    // The directional score P(UP) - P(DOWN) takes the same side as predict (it was 0: no side, a miss on every row).
    assert.ok(p[1] - p[0] > 0, `P(UP) ${p[1]} vs P(DOWN) ${p[0]}`);
    assert.ok(Math.abs(p[1] - 0.5) < 1e-5 && Math.abs(p[0] + p[1] - 1) < 1e-6);
    // A three-way tie without UP among the tied goes to the lowest index.
    const three = set([[1], [2], [3], [4]], [0, 1, 0, 1], ['a'], ['DOWN', 'FLAT', 'UP']);
    const m3 = new MajorityModel('multiclass');
    await m3.fit(three);
    assert.deepEqual(Array.from(await m3.predict(three)), [0, 0, 0, 0]);
    const p3 = await m3.predictProba(three);
    assert.ok(p3[0] > p3[1] && p3[2] === 0);
  });

  it('majority predicts the most frequent class with training frequencies', async () => {
    const s = set([[1], [2], [3], [4]], [2, 1, 2, 0], ['a'], ['DOWN', 'FLAT', 'UP']);
    const m = new MajorityModel('multiclass');
    await m.fit(s);
    assert.deepEqual(Array.from(await m.predict(s)), [2, 2, 2, 2]);
    assert.deepEqual(Array.from((await m.predictProba(s)).subarray(0, 3)), [0.25, 0.25, 0.5]);
  });

  it('buy-and-hold is always up', async () => {
    const s = set([[1], [2]], [0, 0], ['a']);
    const b = new BuyAndHoldModel('binary');
    await b.fit(s);
    assert.deepEqual(Array.from(await b.predict(s)), [1, 1]);
    const m = new BuyAndHoldModel('multiclass');
    await m.fit({ ...s, classes: ['UP', 'FLAT', 'DOWN'] });
    assert.deepEqual(Array.from(await m.predict(s)), [0, 0]);
    const r = new BuyAndHoldModel('regression');
    await r.fit(set([[1], [2]], [-0.02, 0.01], ['a']));
    assert.ok(Math.abs((await r.predict(s))[0] - 0.015) < 1e-7);
  });

  it('unpenalised logistic regression on one binary feature recovers the closed-form MLE', async () => {
    // x=0: 30 of 100 positive; x=1: 80 of 100 positive. MLE: b = logit(0.3), w = logit(0.8) - logit(0.3).
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 100; i++) {
      x.push([0], [1]);
      y.push(i < 30 ? 1 : 0, i < 80 ? 1 : 0);
    }
    for (const standardize of [true, false]) {
      const m = new LogisticModel('binary', { l2: 0, standardize });
      await m.fit(set(x, y, ['x']));
      const [[w, b]] = m.coefficients;
      assert.ok(Math.abs(b - logit(0.3)) < 1e-5, `intercept ${b}`);
      assert.ok(Math.abs(w - (logit(0.8) - logit(0.3))) < 1e-5, `slope ${w}`);
    }
  });

  it('the native logistic objective agrees with the JavaScript one to 1e-13', (t) => {
    const native = nativeArraysOrSkip(t);
    if (!native) return;
    const rng = new Rng(9);
    const [rows, features] = [1003, 21];
    const z = Float64Array.from({ length: rows * features }, () => rng.normal());
    for (const outputs of [1, 3]) {
      const y = Float32Array.from({ length: rows }, () => rng.int(outputs === 1 ? 2 : outputs));
      const w = Float64Array.from({ length: outputs * (features + 1) }, () => rng.normal() * 0.3);
      const [gj, gn] = [new Float64Array(w.length), new Float64Array(w.length)];
      const lj = logisticObjective(z, y, w, gj, rows, features, outputs, 0.7);
      const ln = native.logisticObjective(z, y, w, gn, rows, features, outputs, 0.7);
      assert.ok(Math.abs(ln - lj) <= 1e-13 * Math.abs(lj), `${outputs} outputs: loss ${ln} vs ${lj}`);
      const scale = Math.max(...gj.map(Math.abs));
      gj.forEach((g, i) => assert.ok(Math.abs(gn[i] - g) <= 1e-13 * scale, `${outputs} outputs: gradient ${i}: ${gn[i]} vs ${g}`));
    }
    assert.throws(() => native.logisticObjective(z, new Float32Array(3), new Float64Array(22), new Float64Array(22), rows, features, 1, 0), /do not match/);
  });

  it('penalised multinomial logistic regression satisfies its optimality condition', async () => {
    const rng = new Rng(4);
    const n = 300;
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = rng.normal();
      const b = rng.normal();
      x.push([a, b]);
      y.push(a + 0.5 * rng.normal() > 0.5 ? 2 : b > 0 ? 1 : 0);
    }
    const l2 = 3;
    const m = new LogisticModel('multiclass', { l2, standardize: false });
    const s = set(x, y, ['a', 'b'], ['DOWN', 'FLAT', 'UP']);
    await m.fit(s);
    const coef = m.coefficients;
    const p = await m.predictProba(s);
    // d/dw_kj: sum_i (p_ik - [y_i = k]) x_ij + l2 w_kj = 0, and no penalty on intercepts.
    for (let k = 0; k < 3; k++) {
      for (let j = 0; j <= 2; j++) {
        let g = j < 2 ? l2 * coef[k][j] : 0;
        for (let i = 0; i < n; i++) g += (p[i * 3 + k] - (y[i] === k ? 1 : 0)) * (j < 2 ? x[i][j] : 1);
        assert.ok(Math.abs(g) < 1e-3, `gradient ${k},${j} = ${g}`);
      }
    }
    const acc = (await m.predict(s)).reduce((a, c, i) => a + (c === y[i] ? 1 : 0), 0) / n;
    assert.ok(acc > 0.7, `accuracy ${acc}`);
  });

  it('L-BFGS minimises a quadratic', () => {
    const r = minimizeLbfgs((w, g) => {
      g[0] = 2 * (w[0] - 3);
      g[1] = 20 * (w[1] + 1);
      return (w[0] - 3) ** 2 + 10 * (w[1] + 1) ** 2;
    }, new Float64Array(2));
    assert.ok(r.converged && Math.abs(r.w[0] - 3) < 1e-9 && Math.abs(r.w[1] + 1) < 1e-9);
  });

  it('every baseline saves and loads with identical predictions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baselines-'));
    try {
      const s = set([[0.01, 1], [-0.02, 3], [0.03, -1], [0, 2]], [1, 0, 1, 1], ['logret_1', 'b']);
      for (const kind of ['naive', 'majority', 'logistic', 'buy-and-hold']) {
        const m = createModel(kind, 'binary');
        await m.fit(s);
        await m.save(join(dir, kind));
        const loaded = await loadModel(join(dir, kind));
        assert.equal(loaded.kind, kind);
        assert.deepEqual(await loaded.predictProba!(s), await m.predictProba!(s));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ensemble', () => {
  it('averages members (weighted), predicts the argmax, saves members in subfolders', async () => {
    const rng = new Rng(3);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = rng.normal();
      x.push([a, rng.normal()]);
      y.push(a + 0.3 * rng.normal() > 0 ? 1 : 0);
    }
    const s = set(x, y, ['logret_1', 'b']);
    const task: Task = 'binary';
    const e = createModel('ensemble', task, { members: [{ kind: 'gbdt', config: { nEstimators: 5 } }, { kind: 'logistic' }, { kind: 'majority' }], weights: [2, 1, 1] }) as EnsembleModel;
    await e.fit(s);
    const [g, l, m] = e.members;
    const pg = await g.predictProba!(s);
    const pl = await l.predictProba!(s);
    const pm = await m.predictProba!(s);
    const p = await e.predictProba(s);
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - (0.5 * pg[i] + 0.25 * pl[i] + 0.25 * pm[i])) < 1e-6);
    const pred = await e.predict(s);
    pred.forEach((c, i) => assert.equal(c, p[2 * i + 1] > p[2 * i] ? 1 : 0));
    const dir = mkdtempSync(join(tmpdir(), 'ensemble-'));
    try {
      await e.save(dir);
      const loaded = await loadModel(dir);
      assert.equal(loaded.kind, 'ensemble');
      assert.deepEqual(await loaded.predictProba!(s), p);
      assert.ok(((await loadModel(join(dir, 'member-0'))) as GbdtModel).fitted.trees.length === 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = EnsembleModel.of('regression', [new MajorityModel('regression'), new BuyAndHoldModel('regression')]);
    const rs = set([[1], [2]], [0.02, 0.04], ['a']);
    await r.fit(rs);
    assert.ok(Math.abs((await r.predict(rs))[0] - 0.03) < 1e-7);
  });
});
