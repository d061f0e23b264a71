import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, didYouMean } from '../src/config/schema';
import { experimentJsonSchema } from '../src/cli/validate';
import { parseExperimentConfig } from '../src/experiment';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'stocklab.js');
const dir = mkdtempSync(join(tmpdir(), 'stocklab-config-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, STOCKLAB_FAST: '1', STOCKLAB_DATA_DIR: dir } });

/** A valid experiment; each case below breaks one thing in a copy of it. */
function base(): Record<string, any> {
  return {
    name: 'typos',
    seed: 1,
    dataset: {
      source: { source: 'synthetic', symbols: ['A'], bars: 300, seed: 1 },
      features: 'basic',
      label: { kind: 'updown', horizonBars: 1 },
      split: { kind: 'walk-forward', folds: 2 },
      lookback: 3,
    },
    models: [{ kind: 'lstm', config: { units: [4], epochs: 1 } }, { kind: 'naive' }],
    backtest: { commissionBps: 1 },
    gate: { minExcessAccuracy: 0.02 },
  };
}

/** [what, mutate, path in the message, more of the message]. */
const CASES: [string, (c: Record<string, any>) => void, string, RegExp][] = [
  ['label horizon', (c) => (c.dataset.label = { kind: 'updown', horizon: 5 }), 'dataset.label.horizon', /unknown key \(did you mean "horizonBars"\?\)/],
  ['dataset spilt', (c) => ((c.dataset.spilt = c.dataset.split), delete c.dataset.split), 'dataset.spilt', /did you mean "split"/],
  ['lookbak', (c) => (c.dataset.lookbak = 30), 'dataset.lookbak', /did you mean "lookback"/],
  ['top-level seeed', (c) => (c.seeed = 7), 'seeed', /did you mean "seed"/],
  ['gates', (c) => ((c.gates = c.gate), delete c.gate), 'gates', /did you mean "gate"/],
  ['comissionBps', (c) => (c.backtest = { comissionBps: 1000 }), 'backtest.comissionBps', /did you mean "commissionBps"/],
  ['minDirectionalAcc', (c) => (c.gate = { minDirectionalAcc: 0.99 }), 'gate.minDirectionalAcc', /did you mean "minDirectionalAccuracy"/],
  ['model confg', (c) => (c.models[0] = { kind: 'lstm', confg: { units: [4] } }), 'models[0].confg', /did you mean "config"/],
  ['gate threshold "high"', (c) => (c.gate = { mode: 'absolute', minDirectionalAccuracy: 'high' }), 'gate.minDirectionalAccuracy', /expected a number >= 0 and <= 1, got the string "high"/],
  ['absolute threshold in relative mode', (c) => (c.gate = { minDirectionalAccuracy: 0.99 }), 'gate.minDirectionalAccuracy', /applies to the absolute gate/],
  ['zero-return choice', (c) => (c.dataset.label = { kind: 'updown', zeroReturn: 'flat' }), 'dataset.label.zeroReturn', /expected one of "exclude", "up", "down"/],
  ['epochs as a string', (c) => (c.models[0].config.epochs = '10'), 'models[0].config.epochs', /expected an integer >= 1, got the string "10"/],
  ['unknown model kind', (c) => (c.models[1].kind = 'lstn'), 'models[1].kind', /unknown model kind "lstn" \(did you mean "lstm"\?\)/],
  ['gbdt parameter typo', (c) => (c.models[1] = { kind: 'gbdt', config: { max_depth: 3 } }), 'models[1].config.max_depth', /did you mean "maxDepth"/],
  ['absurd commission', (c) => (c.backtest = { commissionBps: 1e9 }), 'backtest.commissionBps', /<= 10000/],
  ['negative slippage', (c) => (c.backtest = { slippageBps: -1 }), 'backtest.slippageBps', /expected a number >= 0/],
  ['source files as a string', (c) => (c.dataset.source = { source: 'csv', files: 'SPY.csv' }), 'dataset.source.files', /expected an array/],
  ['file instead of files', (c) => (c.dataset.source = { source: 'csv', file: ['SPY.csv'] }), 'dataset.source.file', /did you mean "files"/],
  ['yahoo without symbols', (c) => (c.dataset.source = { source: 'yahoo', start: '2020-01-01' }), 'dataset.source.symbols', /is required/],
  ['bars as a string', (c) => (c.dataset.source.bars = '300'), 'dataset.source.bars', /got the string "300"/],
  ['unknown source', (c) => (c.dataset.source = { source: 'yaho', symbols: ['SPY'] }), 'dataset.source.source', /did you mean "yahoo"/],
  ['split kind typo', (c) => (c.dataset.split = { kind: 'walkforward' }), 'dataset.split.kind', /did you mean "walk-forward"/],
  ['split fractions', (c) => (c.dataset.split = { kind: 'chronological', fractions: [0.5, 0.2, 0.2] }), 'dataset.split.fractions', /must sum to 1/],
  ['unknown scaler', (c) => (c.dataset.scaler = 'zscore'), 'dataset.scaler', /expected one of/],
  ['name escaping its folder', (c) => (c.name = '..'), 'name', /not '\.' or '\.\.'/],
  ['duplicate model names', (c) => (c.models[1] = { kind: 'lstm' }), 'models[1].name', /appears twice/],
  ['baseline naming no model', (c) => (c.baseline = 'nave'), 'baseline', /names no model/],
  ['ensemble weights', (c) => (c.models[1] = { kind: 'ensemble', config: { members: [{ kind: 'naive' }], weights: [1, 2] } }), 'models[1].config.weights', /must be 1 non-negative/],
  ['nn schedule', (c) => (c.models[0].config.schedule = { type: 'step', every: 0 }), 'models[0].config.schedule.every', /expected an integer >= 1/],
  ['feature parameter', (c) => (c.dataset.features = [{ name: 'rsi', params: { periode: 14 } }]), 'dataset.features', /unknown parameter "periode"/],
  ['models not an array', (c) => (c.models = { kind: 'lstm' }), 'models', /expected an array/],
  ['ensemble member kind', (c) => (c.models[1] = { kind: 'ensemble', config: { members: [{ kind: 'gdbt' }] } }), 'models[1].config.members[0].kind', /did you mean "gbdt"/],
  ['ensemble member config', (c) => (c.models[1] = { kind: 'ensemble', config: { members: [{ kind: 'gbdt', config: { nEstimator: 3 } }] } }), 'models[1].config.members[0].config.nEstimator', /did you mean "nEstimators"/],
  ['null model config', (c) => (c.models[1].config = null), 'models[1].config', /expected an object, got null/],
  ['lags beyond the window', (c) => (c.models[1] = { kind: 'gbdt', config: { lags: [0, 3] } }), 'models[1].config.lags', /lag 3 reaches beyond the dataset's 3-bar window/],
  ['naive return feature the dataset lacks', (c) => (c.dataset.features = 'alpha158'), 'models[1].config.returnFeature', /names feature "logret_1", which dataset.features does not produce/],
  ['ensemble member naming a missing feature', (c) => (c.models[1] = { kind: 'ensemble', config: { members: [{ kind: 'majority' }, { kind: 'naive', config: { returnFeature: 'logret_5' } }] } }), 'models[1].config.members[1].config.returnFeature', /names feature "logret_5"/],
];

test('every silent typo and wrong type of the seeds is an error naming its path', () => {
  for (const [what, mutate, path, message] of CASES) {
    const config = base();
    mutate(config);
    assert.throws(
      () => parseExperimentConfig(config),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, `${what}: ${String(e)}`);
        assert.equal(e.path, path, `${what}: ${e.message}`);
        assert.match(e.message, message, what);
        assert.equal(e.exitCode, 2);
        return true;
      },
      what,
    );
  }
  assert.doesNotThrow(() => parseExperimentConfig(base()));
});

test('stocklab validate and evaluate exit 2 naming the file and path; no stack trace', () => {
  const bad = base();
  bad.dataset.label = { kind: 'updown', horizon: 5 };
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify(bad));
  for (const command of ['validate', 'evaluate', 'train']) {
    const r = cli(command, '--config', file);
    assert.equal(r.status, 2, `${command}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}: dataset\\.label\\.horizon: unknown key \\(did you mean "horizonBars"\\?\\)`), command);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${command} printed a stack trace`);
  }
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify(base()));
  const ok = cli('validate', '--config', good, '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).valid, true);
  const notJson = join(dir, 'broken.json');
  writeFileSync(notJson, '{"name": ');
  const r = cli('validate', '--config', notJson);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /broken\.json: not valid JSON/);
});

test('every committed experiment validates, and the committed JSON Schema is the generated one', () => {
  for (const name of ['gbdt', 'gru', 'lstm-3class', 'lstm-regression', 'lstm-updown', 'transformer', 'walk-forward']) {
    assert.doesNotThrow(() => parseExperimentConfig(JSON.parse(readFileSync(join(ROOT, 'experiments', `${name}.json`), 'utf8'))), name);
  }
  const committed = JSON.parse(readFileSync(join(ROOT, 'schema', 'experiment.schema.json'), 'utf8')) as any;
  const generated: any = experimentJsonSchema();
  assert.deepEqual(committed, generated, 'schema/experiment.schema.json is stale: regenerate it with `stocklab validate --schema`');
  // The schema says what the validator says: unknown keys are closed off, model configs per kind.
  assert.equal(generated.additionalProperties, false);
  const entry = generated.properties.models.items;
  const lstm = entry.allOf.find((c: any) => c.if.properties.kind.const === 'lstm');
  assert.equal(lstm.then.properties.config.additionalProperties, false);
  assert.ok('units' in lstm.then.properties.config.properties);
});

test('did-you-mean: close typos and shortened names, nothing for unrelated words', () => {
  assert.equal(didYouMean('lookbak', ['lookback', 'layout']), ' (did you mean "lookback"?)');
  assert.equal(didYouMean('horizon', ['kind', 'horizonBars']), ' (did you mean "horizonBars"?)');
  assert.equal(didYouMean('zebra', ['kind', 'horizonBars']), '');
});
