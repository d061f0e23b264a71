import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BarSourceSpec, loadBars } from '../src/data/load';
import { syntheticMarket } from '../src/data/synthetic';
import { UsageError } from '../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'stocklab-load-'));

function csv(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const DAILY = csv('SPY_daily.csv', ['Date,Open,High,Low,Close,Volume', '2020-01-02,10,11,9,10.5,100', '2020-01-03,10.5,11.5,10,11,120']);
const DAILY_TOO = csv('SPY_other.csv', ['Date,Open,High,Low,Close,Volume', '2020-01-06,10,11,9,10.5,100', '2020-01-07,10.5,11.5,10,11,120']);
const FIVE_MIN = csv('QQQ_5m.csv', ['Date,Open,High,Low,Close,Volume', '2020-01-02T14:30:00Z,10,11,9,10.5,100', '2020-01-02T14:35:00Z,10.5,11.5,10,11,120']);

/** The spec as a JSON config would give it, type checks and all. */
async function usage(spec: unknown): Promise<string> {
  try {
    await loadBars(spec as BarSourceSpec);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${(err as Error).stack}`);
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  assert.fail(`${JSON.stringify(spec)} loaded`);
}

test('source spec: shape mistakes are usage errors naming the key (the same schema configs use)', async () => {
  assert.match(await usage({ source: 'csv', files: DAILY }), /source\.files: expected an array of at least 1 \(each a string\), got the string ".*SPY_daily\.csv"/);
  assert.match(await usage({ source: 'csv', file: [DAILY] }), /source\.file: unknown key \(did you mean "files"\?\)/);
  assert.match(await usage({ source: 'csv' }), /source\.files: is required/);
  assert.match(await usage({ source: 'csv', files: [] }), /source\.files: expected an array of at least 1/);
  assert.match(await usage({ source: 'yahoo', start: '2020-01-01' }), /source\.symbols: is required/);
  assert.match(await usage({ source: 'yahoo', symbol: ['SPY'], start: '2020-01-01' }), /source\.symbol: unknown key \(did you mean "symbols"\?\)/);
  assert.match(await usage({ source: 'yahoo', symbols: ['SPY'] }), /source\.start: is required/);
  assert.match(await usage({ source: 'yahoo', symbols: ['SPY'], start: '2020' }), /source\.start: expected an ISO date \(YYYY-MM-DD\) or date-time, got the string "2020"/);
  assert.match(await usage({ source: 'yahoo', symbols: ['SPY', 'SPY'], start: '2020-01-01' }), /source\.symbols: "SPY" is listed twice/);
  assert.match(await usage({ source: 'yahoo', symbols: ['SPY'], start: '2020-01-01', fetch: 'https://example.com' }), /source\.fetch: expected a fetch function, got the string/);
  assert.match(await usage({ source: 'csv', files: [DAILY], interval: 'daily' }), /source\.interval: expected one of "1m", .*, got the string "daily"/);
  assert.match(await usage({ source: 'parquet' }), /source\.source: expected one of "synthetic", "csv", "yahoo", got the string "parquet"/);
  assert.match(await usage(['csv']), /source: expected an object .*, got an array of 1/);
});

test('source spec: synthetic values of the wrong type say what they got', async () => {
  assert.match(await usage({ source: 'synthetic', bars: '300' }), /source\.bars: expected an integer >= 2 .*, got the string "300"/);
  assert.match(await usage({ source: 'synthetic', signal: null }), /source\.signal: expected a number >= 0 and < 1, got null/);
  assert.match(await usage({ source: 'synthetic', symbols: 'SYN' }), /source\.symbols: expected an array .*, got the string "SYN"/);
  assert.match(await usage({ source: 'synthetic', seeds: 3 }), /source\.seeds: unknown key \(did you mean "seed"\?\)/);
  // Called directly (a notebook), the generator says the same.
  assert.throws(() => syntheticMarket({ bars: '300' as unknown as number }), /synthetic: bars must be an integer >= 2; expected a number, got the string "300"/);
});

test('csv source: two files giving one symbol, or mixing intervals, are usage errors naming both files', async () => {
  const same = await usage({ source: 'csv', files: [DAILY, DAILY_TOO] });
  assert.ok(same.includes(DAILY) && same.includes(DAILY_TOO) && /both give symbol SPY/.test(same), same);
  const mixed = await usage({ source: 'csv', files: [DAILY, FIVE_MIN] });
  assert.ok(mixed.includes(`${DAILY} has 1d bars and ${FIVE_MIN} has 5m bars`), mixed);
  // Distinct names make the same two files loadable.
  const both = await loadBars({ source: 'csv', files: [DAILY, DAILY_TOO], symbols: ['A', 'B'] });
  assert.deepEqual(both.bars.symbols.map((s) => s.symbol), ['A', 'B']);
  assert.match(await usage({ source: 'csv', files: [DAILY], symbols: ['A', 'B'] }), /source\.symbols: gives 2 symbol\(s\) for 1 file\(s\)/);
});

test('load options: an unknown repair mode is refused, not treated as a repair', async () => {
  await assert.rejects(loadBars({ source: 'csv', files: [DAILY] }, { repair: 'dorp' as 'drop' }), (e: unknown) => e instanceof UsageError && /repair must be one of none, drop, ffill; got the string "dorp"/.test(e.message));
});

test('load options: start and end are ISO dates or date-times in UTC, never guessed', async () => {
  assert.match(await usageWith({ start: '2020' }), /start must be an ISO date \(YYYY-MM-DD\) or date-time; got the string "2020"/);
  assert.match(await usageWith({ end: 20200103 as unknown as string }), /end must be an ISO date .*; got 20200103/);
  const { bars } = await loadBars({ source: 'csv', files: [DAILY] }, { start: '2020-01-02T00:00:00', end: '2020-01-04' });
  assert.equal(bars.timestamp.length, 2);
});

async function usageWith(options: Record<string, unknown>): Promise<string> {
  try {
    await loadBars({ source: 'csv', files: [DAILY] }, options);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
  assert.fail('loaded');
}
