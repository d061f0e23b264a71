import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

test('cli data: never overwrites its input (also with --start, --repair, --adjust); an existing output only with --force', () => {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const input = join(data, 'OWN_1d.csv');
  const text = ['Date,Open,High,Low,Close,Adj Close,Volume', '2006-03-30,10,11,9,10.5,10.4,100', '2006-03-31,10.5,11.5,10,11,10.9,120', '2006-04-03,11,12,10.5,11.5,11.4,90', '2006-04-04,11,12,10.5,11.5,11.4,90'].join('\n') + '\n';
  writeFileSync(input, text);
  // The input has the default output name: every variant must refuse, naming both paths.
  for (const extra of [['--start', '2006-04-01'], ['--repair', 'drop'], ['--adjust'], ['--start', '2006-04-01', '--force']]) {
    const r = cli('data', '--file', input, ...extra);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /refusing to write .*OWN_1d\.csv: it is the input file .*OWN_1d\.csv; choose another --out/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.equal(readFileSync(input, 'utf8'), text);
  assert.equal(cli('data', '--file', input, '--out', input, '--force').code, 2);

  const out = join(dir, 'own-out.csv');
  assert.equal(cli('data', '--file', input, '--out', out).code, 0);
  const again = cli('data', '--file', input, '--out', out, '--start', '2006-04-01');
  assert.equal(again.code, 2);
  assert.match(again.stderr, /refusing to overwrite .*own-out\.csv, which already exists; choose another --out or pass --force/);
  assert.equal(readFileSync(out, 'utf8').split('\n').length, 6);
  assert.equal(cli('data', '--file', input, '--out', out, '--start', '2006-04-01', '--force').code, 0);
  assert.equal(readFileSync(out, 'utf8').split('\n').length, 4);
});

test('cli data: an unwritable --out and a binary input are clear errors, without stack traces or raw bytes', () => {
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'a file where a folder should be');
  const r = cli('data', '--bars', '50', '--out', join(blocker, 'bars.csv'));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot write .*blocker\/bars\.csv: a parent of it is a file, not a folder/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  const bin = join(dir, 'blob.csv');
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x07, ...Array(200).fill(0xff)]));
  const b = cli('data', '--file', bin, '--out', join(dir, 'blob-out.csv'));
  assert.equal(b.code, 3);
  assert.match(b.stderr, /blob\.csv: not a CSV text file: it holds binary data \(starts with "\\x7fELF/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(b.stderr, /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/);
  assert.ok(b.stderr.length < 300, b.stderr);
});
