import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { UsageError } from '../src/errors';
import { createModel, loadModel, modelFactory, modelKinds } from '../src/models';
import { sampleCount } from '../src/records/samples';
import type { Task } from '../src/records/task';
import { syntheticWindows } from './nn-fixtures';

/**
 * The contract every registered kind keeps, in the manner of scikit-learn's check_estimator:
 * declared tags, output shapes, determinism, predict never refits, save/load identity and
 * dispose freeing every tensor. A kind added to the factory table without a small config here
 * fails the first test, so no kind escapes the suite.
 */
const SMALL: Record<string, Record<string, unknown>> = {
  lstm: { units: [3], dense: [], epochs: 2, batchSize: 32 },
  gru: { units: [3], dense: [], epochs: 2, batchSize: 32 },
  transformer: { dModel: 4, heads: 2, layers: 1, ffUnits: 4, epochs: 2, batchSize: 32 },
  gbdt: { nEstimators: 8, maxDepth: 2, subsample: 0.8, seed: 3 },
  naive: { returnFeature: 'log_return' },
  majority: {},
  'buy-and-hold': {},
  logistic: { lags: [0, 1] },
  ensemble: { members: [{ kind: 'naive', config: { returnFeature: 'log_return' } }, { kind: 'gbdt', config: { nEstimators: 4, maxDepth: 2 } }], weights: [1, 2] },
};

const CLASSES: Record<Task, number> = { regression: 1, binary: 2, multiclass: 3 };

test('every registered kind has a contract configuration', () => {
  assert.deepEqual(modelKinds(), Object.keys(SMALL).sort());
});

for (const kind of Object.keys(SMALL)) {
  const factory = modelFactory(kind);
  for (const task of factory.tags.tasks) {
    test(`contract: ${kind} (${task})`, async () => {
      await initBackend();
      const data = syntheticWindows({ bars: 260, lookback: 4, signal: 0.3, task });
      const before = tf.memory().numTensors;
      const make = () => createModel(kind, task, SMALL[kind]);
      const a = make();
      assert.equal(a.kind, kind);
      assert.equal(a.task, task);
      assert.deepEqual(a.tags, factory.tags, 'the model declares its factory tags');
      assert.ok(['sequence', 'tabular'].includes(a.tags.input));
      const config = JSON.stringify(a.config());
      const fit = await a.fit(data.train, data.validation, { seed: 11 });
      assert.ok(fit.epochs >= 0 && fit.seconds >= 0 && typeof fit.history === 'object');
      assert.equal(JSON.stringify(a.config()), config, 'fit does not change the hyperparameters');
      const n = sampleCount(data.test);
      const pred = await a.predict(data.test);
      assert.equal(pred.length, n);
      if (task === 'regression') {
        assert.ok(pred.every(Number.isFinite));
        await assert.rejects(a.predictProba(data.test), UsageError, 'a regressor refuses predictProba');
      } else {
        const k = CLASSES[task];
        const proba = await a.predictProba(data.test);
        assert.equal(proba.length, n * k);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < k; j++) s += proba[i * k + j];
          assert.ok(Math.abs(s - 1) < 1e-5, `row ${i} sums to ${s}`);
          assert.ok(Number.isInteger(pred[i]) && pred[i] >= 0 && pred[i] < k);
        }
      }
      // Predict never refits: other data in between leaves the forecasts of the test set as they were.
      await a.predict(data.train);
      assert.deepEqual(await a.predict(data.test), pred, 'predicting other data changed the model');
      // Deterministic for a seed.
      const b = make();
      await b.fit(data.train, data.validation, { seed: 11 });
      assert.deepEqual(await b.predict(data.test), pred, 'same seed, same data, different forecasts');
      // Save and load give the same forecasts and probabilities.
      const dir = mkdtempSync(join(tmpdir(), `contract-${kind}-`));
      await a.save(dir);
      const loaded = await loadModel(dir);
      assert.equal(loaded.kind, kind);
      assert.deepEqual(await loaded.predict(data.test), pred, 'loaded model forecasts differ');
      if (task !== 'regression') assert.deepEqual(await loaded.predictProba(data.test), await a.predictProba(data.test));
      const importance = a.importance();
      if (importance) for (const [name, v] of Object.entries(importance)) assert.ok(Number.isFinite(v) && name.length > 0, `${name}: ${v}`);
      assert.ok(a.inputDescription().length > 0);
      for (const m of [a, b, loaded]) m.dispose();
      assert.equal(tf.memory().numTensors, before, 'dispose leaves tensors behind');
    });
  }
}
