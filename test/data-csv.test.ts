import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBars } from '../src/data/load';
import { parseBarsCsv, parseTimestamp, readBarsCsv } from '../src/data/csv';
import { summarizeBars } from '../src/data/summary';
import { formatTimestamp } from '../src/data/bars';
import { writeBarsCsv } from '../src/data/write';
import { DataError } from '../src/errors';
import { SHARED_SKIP, shared } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'stocklab-csv-'));
const HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume';
const GOOD = ['2020-01-02,10,11,9,10.5,10.4,100', '2020-01-03,10.5,11.5,10,11,10.9,120', '2020-01-06,11,12,10.5,11.5,11.4,90'];

function csv(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

async function failure(path: string, repair?: 'drop' | 'ffill'): Promise<DataError> {
  try {
    await loadBars({ source: 'csv', files: [path] }, { repair });
  } catch (err) {
    assert.ok(err instanceof DataError, `expected DataError, got ${err}`);
    return err;
  }
  assert.fail(`${path} loaded without error`);
}

test('csv: a Yahoo export with Adj Close (real ORCL file)', { skip: SHARED_SKIP }, async () => {
  const { bars, reports } = await loadBars({ source: 'csv', files: [shared('market', 'ORCL_daily.csv')] });
  assert.equal(bars.timestamp.length, 5036);
  assert.equal(bars.interval, '1d');
  assert.equal(bars.symbols[0].symbol, 'ORCL');
  assert.equal(formatTimestamp(bars.timestamp[0], '1d'), '1995-01-03');
  assert.equal(bars.close[0], 2.117284);
  assert.equal(bars.adjClose[0], 1.883304);
  assert.equal(reports[0].issues.filter((i) => i.severity === 'error').length, 0);
});

test('csv: Stooq export with an empty adj_close column uses close; zero volume is a warning', { skip: SHARED_SKIP }, async () => {
  const { bars, reports } = await loadBars({ source: 'csv', files: [shared('market', 'MSFT_daily.csv')] });
  assert.deepEqual(bars.adjClose, bars.close);
  const warnings = reports[0].issues.filter((i) => i.severity === 'warning');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].code, 'zero_volume');
  assert.ok(warnings[0].row! > 1);
});

test('csv: 5-minute bars with UTC offsets', { skip: SHARED_SKIP }, async () => {
  const { bars } = await loadBars({ source: 'csv', files: [shared('market', 'AAPL_5m.csv')] });
  assert.equal(bars.interval, '5m');
  assert.equal(bars.timestamp.length, 7943);
  assert.equal(formatTimestamp(bars.timestamp[0], '5m'), '2026-01-26T14:30:00Z');
});

test('csv: headers in any case and order, quoted fields, CRLF, BOM, no Adj Close', async () => {
  const path = csv('mixed.csv', ['\uFEFFvolume,CLOSE,low,High,open,DATE\r', '"1,000",10.5,9,11,10,2020-01-02\r', '1200,11,10,11.5,10.5,2020-01-03\r']);
  // "1,000" is not a plain number: it must be reported, never guessed.
  const err = await failure(path);
  assert.equal(err.issues[0].row, 2);
  assert.equal(err.issues[0].field, 'volume');
  writeFileSync(path, ['\uFEFFvolume,CLOSE,low,High,open,DATE\r', '1000,10.5,9,11,10,2020-01-02\r', '1200,11,10,11.5,10.5,2020-01-03\r'].join('\n'));
  const { bars } = await loadBars({ source: 'csv', files: [path] }, {});
  assert.deepEqual(Array.from(bars.close), [10.5, 11]);
  assert.deepEqual(bars.adjClose, bars.close);
});

test('csv: timestamps in every accepted format', () => {
  const day = Date.UTC(2021, 2, 4);
  for (const s of ['2021-03-04', '20210304', '3/4/2021', '04-Mar-21', '2021-03-04T00:00:00Z', '2021-03-04 00:00:00', String(day / 1000), String(day)]) {
    assert.equal(parseTimestamp(s), day, s);
  }
  assert.equal(parseTimestamp('2021-03-04T09:30:00-05:00'), Date.UTC(2021, 2, 4, 14, 30));
  for (const s of ['2021-02-30', 'yesterday', '', '04-Foo-21']) assert.ok(Number.isNaN(parseTimestamp(s)), s);
});

const CASES: { name: string; rows: string[]; code: string; row: number; field?: string; header?: string }[] = [
  { name: 'unparsable number', rows: [GOOD[0], '2020-01-03,10.5,abc,10,11,10.9,120'], code: 'missing_value', row: 3, field: 'High' },
  { name: 'NaN', rows: [GOOD[0], '2020-01-03,NaN,11.5,10,11,10.9,120'], code: 'missing_value', row: 3, field: 'Open' },
  { name: 'Yahoo null row', rows: [GOOD[0], '2020-01-03,null,null,null,null,null,null'], code: 'missing_value', row: 3 },
  { name: 'empty cell', rows: [GOOD[0], '2020-01-03,10.5,11.5,10,,10.9,120'], code: 'missing_value', row: 3, field: 'Close' },
  { name: 'non-positive price', rows: [GOOD[0], '2020-01-03,10.5,11.5,0,11,10.9,120'], code: 'non_positive_price', row: 3, field: 'Low' },
  { name: 'high below low', rows: [GOOD[0], '2020-01-03,10.5,9,11,10,10.9,120'], code: 'high_below_low', row: 3, field: 'High' },
  { name: 'open above high', rows: [GOOD[0], '2020-01-03,12,11.5,10,11,10.9,120'], code: 'open_outside_range', row: 3, field: 'Open' },
  { name: 'close below low', rows: [GOOD[0], '2020-01-03,10.5,11.5,10,9.5,10.9,120'], code: 'close_outside_range', row: 3, field: 'Close' },
  { name: 'negative volume', rows: [GOOD[0], '2020-01-03,10.5,11.5,10,11,10.9,-5'], code: 'negative_volume', row: 3, field: 'Volume' },
  { name: 'unsorted', rows: [GOOD[1], GOOD[0], GOOD[2]], code: 'unsorted', row: 3 },
  { name: 'duplicate timestamp', rows: [GOOD[0], GOOD[1], GOOD[1]], code: 'duplicate_timestamp', row: 4 },
  { name: 'bad date', rows: [GOOD[0], '2020-13-45,10.5,11.5,10,11,10.9,120'], code: 'bad_timestamp', row: 3 },
  { name: 'short row', rows: [GOOD[0], '2020-01-03,10.5,11.5'], code: 'short_row', row: 3 },
  { name: 'too short', rows: [GOOD[0]], code: 'too_short', row: -1 },
  { name: 'empty (header only)', rows: [], code: 'empty', row: -1 },
  { name: 'missing column', rows: [GOOD[0]], code: 'missing_column', row: 1, header: 'Date,Open,High,Low,Adj Close,Volume' },
];

for (const c of CASES) {
  test(`csv validation: ${c.name} -> ${c.code}, naming file and row`, async () => {
    const path = csv(`${c.code}-${c.row}.csv`, [c.header ?? HEADER, ...c.rows]);
    const err = await failure(path);
    const issue = err.issues.find((i) => i.code === c.code);
    assert.ok(issue, `no ${c.code} in ${err.message}`);
    assert.ok(err.message.includes(path), err.message);
    if (c.row >= 0) {
      assert.equal(issue.row, c.row);
      assert.ok(err.message.includes(`row ${c.row}`), err.message);
    }
    if (c.field) assert.equal(issue.field, c.field);
    assert.equal(err.exitCode, 3);
  });
}

test('csv repair: drop removes bad rows, ffill fills values, both report every change', async () => {
  const path = csv('repair.csv', [HEADER, GOOD[0], '2020-01-03,10.5,11.5,10,abc,10.9,120', '2020-01-06,11,10,12,11.5,11.4,90', GOOD[1].replace('01-03', '01-07'), GOOD[1].replace('01-03', '01-07')]);
  const dropped = await loadBars({ source: 'csv', files: [path] }, { repair: 'drop' });
  assert.equal(dropped.bars.timestamp.length, 2);
  const acts = dropped.reports[0].repairs;
  assert.deepEqual(acts.map((r) => [r.action, r.row]), [['dropped', 3], ['dropped', 4], ['dropped', 6]]);

  const filled = await loadBars({ source: 'csv', files: [path] }, { repair: 'ffill' });
  assert.equal(filled.bars.timestamp.length, 3);
  assert.equal(filled.bars.close[1], 10.5);
  const fill = filled.reports[0].repairs.find((r) => r.action === 'filled')!;
  assert.equal(fill.row, 3);
  assert.equal(fill.field, 'Close');
});

test('csv repair: unsorted rows are sorted and reported', async () => {
  const path = csv('unsorted.csv', [HEADER, GOOD[2], GOOD[0], GOOD[1]]);
  const { bars, reports } = await loadBars({ source: 'csv', files: [path] }, { repair: 'drop' });
  assert.deepEqual(Array.from(bars.close), [10.5, 11, 11.5]);
  assert.equal(reports[0].repairs[0].action, 'sorted');
});

test('csv: written bars read back identically; multi-symbol files keep symbols apart', async () => {
  const path = csv('two.csv', ['symbol,' + HEADER, ...GOOD.map((r) => 'AAA,' + r), ...GOOD.map((r) => 'BBB,' + r)]);
  const { bars } = await loadBars({ source: 'csv', files: [path] });
  assert.deepEqual(bars.symbols.map((s) => [s.symbol, s.start, s.end]), [['AAA', 0, 3], ['BBB', 3, 6]]);
  const out = join(dir, 'roundtrip.csv');
  writeBarsCsv(bars, out);
  const back = readBarsCsv(out).bars;
  assert.deepEqual(back, bars);
});

test('load: date filter and adjustment', async () => {
  const path = csv('filter.csv', [HEADER, ...GOOD]);
  const { bars } = await loadBars({ source: 'csv', files: [path] }, { start: '2020-01-03', end: '2020-01-07', adjust: true });
  assert.equal(bars.timestamp.length, 2);
  assert.equal(bars.close[0], 10.9);
  assert.ok(Math.abs(bars.open[0] - 10.5 * (10.9 / 11)) < 1e-12);
  await assert.rejects(loadBars({ source: 'csv', files: [path] }, { start: '2021-01-01' }), (e: unknown) => e instanceof DataError && /too_short/.test(JSON.stringify((e as DataError).issues)));
});

test('csv: daily dates with a UTC offset keep their calendar day (parsed, written, summarised)', async () => {
  const path = csv('tokyo.csv', [
    'Date,Open,High,Low,Close,Volume',
    '2005-02-25T00:00:00+09:00,10,11,9,10.5,100',
    '2005-02-28T00:00:00+09:00,10.5,11.5,10,11,120',
    '2005-03-01 00:00:00+0900,11,12,10.5,11.5,90',
  ]);
  const { bars } = await loadBars({ source: 'csv', files: [path] });
  assert.equal(bars.interval, '1d');
  assert.deepEqual(Array.from(bars.timestamp, (t) => formatTimestamp(t, '1d')), ['2005-02-25', '2005-02-28', '2005-03-01']);
  // Friday and Monday, as traded in Tokyo.
  assert.deepEqual(Array.from(bars.timestamp, (t) => new Date(t).getUTCDay()), [5, 1, 2]);
  const s = summarizeBars(bars)[0];
  assert.deepEqual([s.start, s.end], ['2005-02-25', '2005-03-01']);
  const out = join(dir, 'tokyo-out.csv');
  writeBarsCsv(bars, out);
  assert.deepEqual(readFileSync(out, 'utf8').split('\n').slice(1, 4).map((l) => l.split(',')[0]), ['2005-02-25', '2005-02-28', '2005-03-01']);
  // Negative offsets too: a New York close time stays on its day.
  const ny = parseBarsCsv(['Date,Open,High,Low,Close,Volume', '2020-03-06T16:00:00-05:00,1,1,1,1,1', '2020-03-09T16:00:00-04:00,1,1,1,1,1'].join('\n'), 'ny.csv').bars;
  assert.deepEqual(Array.from(ny.timestamp, (t) => formatTimestamp(t, '1d')), ['2020-03-06', '2020-03-09']);
  // Intraday bars keep the instant.
  const intraday = parseBarsCsv(['Date,Open,High,Low,Close,Volume', '2020-03-06T09:30:00-05:00,1,1,1,1,1', '2020-03-06T09:35:00-05:00,1,1,1,1,1'].join('\n'), 'i.csv').bars;
  assert.equal(intraday.interval, '5m');
  assert.equal(formatTimestamp(intraday.timestamp[0], '5m'), '2020-03-06T14:30:00Z');
});

test('csv: ISO offsets in every spelling', () => {
  const t = Date.UTC(2005, 1, 24, 15);
  for (const s of ['2005-02-25T00:00:00+09:00', '2005-02-25T00:00:00+0900', '2005-02-25T00:00:00+09', '2005-02-25 00:00+09:00', '2005-02-24T15:00:00.000Z']) assert.equal(parseTimestamp(s), t, s);
  assert.ok(Number.isNaN(parseTimestamp('2005-02-30T00:00:00+09:00')));
});

test('csv: a binary file is refused without echoing its bytes', async () => {
  const path = join(dir, 'image.csv');
  writeFileSync(path, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x1b, 0x5b, 0x32, 0x4a]));
  const err = await failure(path);
  assert.equal(err.issues[0].code, 'binary');
  assert.match(err.message, /image\.csv: not a CSV text file: it holds binary data \(starts with "\\x89PNG\\x0d\\x0a/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(err.message, /[\u0000-\u0008\u001b\u0089]/);
  // Garbled text is quoted escaped and cut short.
  const garbled = csv('garbled.csv', ['\u0001\u001b[2J' + 'x'.repeat(500) + ',b', '1,2']);
  const g = await failure(garbled);
  assert.match(g.message, /found \["\\x01\\x1b\[2Jxxx/);
  assert.ok(g.message.length < 600, `${g.message.length} characters`);
});

test('csv: a file of 400k rows of one symbol (past the 16 MB read block) parses and validates', async () => {
  const n = 400_000;
  const lines = ['Date,Open,High,Low,Close,Adj Close,Volume'];
  const t0 = Date.UTC(2010, 0, 4, 14, 30);
  for (let i = 0; i < n; i++) lines.push(`${new Date(t0 + i * 60_000).toISOString()},10${i % 7}.25,110.5,99.75,10${i % 5}.5,10${i % 5}.25,${1000 + (i % 13)}`);
  const path = csv('big.csv', lines);
  const { bars, reports } = await loadBars({ source: 'csv', files: [path] });
  assert.equal(bars.timestamp.length, n);
  assert.equal(bars.interval, '1m');
  assert.equal(reports[0].issues.length, 0);
  assert.equal(bars.close[n - 1], Number(`10${(n - 1) % 5}.5`));
  assert.equal(bars.timestamp[n - 1], t0 + (n - 1) * 60_000);
});

test('csv: UTF-16 files, other separators and empty symbol cells are named for what they are', async () => {
  const u16 = join(dir, 'excel.csv');
  writeFileSync(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Date,Open,High,Low,Close,Volume\n', 'utf16le')]));
  assert.match((await failure(u16)).message, /excel\.csv: the file is UTF-16 text; save it as UTF-8/);
  const semi = csv('semi.csv', ['Date;Open;High;Low;Close;Volume', '2020-01-02;10;11;9;10,5;100']);
  assert.match((await failure(semi)).message, /the header looks ";"-separated, and columns must be separated by commas/);
  const blank = csv('blank-symbol.csv', ['Symbol,' + HEADER, 'AAA,' + GOOD[0], ',' + GOOD[1]]);
  const err = await failure(blank);
  assert.deepEqual(err.issues.map((i) => [i.code, i.row, i.field]), [['missing_symbol', 3, 'Symbol']]);
  assert.ok(Number.isNaN(parseTimestamp('1e309')));
});
