import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticMarket } from '../src/data/synthetic';
import { validateBars } from '../src/data/validate';
import { UsageError } from '../src/errors';

test('synthetic: same seed, same bars; another seed, other bars', () => {
  const a = syntheticMarket({ seed: 7, bars: 500, symbols: ['A', 'B'] });
  const b = syntheticMarket({ seed: 7, bars: 500, symbols: ['A', 'B'] });
  const c = syntheticMarket({ seed: 8, bars: 500, symbols: ['A', 'B'] });
  assert.deepEqual(a.bars, b.bars);
  assert.notDeepEqual(a.bars.close, c.bars.close);
  // Symbols are independent streams: adding a symbol does not change the first one.
  const single = syntheticMarket({ seed: 7, bars: 500, symbols: ['A'] });
  assert.deepEqual(single.bars.close, a.bars.close.subarray(0, 500));
});

test('synthetic: bars are valid OHLCV on weekdays', () => {
  const m = syntheticMarket({ seed: 1, bars: 2000, signal: 0.2 });
  const { report } = validateBars(m.bars, { source: 'synthetic' });
  assert.equal(report.issues.filter((i) => i.severity === 'error').length, 0);
  for (const t of m.bars.timestamp) assert.ok(![0, 6].includes(new Date(t).getUTCDay()));
  const intraday = syntheticMarket({ seed: 1, bars: 200, interval: '5m' });
  assert.equal(intraday.bars.timestamp[1] - intraday.bars.timestamp[0], 300_000);
});

test('synthetic: best achievable accuracy follows the planted strength', () => {
  for (const rho of [0, 0.1, 0.3]) {
    const m = syntheticMarket({ seed: 3, bars: 20000, signal: rho, annualDrift: 0 });
    const theory = 0.5 + Math.asin(rho) / Math.PI;
    assert.ok(Math.abs(m.signal.bestAccuracy - theory) < 0.01, `rho ${rho}: best ${m.signal.bestAccuracy} vs ${theory}`);
    // The oracle's realised hit rate agrees with its expectation within sampling error.
    assert.ok(Math.abs(m.signal.oracleAccuracy - m.signal.bestAccuracy) < 4 * Math.sqrt(0.25 / 20000), `rho ${rho}`);
  }
});

test('synthetic: the planted signal is visible in returns; a random walk shows none', () => {
  const lag1 = (rho: number) => {
    const c = syntheticMarket({ seed: 11, bars: 20000, signal: rho, annualDrift: 0 }).bars.close;
    let hits = 0;
    for (let t = 2; t < c.length; t++) hits += Math.sign(Math.log(c[t] / c[t - 1])) === Math.sign(Math.log(c[t - 1] / c[t - 2])) ? 1 : 0;
    return hits / (c.length - 2);
  };
  assert.ok(lag1(0.3) > 0.56);
  assert.ok(Math.abs(lag1(0) - 0.5) < 0.015);
});

test('synthetic: bad options are usage errors', () => {
  assert.throws(() => syntheticMarket({ signal: 1 }), UsageError);
  assert.throws(() => syntheticMarket({ bars: 1 }), UsageError);
  assert.throws(() => syntheticMarket({ start: 'soon' }), UsageError);
  assert.throws(() => syntheticMarket({ interval: '1mo' }), UsageError);
});
