import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { type BarTable, makeBarTable } from '../src/data/bars';
import { parseBarsCsv } from '../src/data/csv';
import { validateBars } from '../src/data/validate';
import { DataError } from '../src/errors';

const DAY = 86_400_000;

/** One symbol of `n` clean daily bars. */
function bars(n: number, symbol = 'X'): { symbol: string; timestamp: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array } {
  const col = (v: number) => new Float64Array(n).fill(v);
  const timestamp = new Float64Array(n);
  for (let i = 0; i < n; i++) timestamp[i] = Date.UTC(1990, 0, 1) + i * DAY;
  return { symbol, timestamp, open: col(100), high: col(101), low: col(99), close: col(100.5), volume: col(1000) };
}

function problems(table: BarTable, rowNumbers?: ArrayLike<number>): DataError {
  try {
    validateBars(table, { source: 'mem', rowNumbers });
  } catch (err) {
    assert.ok(err instanceof DataError, String(err));
    return err;
  }
  assert.fail('validated without error');
}

/** Run `code` in a child process so that an endless loop fails the test instead of hanging it. */
function isolated(code: string): { status: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, ['-e', code], { cwd: resolve(__dirname, '..'), encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.signal === 'SIGTERM' };
}

test('validate: a missing (NaN) timestamp among out-of-order rows ends, and is reported by row', () => {
  // The message names the row; before, the search for the out-of-order row ran off the end forever.
  const r = isolated(`
    const { makeBarTable } = require('./src/data/bars');
    const { validateBars } = require('./src/data/validate');
    const t = [Date.UTC(2020, 0, 2), NaN, Date.UTC(2020, 0, 3)];
    const c = (v) => [v, v, v];
    const table = makeBarTable('1d', [{ symbol: 'X', timestamp: t, open: c(10), high: c(11), low: c(9), close: c(10), volume: c(5) }]);
    try { validateBars(table, { source: 'mem' }); console.log('no error'); } catch (e) { console.log(JSON.stringify(e.issues)); }
    const kept = validateBars(table, { source: 'mem', repair: 'drop' });
    console.log(kept.bars.timestamp.length);
  `);
  assert.equal(r.timedOut, false, 'validateBars did not finish within 20 s');
  assert.equal(r.status, 0, r.stderr);
  const [issues, kept] = r.stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(issues).map((i: { code: string; row: number }) => [i.code, i.row]), [['bad_timestamp', 1]]);
  assert.equal(kept, '2');
});

test('validate: a million rows of one symbol, sorted or not, in one pass without stack overflow', () => {
  const n = 1_000_000;
  const b = bars(n);
  const ok = validateBars(makeBarTable('1d', [b]), { source: 'mem' });
  assert.equal(ok.bars.timestamp.length, n);
  assert.equal(ok.report.issues.length, 0);

  // Two rows swapped and one timestamp missing: reported without repair, sorted and dropped with it.
  [b.timestamp[10], b.timestamp[11]] = [b.timestamp[11], b.timestamp[10]];
  b.timestamp[500_000] = Number.NaN;
  const err = problems(makeBarTable('1d', [b]));
  assert.deepEqual(err.issues.map((i) => [i.code, i.row]), [['unsorted', 11], ['bad_timestamp', 500_000]]);
  const fixed = validateBars(makeBarTable('1d', [b]), { source: 'mem', repair: 'drop' });
  assert.equal(fixed.bars.timestamp.length, n - 1);
  for (let i = 1; i < n - 1; i++) assert.ok(fixed.bars.timestamp[i] > fixed.bars.timestamp[i - 1], `row ${i} out of order`);
});

test('validate: non-finite and implausible values are findings that say what they are', () => {
  const HEADER = 'Date,Open,High,Low,Close,Volume';
  const parsed = parseBarsCsv(
    [HEADER, '2020-01-02,10,11,9,10,100', '2020-01-03,10,11,9,10,1e308', '2020-01-06,10,1e309,9,10,100', '2020-01-07,1e300,1e300,1e300,1e300,100', '2020-01-08,10,11,9,10,100'].join('\n'),
    'bad.csv',
  );
  const err = problems(parsed.bars, parsed.lineNumbers);
  const at = (row: number) => err.issues.filter((i) => i.row === row).map((i) => i.code);
  assert.deepEqual(at(3), ['implausible_value']);
  assert.deepEqual(at(4), ['non_finite_value']);
  assert.deepEqual(at(5), ['implausible_value', 'implausible_value', 'implausible_value', 'implausible_value', 'implausible_value']);
  // With the cell text the message quotes it and says it overflowed, not that it is missing.
  try {
    validateBars(parsed.bars, { source: 'bad.csv', cellText: parsed.cellText, fieldNames: parsed.fieldNames, rowNumbers: parsed.lineNumbers });
    assert.fail('validated');
  } catch (e) {
    const msg = (e as DataError).message;
    assert.match(msg, /row 4.*High "1e309" overflows to Infinity, not a finite number/);
    assert.match(msg, /row 3.*Volume 1e\+308 is beyond 1e\+16, the largest plausible volume/);
    assert.doesNotMatch(msg, /is missing/);
  }
  // ffill carries the previous bar over them, reporting each fill.
  const filled = validateBars(parsed.bars, { source: 'bad.csv', repair: 'ffill' });
  assert.equal(filled.bars.timestamp.length, 5);
  assert.ok(Array.from(filled.bars.volume).every((v) => v === 100));
  assert.equal(filled.report.repairs.filter((r) => r.action === 'filled').length, 1 + 1 + 5);

  // In-memory tables without cell text: the value itself is named.
  const b = bars(3);
  b.close[1] = Number.NEGATIVE_INFINITY;
  const mem = problems(makeBarTable('1d', [b]));
  assert.equal(mem.issues[0].code, 'non_finite_value');
  assert.match(mem.issues[0].message, /close is -Infinity, not a finite number/);
});

test('validate: a daily bar off UTC midnight (an instant, not a trading day) is named', () => {
  const b = bars(3);
  b.timestamp[1] += 15 * 3_600_000;
  const err = problems(makeBarTable('1d', [b]));
  assert.deepEqual(err.issues.map((i) => [i.code, i.row]), [['bad_timestamp', 1]]);
  assert.match(err.issues[0].message, /1d bar at 1990-01-02T15:00:00.000Z is not at 00:00 UTC/);
  // Intraday bars are instants.
  assert.equal(validateBars(makeBarTable('5m', [{ ...b, timestamp: b.timestamp.map((t, i) => Date.UTC(2020, 0, 2, 14, 30 + 5 * i)) }]), { source: 'mem' }).report.issues.length, 0);
});

test('validate: identical findings by the hundred thousand are counted, not all kept (zero volume on every forex bar)', () => {
  const n = 300_000;
  const b = bars(n);
  b.volume.fill(0);
  const { report } = validateBars(makeBarTable('1d', [b]), { source: 'fx' });
  assert.equal(report.warningCount, n);
  assert.equal(report.errorCount, 0);
  assert.equal(report.issues.length, 1001);
  assert.match(report.issues[1000].message, /299000 more zero_volume finding\(s\) like the above \(300000 in all\)/);
  b.volume.fill(-1, 0, 5000);
  const err = problems(makeBarTable('1d', [b]));
  assert.match(err.message, /^mem: 5000 data problem\(s\)/);
  assert.equal(err.issues.length, 1001);
});
