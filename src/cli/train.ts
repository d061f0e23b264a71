import { describeBackend, initBackend } from '../backend';
import { loadBars } from '../data/load';
import { buildDataset, predictionSamples, type ResolvedDatasetConfig } from '../dataset';
import { UsageError } from '../errors';
import { parseExperimentConfig, scoreForecasts } from '../experiment';
import { type Model, createModel, forecast } from '../models';
import { assertSameFeatures } from '../records/feature-check';
import { predictionsCsv } from '../records/predictions';
import type { SampleSet } from '../records/samples';
import { loadRun, saveRun } from '../artifacts';
import { modelsDir } from '../util/env';
import { writeFileAtomic } from '../util/fs';
import { checkOutputPath } from '../util/fs';
import { type Command, type Flags, numberFlag, readJsonFile, stringFlag } from './command';
import { SOURCE_HELP, SOURCE_OPTIONS, sourceFromFlags } from './source-flags';

/** Flags that override the model's hyperparameters, as the seeds' scripts allow (config key each maps to). */
const OVERRIDES = { epochs: 'epochs', 'batch-size': 'batchSize', dropout: 'dropout', 'learning-rate': 'learningRate' } as const;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train one model from an experiment config and save it under models/<name>/<version>/',
  help: `Usage: stocklab train --config experiments/<x>.json [overrides] [--name NAME] [--json]

Builds the dataset (features, labels, chronological split, scaler fitted on training rows),
trains the config's model (its first, for multi-model configs), reports validation and test
metrics and saves weights, config, scaler, history, metrics and data range atomically.
Overrides: --epochs N --batch-size N --units N --dropout X --learning-rate X --lookback N.`,
  options: {
    config: { type: 'string' },
    name: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    units: { type: 'string' },
    dropout: { type: 'string' },
    'learning-rate': { type: 'string' },
    lookback: { type: 'string' },
    backend: { type: 'string' },
    verbose: { type: 'boolean' },
  },
  async run(flags) {
    const path = stringFlag(flags, 'config');
    if (!path) throw new UsageError('train: --config FILE is required');
    const experiment = parseExperimentConfig(readJsonFile(path), path);
    const backend = await initBackend({ backend: stringFlag(flags, 'backend') });
    process.stderr.write(describeBackend(backend) + '\n');
    const entry = experiment.models[0];
    const modelConfig: Record<string, unknown> = { ...entry.config };
    for (const [flag, key] of Object.entries(OVERRIDES)) {
      const v = numberFlag(flags, flag);
      if (v !== undefined) modelConfig[key] = v;
    }
    const units = stringFlag(flags, 'units');
    if (units !== undefined) modelConfig.units = units.split(',').map(Number);
    const lookback = numberFlag(flags, 'lookback', (n) => Number.isInteger(n) && n >= 1);
    const dataset = await buildDataset({ ...experiment.dataset, ...(lookback ? { lookback } : {}) });
    const model = createModel(entry.kind, dataset.record.label.task, modelConfig);
    const fit = await model.fit(dataset.train, dataset.validation, { ...entry.fit, seed: experiment.seed ?? 42, verbose: flags.verbose === true });
    const metrics = { validation: dataset.validation && (await scoreSet(model, dataset.validation)), test: await scoreSet(model, dataset.test) };
    const saved = await saveRun({
      model,
      name: stringFlag(flags, 'name') ?? experiment.name,
      root: modelsDir(),
      train: dataset.train,
      validation: dataset.validation,
      fit,
      metrics,
      scaler: dataset.record.scaler,
      dataset: dataset.record,
      features: dataset.record.config.features,
      labels: dataset.record.config.label,
    });
    model.dispose();
    const json = { modelDir: saved.dir, version: saved.version, backend: backend.name, epochs: fit.epochs, bestEpoch: fit.bestEpoch, fitSeconds: fit.seconds, metrics: metrics.validation ?? metrics.test, testMetrics: metrics.test, dataRange: dataset.record.dataRange };
    const show = (m: Record<string, number> | undefined) => (m ? Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ') : 'n/a');
    const text = [
      `trained ${entry.kind} (${dataset.record.label.name}, ${dataset.record.label.task}) on ${dataset.record.samples.train} samples: ${fit.epochs} epoch(s), best ${fit.bestEpoch ?? '-'}, ${fit.seconds.toFixed(1)}s`,
      `validation: ${show(metrics.validation)}`,
      `test: ${show(metrics.test)}`,
      `saved ${saved.dir}`,
    ].join('\n');
    return { json, text };
  },
};

/** Headline metrics of a fitted model on one sample set (the same scoring as `evaluate`). */
async function scoreSet(model: Model, set: SampleSet): Promise<Record<string, number>> {
  const p = await forecast(model, set);
  const { metrics } = scoreForecasts(p);
  if ('rmse' in metrics) return { mae: metrics.mae, rmse: metrics.rmse, r2: metrics.r2, directionalAccuracy: scoreForecasts({ ...p, realized: p.yTrue }).directional.accuracy };
  return { accuracy: metrics.accuracy, balancedAccuracy: metrics.balancedAccuracy, macroF1: metrics.macro.f1, ...(metrics.logLoss !== undefined ? { logLoss: metrics.logLoss } : {}) };
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict with a saved model on new bars, writing predictions with timestamps',
  help: `Usage: stocklab predict --model <models/name/version dir | name> [--version vNNNN] [source flags] [--out preds.csv] [--json]

Applies the saved feature spec and training scaler to the input bars and predicts every bar
that has a full window, including the latest. Refuses a model whose features differ from the
data's. Output CSV (the layout \`stocklab metrics\` reads): time, symbol, y_true (the label
where the bars already show it, else empty), y_pred, score, realized, and p_<class> columns
for classifiers. An existing --out file is refused unless --force.

${SOURCE_HELP}
  --input PATH                   same as --file (a bars CSV)`,
  options: { ...SOURCE_OPTIONS, model: { type: 'string' }, version: { type: 'string' }, input: { type: 'string', multiple: true }, out: { type: 'string' }, force: { type: 'boolean' }, backend: { type: 'string' } },
  async run(flags: Flags) {
    const ref = stringFlag(flags, 'model');
    if (!ref) throw new UsageError('predict: --model DIR_OR_NAME is required');
    await initBackend({ backend: stringFlag(flags, 'backend') });
    const input = flags.input as string[] | undefined;
    const { spec, options } = sourceFromFlags(input ? { ...flags, file: input } : flags);
    const { bars } = await loadBars(spec, options);
    const run = await loadRun(ref, { root: modelsDir(), version: stringFlag(flags, 'version') });
    const record = run.config.dataset as { config: ResolvedDatasetConfig };
    const { samples, labels } = await predictionSamples(record.config, run.scaler, bars);
    assertSameFeatures(run.config.featureNames, samples.features.names, run.dir);
    const model = run.model;
    const out = stringFlag(flags, 'out');
    if (out) checkOutputPath(out, { inputs: spec.source === 'csv' ? spec.files : [], force: flags.force === true, flag: '--out' });
    const classes = run.config.classes as readonly string[] | undefined;
    const p = await forecast(model, samples, { classes, realized: Float64Array.from(samples.barRows!, (r) => labels.realizedReturn[r]) });
    model.dispose();
    const csv = predictionsCsv(p, bars.interval);
    if (out) writeFileAtomic(out, csv);
    const n = p.yPred.length;
    const last = csv.trimEnd().split('\n').at(-1)!;
    return { json: { model: run.dir, rows: n, out, last }, text: `${n} prediction(s) from ${run.dir}${out ? ` written to ${out}` : ''}\nlatest: ${last}` };
  },
};
