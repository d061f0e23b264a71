import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '..', '..', 'bin', 'stocklab.js');
const dir = mkdtempSync(join(tmpdir(), 'stocklab-run-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, STOCKLAB_FAST: '1', STOCKLAB_DATA_DIR: dir } });

test('cli run: the main job runs offline end to end (LSTM, GBDT, baselines) and writes the report', { timeout: 300_000 }, () => {
  const out = join(dir, 'main.html');
  const r = cli('run', '--json', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(s.backend));
  assert.deepEqual(s.models.map((m: { name: string }) => m.name), ['lstm', 'gbdt', 'logistic', 'naive', 'majority', 'buy-and-hold']);
  for (const m of s.models) {
    assert.ok(m.directionalAccuracy > 0.3 && m.directionalAccuracy < 0.8);
    assert.match(m.verdict.statement, m.verdict.edge ? /^significant edge/ : /^no significant edge/);
    assert.equal(typeof m.gate.pass, 'boolean');
  }
  assert.ok(existsSync(out));
  assert.equal(cli('run', '--json', '--backend', 'gpu').status, 2);
});

test('cli evaluate: a config file; bad configs are usage errors', { timeout: 120_000 }, () => {
  const config = join(dir, 'exp.json');
  writeFileSync(config, JSON.stringify({
    name: 'cli-eval',
    dataset: { source: { source: 'synthetic', bars: 500, signal: 0.2 }, features: 'basic', label: { kind: 'updown' }, split: { kind: 'walk-forward', folds: 2 }, lookback: 3 },
    models: [{ kind: 'logistic' }, { kind: 'naive' }],
  }));
  const out = join(dir, 'eval.html');
  const r = cli('evaluate', '--config', config, '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).models.length, 2);
  assert.ok(existsSync(out) && existsSync(join(dir, 'eval.json')));
  writeFileSync(config, JSON.stringify({ name: 'bad', dataset: {}, models: [] }));
  assert.equal(cli('evaluate', '--config', config).status, 2);
  writeFileSync(config, JSON.stringify({ name: 'bad', dataset: { source: { source: 'synthetic' }, features: 'basic', label: { kind: 'updown' } }, models: [{ kind: 'nosuchmodel' }] }));
  assert.equal(cli('evaluate', '--config', config).status, 2);
});

test('cli train then predict: artifacts written, predictions with timestamps up to the latest bar', { timeout: 180_000 }, () => {
  const env = { ...process.env, STOCKLAB_FAST: '1', STOCKLAB_DATA_DIR: dir, STOCKLAB_MODELS_DIR: join(dir, 'models') };
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env });
  const config = join(dir, 'train.json');
  writeFileSync(config, JSON.stringify({
    name: 'tiny-lstm',
    dataset: { source: { source: 'synthetic', bars: 400, signal: 0.3 }, features: 'basic', label: { kind: 'updown' }, lookback: 8 },
    models: [{ kind: 'lstm', config: { units: [8], dense: [], epochs: 5 } }],
  }));
  const t = run('train', '--config', config, '--epochs', '2', '--json');
  assert.equal(t.status, 0, t.stderr);
  const trained = JSON.parse(t.stdout);
  assert.equal(trained.epochs, 2);
  assert.equal(trained.backend.length > 0, true);
  assert.ok(trained.metrics.accuracy > 0 && trained.metrics.accuracy < 1);
  for (const f of ['model.json', 'weights.bin', 'config.json', 'scaler.json', 'history.json', 'metrics.json']) assert.ok(existsSync(join(trained.modelDir, f)), f);

  const bars = join(dir, 'new.csv');
  assert.equal(run('data', '--bars', '120', '--seed', '9', '--out', bars).status, 0);
  const preds = join(dir, 'preds.csv');
  const p = run('predict', '--model', 'tiny-lstm', '--input', bars, '--out', preds, '--json');
  assert.equal(p.status, 0, p.stderr);
  const out = JSON.parse(p.stdout);
  // Every bar with a full window is predicted, the latest one included.
  assert.ok(out.last.startsWith('2015-06-18,'), out.last);
  assert.match(out.last, /,(UP|DOWN),/);

});
