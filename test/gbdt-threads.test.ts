import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors';
import { binCount, binMatrix, binOf, quantileCuts, sortFloat32 } from '../src/models/gbdt/binning';
import { fitBooster, usefulThreads } from '../src/models/gbdt/booster';
import { toXgboostJson, xgboostJsonText } from '../src/models/gbdt/xgboost-json';
import { DEFAULT_GBDT_PARAMS, resolveGbdtParams } from '../src/models/gbdt/params';
import { nativeAddon } from '../src/kernels';
import { Rng } from '../src/util/random';

/** Normals with a discrete column, a column with 10% missing values and a binary label. */
function data(rows: number, f: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * f);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < f; j++) x[r * f + j] = j === 2 ? Math.round(rng.normal() * 3) : rng.normal();
    if (rng.uniform() < 0.1) x[r * f + 1] = Number.NaN;
    const v = (j: number) => x[r * f + j];
    const logit = v(0) - v(2) * 0.3 + (Number.isNaN(v(1)) ? 1 : v(1) * v(3));
    y[r] = rng.uniform() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { x, y, rows };
}

describe('gbdt threads', () => {
  it('defaults to every core and rejects anything but an integer in [1, 1024]', () => {
    assert.equal(DEFAULT_GBDT_PARAMS.threads, availableParallelism());
    assert.equal(resolveGbdtParams('binary', {}).threads, availableParallelism());
    assert.equal(resolveGbdtParams('binary', { threads: 3 }).threads, 3);
    for (const bad of [0, -1, 1.5, 1025, Number.NaN, '2', null]) {
      assert.throws(() => resolveGbdtParams('binary', { threads: bad }), (e: unknown) => e instanceof UsageError && /gbdt config\.threads: expected an integer >= 1 and <= 1024/.test((e as Error).message), String(bad));
    }
  });

  it('uses fewer threads on small matrices, never more than features', () => {
    assert.equal(usefulThreads(8, 20000, 20), 1);
    assert.equal(usefulThreads(8, 800000, 20), 8);
    assert.equal(usefulThreads(8, 800000, 3), 3);
    assert.equal(usefulThreads(2, 800000, 95), 2);
  });

  it('grows the same trees, bit for bit, with 1, 2 and 3 threads', () => {
    const f = 20;
    const d = data(80000, f, 5);
    assert.equal(usefulThreads(3, d.rows, f), 3, 'the matrix is large enough for three threads');
    // Both builds of the kernels (they coincide without the native addon).
    for (const kernels of ['auto', 'js'] as const) {
      for (const extra of [{}, { colsampleByTree: 0.6, subsample: 0.7, seed: 4 }]) {
        const fit = (threads: number) => fitBooster('binary:logistic', 1, f, resolveGbdtParams('binary', { nEstimators: 8, maxDepth: 5, threads, ...extra }), d, undefined, { trainMetric: false }, kernels).booster;
        const one = fit(1);
        for (const threads of [2, 3]) {
          const many = fit(threads);
          assert.equal(many.trees.length, one.trees.length);
          many.trees.forEach((t, i) => {
            for (const key of ['left', 'feature', 'threshold', 'leafValue', 'defaultLeft', 'gain', 'cover'] as const) {
              assert.deepEqual(t[key], one.trees[i][key], `${kernels} kernels, tree ${i} ${key}, ${threads} threads, ${JSON.stringify(extra)}`);
            }
          });
        }
      }
    }
  });
});

describe('gbdt native kernels', () => {
  const native = nativeAddon()?.gbdtHistogram !== undefined;
  const skip = native ? false : 'the native addon is not built or not in use (npm run build compiles it when g++ and an AVX-512 CPU are there; STOCKLAB_KERNELS picks a WebAssembly build)';

  it('grow the same trees, bit for bit, as the JavaScript kernels, at 1 and 2 threads', { skip }, () => {
    // Large enough (codes over 4 MiB) that the JavaScript kernels copy rows into node order
    // and both use a second thread; then a small matrix (read in place through row ids) with
    // more features than fit one L1 histogram pass in the native kernels, and weighted
    // squared-error gradients; then weighted softmax gradients of three classes. Row counts
    // off a multiple of 8 exercise the vector loops' tails.
    const cases = [
      { rows: 200003, f: 22, threads: 2, objective: 'binary:logistic', task: 'binary', outputs: 1, weighted: false },
      { rows: 3001, f: 40, threads: 1, objective: 'reg:squarederror', task: 'regression', outputs: 1, weighted: true },
      { rows: 90005, f: 12, threads: 2, objective: 'multi:softprob', task: 'multiclass', outputs: 3, weighted: true },
    ] as const;
    for (const c of cases) {
      const d = data(c.rows, c.f, 8);
      // A third class where a product of two features is high.
      if (c.outputs === 3) d.y.forEach((v, r) => (d.y[r] = d.x[r * c.f + 4] * d.x[r * c.f + 5] > 0.5 ? 2 : v));
      const weight = c.weighted ? Float64Array.from({ length: c.rows }, (_, r) => 0.5 + (r % 7) / 5) : undefined;
      for (const extra of [{}, { colsampleByTree: 0.5, subsample: 0.8, seed: 2, maxBin: 64 }]) {
        const params = resolveGbdtParams(c.task, { nEstimators: 6, maxDepth: 6, threads: c.threads, ...extra });
        assert.equal(usefulThreads(c.threads, c.rows, c.f), c.threads);
        const fit = (choice: 'auto' | 'js') => fitBooster(c.objective, c.outputs, c.f, params, { ...d, weight }, undefined, { trainMetric: false }, choice).booster;
        const js = fit('js');
        assert.ok(js.trees.every((t) => t.left.length > 40), 'the trees are deep');
        assert.equal(xgboostJsonText(toXgboostJson(fit('auto'), [])), xgboostJsonText(toXgboostJson(js, [])), `${JSON.stringify(c)}, ${JSON.stringify(extra)}`);
      }
    }
  });
});

describe('gbdt binning kernels', () => {
  it('radix sort orders float32 values as Float32Array.sort does (-0 before +0, infinities, ties)', () => {
    const rng = new Rng(9);
    for (const n of [5, 255, 256, 1000, 30000]) {
      const a = Float32Array.from({ length: n }, () => {
        const u = rng.uniform();
        return u < 0.1 ? 0 : u < 0.15 ? -0 : u < 0.17 ? (u < 0.16 ? Infinity : -Infinity) : u < 0.4 ? Math.round(rng.normal() * 4) : rng.normal() * Math.exp(rng.normal() * 10);
      });
      const expected = a.slice().sort();
      sortFloat32(a);
      assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(expected.buffer), `n = ${n}`);
    }
  });

  it('bins every value (four-lane and scalar paths, missing values, padded rows) as the first cut above it', () => {
    const rows = 1027;
    const f = 3;
    const rng = new Rng(3);
    const x = Float32Array.from({ length: rows * f }, (_, i) => (i % 17 === 0 ? Number.NaN : i % f === 1 ? Math.round(rng.normal()) : rng.normal()));
    const cuts = quantileCuts(x, rows, f, 16);
    const m = binMatrix(x, rows, f, cuts);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < f; j++) {
        const v = x[r * f + j];
        const nb = binCount(cuts, j);
        let expected = nb;
        if (!Number.isNaN(v)) {
          expected = 0;
          while (expected < nb - 1 && cuts.values[cuts.ptr[j] + expected] <= v) expected++;
          assert.equal(binOf(cuts, j, v), expected);
        }
        assert.equal(m.codes[r * m.rowStride + j], expected, `row ${r} feature ${j}`);
      }
    }
  });
});
