import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBarTable, type BarTable } from '../src/data/bars';
import { syntheticMarket } from '../src/data/synthetic';
import { BARRIER_LOWER, BARRIER_TIME, BARRIER_UPPER, computeLabels, parseLabelSpec, rollingVolatility, type LabelSpec } from '../src/labels';
import { UsageError } from '../src/errors';

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);

function table(...symbols: [string, number[]][]): BarTable {
  return makeBarTable(
    '1d',
    symbols.map(([symbol, close]) => ({
      symbol,
      timestamp: close.map((_, i) => T0 + i * DAY),
      open: close,
      high: close,
      low: close,
      close,
      volume: close.map(() => 1000),
    })),
  );
}

test('next-n-bar return: value, NaN for the last h bars, endIndex = t + h, per symbol', () => {
  const a = [100, 110, 99, 120, 121];
  const b = [50, 40, 60];
  const bars = table(['A', a], ['B', b]);
  const log = computeLabels(bars, { kind: 'return', horizonBars: 2 });
  assert.equal(log.task, 'regression');
  assert.equal(log.name, 'label_logret_2');
  for (let t = 0; t < 3; t++) {
    assert.ok(Math.abs(log.value[t] - Math.log(a[t + 2] / a[t])) < 1e-15);
    assert.equal(log.endIndex[t], t + 2);
    assert.equal(log.endTime[t], bars.timestamp[t + 2]);
  }
  // Rows 3, 4 are A's last two bars: their horizon would reach into B.
  for (const t of [3, 4, 6, 7]) {
    assert.ok(Number.isNaN(log.value[t]), `row ${t}`);
    assert.equal(log.endIndex[t], -1);
    assert.ok(Number.isNaN(log.endTime[t]));
  }
  assert.ok(Math.abs(log.value[5] - Math.log(60 / 50)) < 1e-15);
  assert.equal(log.endIndex[5], 7);
  const simple = computeLabels(bars, { kind: 'return', horizonBars: 1, returns: 'simple' });
  assert.ok(Math.abs(simple.value[0] - 0.1) < 1e-12);
  assert.equal(simple.endIndex[0], 1);
  assert.ok(Number.isNaN(simple.value[4]));
});

test('up/down: UP only for a strictly higher close, classes DOWN/UP', () => {
  const bars = table(['A', [10, 11, 11, 9, 12]]);
  const l = computeLabels(bars, { kind: 'updown' });
  assert.equal(l.task, 'binary');
  assert.deepEqual(l.classes, ['DOWN', 'UP']);
  assert.deepEqual(Array.from(l.value.subarray(0, 4)), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(l.endIndex), [1, 2, 3, 4, -1]);
});

test('UP/FLAT/DOWN with a fixed band', () => {
  const bars = table(['A', [100, 100.5, 102, 100.9, 101.5]]);
  const l = computeLabels(bars, { kind: 'updown-flat', returns: 'simple', band: { kind: 'fixed', threshold: 0.01 } });
  assert.deepEqual(l.classes, ['DOWN', 'FLAT', 'UP']);
  // +0.5% FLAT, +1.49% UP, -1.08% DOWN, +0.59% FLAT
  assert.deepEqual(Array.from(l.value.subarray(0, 4)), [1, 2, 0, 1]);
  assert.equal(l.endIndex[3], 4);
});

test('rolling volatility is the sample std of the window returns ending at t', () => {
  const close = new Float64Array([100, 101, 99, 102, 102.5, 98]);
  const sd = rollingVolatility(close, 0, close.length, 3, 'log');
  assert.ok(Number.isNaN(sd[0]) && Number.isNaN(sd[1]) && Number.isNaN(sd[2]));
  for (let t = 3; t < 6; t++) {
    const r = [t - 2, t - 1, t].map((i) => Math.log(close[i] / close[i - 1]));
    const m = (r[0] + r[1] + r[2]) / 3;
    const want = Math.sqrt(r.reduce((acc, x) => acc + (x - m) ** 2, 0) / 2);
    assert.ok(Math.abs(sd[t] - want) < 1e-15, `t=${t}`);
  }
});

test('UP/FLAT/DOWN with a volatility band uses sigma known at t and is undefined before it', () => {
  const { bars } = syntheticMarket({ bars: 120, seed: 7 });
  const k = 0.8;
  const l = computeLabels(bars, { kind: 'updown-flat', horizonBars: 3, band: { kind: 'volatility', k, volWindow: 10 } });
  const sd = rollingVolatility(bars.close, 0, 120, 10);
  let defined = 0;
  for (let t = 0; t < 120; t++) {
    if (t < 10 || t + 3 >= 120) {
      assert.ok(Number.isNaN(l.value[t]), `row ${t} should be undefined`);
      continue;
    }
    const r = Math.log(bars.close[t + 3] / bars.close[t]);
    assert.equal(l.value[t], r > k * sd[t] ? 2 : r < -k * sd[t] ? 0 : 1);
    assert.equal(l.endIndex[t], t + 3);
    defined++;
  }
  assert.equal(defined, 107);
  const counts = [0, 1, 2].map((c) => l.value.filter((v) => v === c).length);
  assert.ok(counts.every((c) => c > 5), `all three classes occur: ${counts}`);
});

/** A path whose first `volWindow + 1` closes fix sigma at bar t = volWindow, then closes at the given multiples of sigma. */
function barrierPath(multiples: number[]): { bars: BarTable; t: number; sigma: number } {
  const prefix = [100, 102, 100, 101];
  const t = prefix.length - 1;
  const sigma = rollingVolatility(new Float64Array(prefix), 0, prefix.length, 3)[t];
  const close = [...prefix, ...multiples.map((m) => prefix[t] * Math.exp(m * sigma))];
  return { bars: table(['A', close]), t, sigma };
}

const tb = (h: number, profitTaking: number, stopLoss: number): LabelSpec => ({ kind: 'triple-barrier', horizonBars: h, profitTaking, stopLoss, volWindow: 3 });

test('triple barrier: upper barrier hit first', () => {
  const { bars, t } = barrierPath([0.5, 0.9, 1.2, -3]);
  const l = computeLabels(bars, tb(4, 1, 1));
  assert.equal(l.barrier![t], BARRIER_UPPER);
  assert.equal(l.value[t], 2);
  assert.equal(l.classes![l.value[t]], 'UP');
  assert.equal(l.endIndex[t], t + 3);
  assert.equal(l.endTime[t], bars.timestamp[t + 3]);
  assert.ok(Math.abs(l.realizedReturn[t] - Math.log(bars.close[t + 3] / bars.close[t])) < 1e-15);
});

test('triple barrier: lower barrier hit first, asymmetric multiples', () => {
  const { bars, t } = barrierPath([0.4, -0.9, -1.6, 5]);
  // Stop-loss at 1.5 sigma: -0.9 does not touch, -1.6 does, at bar t + 3.
  const l = computeLabels(bars, tb(4, 2, 1.5));
  assert.equal(l.barrier![t], BARRIER_LOWER);
  assert.equal(l.value[t], 0);
  assert.equal(l.endIndex[t], t + 3);
});

test('triple barrier: time barrier gives FLAT and ends at t + h', () => {
  const { bars, t } = barrierPath([0.5, -0.5, 0.9, 3]);
  const l = computeLabels(bars, tb(3, 1, 1));
  assert.equal(l.barrier![t], BARRIER_TIME);
  assert.equal(l.value[t], 1);
  assert.equal(l.endIndex[t], t + 3);
  // The same path with a longer horizon reaches the upper barrier at t + 4.
  const longer = computeLabels(bars, tb(4, 1, 1));
  assert.equal(longer.barrier![t], BARRIER_UPPER);
  assert.equal(longer.endIndex[t], t + 4);
});

test('triple barrier: a multiple of 0 disables that barrier', () => {
  const { bars, t } = barrierPath([3, -2, 0]);
  const l = computeLabels(bars, tb(3, 0, 1));
  assert.equal(l.barrier![t], BARRIER_LOWER);
  assert.equal(l.endIndex[t], t + 2);
});

test('triple barrier: undefined without sigma, at the symbol end, and never crosses a symbol', () => {
  const { bars: one, t } = barrierPath([0.5, 0.5]);
  const l = computeLabels(one, tb(2, 1, 1));
  for (let i = 0; i < t; i++) assert.ok(Number.isNaN(l.value[i]), `no sigma at ${i}`);
  assert.ok(!Number.isNaN(l.value[t]));
  assert.ok(Number.isNaN(l.value[t + 1]) && Number.isNaN(l.value[t + 2]));
  // A huge jump at the start of a second symbol must not touch the first symbol's barriers.
  const close = Array.from(one.close);
  const two = table(['A', close], ['B', [close[0] * 100, ...close.slice(1)]]);
  const l2 = computeLabels(two, tb(2, 1, 1));
  assert.ok(Number.isNaN(l2.value[t + 2]));
  assert.equal(l2.endIndex[t + 1], -1);
});

test('triple barrier on a random market: each label ends at the first touch or at t + h', () => {
  const { bars } = syntheticMarket({ symbols: ['A', 'B'], bars: 400, seed: 3 });
  const spec = { kind: 'triple-barrier', horizonBars: 10, profitTaking: 1.5, stopLoss: 1, volWindow: 20 } as const;
  const l = computeLabels(bars, spec);
  const seen = new Set<number>();
  for (const s of bars.symbols) {
    const sd = rollingVolatility(bars.close, s.start, s.end, 20);
    for (let t = s.start; t < s.end; t++) {
      if (Number.isNaN(l.value[t])) {
        assert.ok(t - s.start < 20 || t + 10 >= s.end, `row ${t} undefined without reason`);
        continue;
      }
      const end = l.endIndex[t];
      assert.ok(end > t && end <= t + 10 && end < s.end);
      const ret = (j: number) => Math.log(bars.close[j] / bars.close[t]);
      const up = 1.5 * sd[t - s.start];
      const down = -1 * sd[t - s.start];
      for (let j = t + 1; j < end; j++) assert.ok(ret(j) < up && ret(j) > down, `row ${t} touched at ${j} before ${end}`);
      const b = l.barrier![t];
      if (b === BARRIER_UPPER) assert.ok(ret(end) >= up);
      else if (b === BARRIER_LOWER) assert.ok(ret(end) <= down);
      else assert.ok(end === t + 10 && ret(end) < up && ret(end) > down);
      seen.add(b);
    }
  }
  assert.equal(seen.size, 3, 'all three barriers occur');
});

test('label specs parse from JSON and bad fields are named', () => {
  const spec = parseLabelSpec(JSON.parse('{"kind":"updown-flat","horizonBars":5,"band":{"kind":"volatility","k":0.5}}'));
  assert.equal(spec.kind, 'updown-flat');
  assert.throws(() => parseLabelSpec({ kind: 'return', horizonBars: 0 }), (e: unknown) => e instanceof UsageError && /label\.horizonBars/.test(e.message));
  assert.throws(() => parseLabelSpec({ kind: 'triple-barrier', profitTaking: 1, stopLoss: 1 }), /label\.horizonBars: is required/);
  assert.throws(() => parseLabelSpec({ kind: 'updown-flat', band: { kind: 'wide' } }), /label\.band\.kind/);
  assert.throws(() => parseLabelSpec({ kind: 'nope' }), /label\.kind: expected one of/);
});
