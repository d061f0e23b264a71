import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

// Cache entries written by hand, as a damaged or foreign file would be. The file name is
// <symbol>_<interval>_<period1 ms>_<period2 ms>.json; the network is never reached.
const P1 = Date.parse('2020-01-01T00:00:00Z');
const P2 = Date.parse('2020-01-08T00:00:00Z');
const offline = async (): Promise<Response> => {
  throw new TypeError('fetch failed: getaddrinfo ENOTFOUND query2.finance.yahoo.com');
};
const request = (cacheDir: string) => ({ symbol: 'AAPL', start: '2020-01-01', end: '2020-01-08', cacheDir, fetch: offline, log: quiet });
function entry(over: Record<string, unknown> = {}) {
  const q = (day: number) => ({ t: Date.UTC(2020, 0, day, 14, 30), o: 10, h: 11, l: 9, c: 10.5, a: 10.4, v: 100 });
  return { fetchedAt: P2 + 86_400_000, symbol: 'AAPL', interval: '1d', period1: P1, period2: P2, meta: { gmtoffset: -18000 }, quotes: [q(2), q(3), q(6), q(7)], ...over };
}
function cacheWith(content: string): { dir: string; file: string } {
  const dir = tmp();
  const file = join(dir, `AAPL_1d_${P1}_${P2}.json`);
  writeFileSync(file, content);
  return { dir, file };
}
function corrupt(file: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof DataError, String(err));
    assert.equal(err.exitCode, 3);
    assert.equal(err.issues[0].code, 'corrupt_cache');
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, pattern);
    assert.match(err.message, /--refresh/);
    return true;
  };
}

test('yahoo cache: a well-formed entry for the request is served without the network', async () => {
  const { dir } = cacheWith(JSON.stringify(entry()));
  const res = await loadYahoo(request(dir));
  assert.equal(res.cache, 'fresh');
  assert.deepEqual(Array.from(res.bars.timestamp, (t) => formatTimestamp(t, '1d')), ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07']);
});

test('yahoo cache: an entry for another symbol, interval or range is refused, naming the file and both', async () => {
  for (const [over, pattern] of [
    [{ symbol: 'MSFT' }, /holds MSFT 1d from 2020-01-01.*, not the AAPL 1d from 2020-01-01.* requested/],
    [{ interval: '1h' }, /holds AAPL 1h .*, not the AAPL 1d/],
    [{ period1: P1 - 86_400_000 }, /holds AAPL 1d from 2019-12-31/],
    [{ period2: P2 + 86_400_000 }, /ends at 2020-01-09.*, not at the 2020-01-08.* requested/],
  ] as const) {
    const { dir, file } = cacheWith(JSON.stringify(entry(over)));
    await assert.rejects(loadYahoo(request(dir)), corrupt(file, pattern));
  }
});

test('yahoo cache: a corrupt file is reported as corrupt, not as "no cached copy"; {} is a clear error', async () => {
  const bad = cacheWith('{"fetchedAt": 17');
  await assert.rejects(loadYahoo(request(bad.dir)), corrupt(bad.file, /corrupt cache file .*: .*JSON/));
  // Refreshing while offline: the failure says why the cached copy could not stand in.
  await assert.rejects(loadYahoo({ ...request(bad.dir), refresh: true }), (err: unknown) => {
    assert.ok(err instanceof SourceUnavailableError, String(err));
    assert.match(err.message, /the cached copy at .* is unusable \(corrupt cache file/);
    assert.doesNotMatch(err.message, /no cached copy/);
    return true;
  });
  const empty = cacheWith('{}');
  await assert.rejects(loadYahoo(request(empty.dir)), corrupt(empty.file, /"fetchedAt" should be a number \(epoch ms\), found nothing/));
  const notBars = cacheWith(JSON.stringify(entry({ quotes: [{ t: 'yesterday', o: 1 }] })));
  await assert.rejects(loadYahoo(request(notBars.dir)), corrupt(notBars.file, /quotes\[0\]\.t should be a number or null, found the string "yesterday"/));
  await assert.rejects(loadBars({ source: 'yahoo', symbols: ['AAPL'], start: '2020-01-01', end: '2020-01-08', cacheDir: empty.dir, fetch: offline }), (e: unknown) => e instanceof DataError);
});

test('yahoo cache: a quote without a timestamp is a validation finding, not an endless loop', () => {
  const q = entry();
  (q.quotes as Record<string, unknown>[])[1] = { ...(q.quotes as Record<string, unknown>[])[1], t: undefined };
  const { dir } = cacheWith(JSON.stringify(q));
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `require('./src/data/load').loadBars({ source: 'yahoo', symbols: ['AAPL'], start: '2020-01-01', end: '2020-01-08', cacheDir: ${JSON.stringify(dir)} })
        .then(() => console.log('loaded'), (e) => console.log(JSON.stringify(e.issues.map((i) => [i.code, i.row]))))`,
    ],
    { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 20_000 },
  );
  assert.notEqual(r.signal, 'SIGTERM', 'loadBars did not finish within 20 s');
  assert.deepEqual(JSON.parse(r.stdout), [['bad_timestamp', 1]]);
});

test('yahoo cache: refresh replaces an unusable entry and says so', { skip: SHARED_SKIP }, async () => {
  const replay = new YahooReplay();
  const cacheDir = tmp();
  const file = join(cacheDir, `QQQ_1d_${Date.parse('2020-01-01T00:00:00Z')}_${Date.parse('2020-01-03T00:00:00Z')}.json`);
  writeFileSync(file, JSON.stringify({ ...entry(), symbol: 'SPY' }));
  const opts = { symbol: 'QQQ', start: '2020-01-01', end: '2020-01-03', cacheDir, fetch: replay.fetch, log: quiet };
  await assert.rejects(loadYahoo(opts), corrupt(file, /holds SPY/));
  const res = await loadYahoo({ ...opts, refresh: true });
  assert.equal(res.cache, 'fetched');
  assert.match(res.notes.join('\n'), /replaced the unusable cache entry \(cache file .* holds SPY/);
  assert.equal((await loadYahoo(opts)).cache, 'fresh');
});
