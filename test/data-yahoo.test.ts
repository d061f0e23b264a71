import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYahoo } from '../src/data/yahoo';
import { loadBars } from '../src/data/load';
import { adjustBars, formatTimestamp } from '../src/data/bars';
import { DataError, SourceUnavailableError } from '../src/errors';
import { SHARED_SKIP } from './helpers';
import { YahooReplay } from './yahoo-replay';

const tmp = () => mkdtempSync(join(tmpdir(), 'stocklab-yahoo-'));
const quiet = () => undefined;

test('yahoo: daily chart with split and dividend, dated by exchange-local trading day', { skip: SHARED_SKIP }, async () => {
  const replay = new YahooReplay();
  const res = await loadYahoo({ symbol: 'AAPL', start: '2020-08-31', end: '2020-11-07', cacheDir: tmp(), fetch: replay.fetch, log: quiet });
  assert.equal(res.cache, 'fetched');
  assert.equal(res.bars.timestamp.length, 49);
  assert.equal(formatTimestamp(res.bars.timestamp[0], '1d'), '2020-08-31');
  assert.equal(formatTimestamp(res.bars.timestamp[48], '1d'), '2020-11-06');
  assert.ok(Math.abs(res.bars.close[0] - 129.04) < 0.01);
  // Dividend: adjusted close below close before the ex-date.
  assert.ok(res.bars.adjClose[0] < res.bars.close[0]);
  const adj = adjustBars(res.bars);
  assert.equal(adj.close[0], res.bars.adjClose[0]);
  assert.ok(Math.abs(adj.high[0] / adj.close[0] - res.bars.high[0] / res.bars.close[0]) < 1e-12);
});

test('yahoo: a repeated request within the freshness window makes no network call', { skip: SHARED_SKIP }, async () => {
  const replay = new YahooReplay();
  const cacheDir = tmp();
  let clock = Date.parse('2023-08-12T12:00:00Z');
  const opts = { symbol: 'TSLA', start: '1970-01-01', end: '2023-08-12', cacheDir, fetch: replay.fetch, log: quiet, now: () => clock };
  const first = await loadYahoo(opts);
  assert.equal(first.bars.timestamp.length, 3303);
  assert.equal(replay.calls, 1);
  clock += 30 * 60_000;
  const second = await loadYahoo(opts);
  assert.equal(second.cache, 'fresh');
  assert.equal(replay.calls, 1);
  assert.deepEqual(second.bars.close, first.bars.close);
  // A range ending recently is fresh for an hour, then fetched again.
  clock += 60 * 60_000;
  assert.equal((await loadYahoo(opts)).cache, 'fetched');
  assert.equal(replay.calls, 2);
  // Once the range lies more than two days in the past, history never goes stale.
  clock += 365 * 86_400_000;
  assert.equal((await loadYahoo(opts)).cache, 'fresh');
  assert.equal(replay.calls, 2);
});

test('yahoo: network failure falls back to the cache and says so; without a cache it suggests offline sources', { skip: SHARED_SKIP }, async () => {
  const replay = new YahooReplay();
  const cacheDir = tmp();
  const opts = { symbol: 'QQQ', start: '2020-01-01', end: '2020-01-03', cacheDir, fetch: replay.fetch, log: quiet };
  await loadYahoo(opts);
  replay.offline = true;
  const notes: string[] = [];
  const res = await loadYahoo({ ...opts, refresh: true, log: (m) => notes.push(m) });
  assert.equal(res.cache, 'stale-fallback');
  assert.ok(notes.some((n) => /QQQ failed.*using the cached copy/.test(n)), notes.join('\n'));
  await assert.rejects(
    loadYahoo({ ...opts, cacheDir: tmp() }),
    (err: unknown) => err instanceof SourceUnavailableError && /--source synthetic/.test(err.message) && /--source csv/.test(err.message),
  );
});

test('yahoo: an answer with no bars is reported as empty data, not an empty table', { skip: SHARED_SKIP }, async () => {
  const replay = new YahooReplay();
  await assert.rejects(
    loadBars({ source: 'yahoo', symbols: ['AAPL'], start: '2025-02-01', end: '2025-02-02', interval: '1m', cacheDir: tmp(), fetch: replay.fetch }),
    (err: unknown) => err instanceof DataError && err.issues.some((i) => i.code === 'empty'),
  );
});

test('yahoo: several symbols through loadBars, 24/7 and non-US markets', { skip: SHARED_SKIP }, async () => {
  const replay = new YahooReplay();
  const cacheDir = tmp();
  const btc = await loadBars({ source: 'yahoo', symbols: ['BTC-USD'], start: '2020-01-01', end: '2020-01-03', cacheDir, fetch: replay.fetch });
  assert.equal(btc.bars.timestamp.length, 3);
  const de = await loadBars({ source: 'yahoo', symbols: ['WSU.DE'], start: '2023-08-04', end: '2023-08-09', cacheDir, fetch: replay.fetch });
  assert.deepEqual(Array.from(de.bars.timestamp, (t) => formatTimestamp(t, '1d')), ['2023-08-04', '2023-08-07', '2023-08-08']);
});
