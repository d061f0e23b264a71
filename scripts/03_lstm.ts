// Notebook 03's code cells, copied verbatim (test/notebook-script.test.ts checks that they match
// and that this script prints the notebook's metrics). Run it with
//   npx stocklab script scripts/03_lstm.ts
// Data and model paths resolve from the project, so the working directory does not matter.

// ---- cell c01
import * as sl from 'stocklab';

console.log(sl.describeBackend(await sl.initBackend()));
// Real SPY bars from the shared data folder when there is one; otherwise the seeded synthetic
// market, with a loud warning (results on it say nothing about real prices).
const barSource = sl.exampleBarSource();
console.log(`data: ${JSON.stringify(barSource)}, fast mode ${sl.isFastMode()}`);

// ---- cell c02
const dataset = await sl.buildDataset({
  source: barSource,
  start: sl.sized('2005-01-01', '2019-01-01'),
  adjust: true,
  features: 'basic',
  label: { kind: 'return', horizonBars: 1 },
  split: { kind: 'chronological' },
  scaler: 'standard',
  lookback: sl.sized(60, 20),
});
console.log(dataset.record.split);
console.log(`train ${sl.windowShape(dataset.train).join('x')}, validation ${sl.windowShape(dataset.validation!).join('x')}, test ${sl.windowShape(dataset.test).join('x')}`);

// ---- cell c04
const model = sl.createModel('lstm', 'regression', {
  units: sl.sized([50, 50], [16]), dense: [25], dropout: 0.2,
  epochs: sl.sized(30, 2), batchSize: 32, learningRate: 0.001, earlyStoppingPatience: 5, seed: 42,
});
const live = sl.liveTrainingCurves('LSTM training curves');
const fit = await model.fit(dataset.train, dataset.validation, { onEpochEnd: live.onEpochEnd });
console.log(`${fit.epochs} epoch(s) in ${fit.seconds.toFixed(1)}s, best epoch ${fit.bestEpoch}`);

// ---- cell c06
const predicted = await model.predict(dataset.test);
const x = Array.from(dataset.test.timestamps!, (t) => sl.formatTimestamp(t, '1d'));
sl.showFigure(sl.lineChart(x, { actual: dataset.test.y, predicted }, 'Next-day log return: predicted vs actual'));
const reg = sl.regressionMetrics(dataset.test.y, predicted);
const dir = sl.directionalAccuracy(predicted, dataset.test.y);
console.log(`MAE ${reg.mae.toExponential(3)}, RMSE ${reg.rmse.toExponential(3)}, R2 ${reg.r2.toFixed(4)}`);
console.log(`directional accuracy ${(dir.accuracy * 100).toFixed(2)}% over ${dir.n} days (always-up would score ${(dir.majorityRate * 100).toFixed(2)}%)`);
const tests = sl.directionalTests(dir);
console.log(`binomial p vs 50%: ${sl.formatPValue(tests.vsHalf.pValue)}, vs the majority rate: ${sl.formatPValue(tests.vsMajority.pValue)}`);

// ---- cell c08
const saved = await sl.saveRun({
  // tslab: a shorthand property cannot name a variable from an earlier cell, hence `model: model`.
  model: model, name: 'notebook-lstm', root: sl.modelsDir(), train: dataset.train, validation: dataset.validation, fit: fit,
  metrics: { test: { mae: reg.mae, rmse: reg.rmse, r2: reg.r2, directionalAccuracy: dir.accuracy } },
  scaler: dataset.record.scaler, dataset: dataset.record, features: dataset.record.config.features, labels: dataset.record.config.label,
});
const reloaded = await sl.loadRun(saved.dir, { data: dataset.test });
const again = await reloaded.model.predict(dataset.test);
console.log(`saved ${saved.dir}; reloaded predictions identical: ${again.every((v, i) => v === predicted[i])}`);
model.dispose?.();
reloaded.model.dispose?.();
