import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pl from 'nodejs-polars';

const BIN = resolve(__dirname, '..', '..', 'bin', 'stocklab.js');
const dir = mkdtempSync(join(tmpdir(), 'stocklab-features-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, STOCKLAB_DATA_DIR: dir } });

test('cli features: a preset on any source writes <indicator>_<params> columns with a date column', () => {
  const out = join(dir, 'tech.csv');
  const r = cli('features', '--source', 'synthetic', '--bars', '300', '--preset', 'technical', '--label', '{"kind":"updown","horizonBars":1}', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.rows, 300);
  const header = readFileSync(out, 'utf8').split('\n')[0].split(',');
  for (const c of ['date', 'rsi_14', 'macd_12_26_9', 'macd_signal_12_26_9', 'macd_hist_12_26_9', 'bb_pctb_20_2', 'atr_14', 'logret_1', 'label_updown_1', 'label_end']) assert.ok(header.includes(c), c);
  // Warm-up rows are empty, not filled: RSI 14 has 14 of them.
  assert.equal(summary.nullCounts.rsi_14, 14);
});

test('cli features: a dataset config writes Parquet', () => {
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ source: { source: 'synthetic', bars: 200, symbols: ['A', 'B'] }, features: 'basic', label: { kind: 'return', horizonBars: 5 } }));
  const out = join(dir, 'table.parquet');
  const r = cli('features', '--config', config, '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const df = pl.readParquet(out);
  assert.equal(df.height, 400);
  assert.deepEqual([...new Set(df.getColumn('symbol').toArray())], ['A', 'B']);
});

test('cli features: bad preset or config is a usage error (exit 2)', () => {
  assert.equal(cli('features', '--preset', 'nope', '--out', join(dir, 'x.csv')).status, 2);
  assert.equal(cli('features', '--config', join(dir, 'missing.json'), '--out', join(dir, 'x.csv')).status, 2);
  assert.equal(cli('features', '--preset', 'technical').status, 2);
});
