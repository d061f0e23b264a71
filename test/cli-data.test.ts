import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SHARED_SKIP, shared } from './helpers';

const BIN = resolve(__dirname, '..', '..', 'bin', 'stocklab.js');
const dir = mkdtempSync(join(tmpdir(), 'stocklab-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, STOCKLAB_FAST: '1', STOCKLAB_DATA_DIR: join(dir, 'data') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli data --json on a real Yahoo CSV prints exactly one JSON summary and writes data/', { skip: SHARED_SKIP }, () => {
  const r = cli('data', '--source', 'csv', '--file', shared('market', 'YHOO_daily.csv'), '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.rows, 4965);
  assert.equal(out.symbol, 'YHOO');
  assert.equal(out.start, '1996-04-12');
  assert.equal(out.end, '2015-12-31');
  assert.equal(out.validation.errors, 0);
  assert.equal(out.out, join(dir, 'data', 'YHOO_1d.csv'));
  assert.ok(readFileSync(out.out, 'utf8').startsWith('date,open,high,low,close,adj_close,volume\n1996-04-12,'));
});

test('cli data: a corrupt file exits 3 and names the row', () => {
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'Date,Open,High,Low,Close,Volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10,9,11,10.5,100\n2020-01-06,10,11,9,10.5,100\n');
  const r = cli('data', '--file', bad, '--json');
  assert.equal(r.code, 3);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, false);
  assert.equal(out.issues[0].row, 3);
  assert.match(r.stderr, /bad\.csv, row 3.*High 9 is below Low 11/);
  assert.equal(cli('data', '--file', bad, '--repair', 'drop').code, 0);
});

test('cli: usage errors exit 2, --help exits 0 on every command, synthetic is the default source', () => {
  assert.equal(cli('data', '--bogus').code, 2);
  assert.equal(cli('data', '--source', 'nowhere').code, 2);
  assert.equal(cli('nosuchcommand').code, 2);
  assert.equal(cli('data', '--source', 'yahoo').code, 2);
  for (const c of ['data', 'features', 'train', 'predict', 'run', 'evaluate', 'report', 'metrics', 'fit-table', 'bench']) {
    const r = cli(c, '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`stocklab ${c}`));
  }
  const r = cli('data', '--json', '--bars', '300', '--signal', '0.2');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.rows, 300);
  assert.ok(out.signal.bestAccuracy > 0.55);
});
