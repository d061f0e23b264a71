import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/errors';
import { FEATURE_CATALOG, PRESETS, featureColumns, presetSpec, validateFeatureSpec, warmupBars } from '../src/features';

test('column names are <indicator>_<params in catalog order>', () => {
  assert.deepEqual(
    featureColumns([
      { name: 'rsi', params: { period: 14 } },
      { name: 'macd_hist' },
      { name: 'bb_pctb', params: { stddev: 2.5 } },
      { name: 'hl_spread' },
      { name: 'zscore_volume', params: { period: 10 } },
      { name: 'logret' },
      { name: 'dow' },
    ]),
    ['rsi_14', 'macd_hist_12_26_9', 'bb_pctb_20_2.5', 'hl_spread', 'zscore_volume_10', 'logret_1', 'dow'],
  );
});

test('validation fills defaults and names what is wrong', () => {
  assert.deepEqual(validateFeatureSpec([{ name: 'macd' }]), [{ name: 'macd', params: { fast: 12, slow: 26, signal: 9 } }]);
  const fails = (spec: unknown, pattern: RegExp) => assert.throws(() => validateFeatureSpec(spec), (e: unknown) => e instanceof UsageError && pattern.test(e.message));
  fails([{ name: 'rsx' }], /entry 0: unknown feature "rsx"/);
  fails([{ name: 'rsi', params: { window: 14 } }], /entry 0 \(rsi\): unknown parameter "window"; expected period/);
  fails([{ name: 'dow', params: { period: 1 } }], /unknown parameter "period"; it takes no parameters/);
  fails([{ name: 'sma', params: { period: 2.5 } }], /"period" must be an integer >= 2, got 2.5/);
  fails([{ name: 'bb_width', params: { stddev: 0 } }], /"stddev" must be a positive number/);
  fails([{ name: 'macd', params: { fast: 30 } }], /"fast" \(30\) must be smaller than "slow" \(26\)/);
  fails([{ name: 'rsi' }, { name: 'rsi', params: { period: 14 } }], /entries 0 and 1 both produce column "rsi_14"/);
  fails({ name: 'rsi' }, /expected an array/);
  fails(['rsi'], /entry 0: expected an object/);
  fails([{ name: 'toString' }], /unknown feature "toString"/);
});

test('a spec survives JSON and warm-ups follow the documented lookbacks', () => {
  const spec = validateFeatureSpec(PRESETS.technical);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  assert.equal(warmupBars(PRESETS.technical), 33);
  assert.equal(warmupBars(PRESETS.basic), 5);
  assert.equal(warmupBars([{ name: 'rsi', params: { period: 7 } }]), 7);
  assert.equal(warmupBars([{ name: 'ema', params: { period: 7 } }]), 6);
  assert.equal(warmupBars([{ name: 'macd', params: { fast: 5, slow: 10, signal: 4 } }]), 12);
  assert.equal(warmupBars([]), 0);
  for (const [name, kind] of Object.entries(FEATURE_CATALOG)) {
    assert.ok(kind.formula.length > 10 && kind.warmupText.length > 0, `${name} is documented`);
  }
});

test('presets hold the documented columns', () => {
  const technical = featureColumns(presetSpec('technical'));
  for (const c of ['rsi_14', 'macd_12_26_9', 'macd_signal_12_26_9', 'macd_hist_12_26_9', 'bb_pctb_20_2', 'atr_14', 'logret_1']) {
    assert.ok(technical.includes(c), c);
  }
  assert.deepEqual(featureColumns(presetSpec('basic')), ['logret_1', 'ret_5', 'hl_spread', 'close_pos', 'vol_chg_1']);
  assert.throws(() => presetSpec('fancy'), /unknown feature preset "fancy"; expected one of basic, technical/);
});
