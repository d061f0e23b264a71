import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BarTable } from '../src/data/bars';
import { syntheticMarket } from '../src/data/synthetic';
import { Rng } from '../src/util/random';
import { computeLabels, type LabelSpec } from '../src/labels';

const SPECS: LabelSpec[] = [
  { kind: 'return', horizonBars: 5 },
  { kind: 'return', horizonBars: 1, returns: 'simple' },
  { kind: 'updown', horizonBars: 3 },
  { kind: 'updown-flat', horizonBars: 2, band: { kind: 'fixed', threshold: 0.005 } },
  { kind: 'updown-flat', horizonBars: 4, band: { kind: 'volatility', k: 0.7, volWindow: 15 } },
  { kind: 'triple-barrier', horizonBars: 12, profitTaking: 2, stopLoss: 1, volWindow: 20 },
];

/** A copy of `bars` whose closes after row `cut` of every symbol are replaced by noise. */
function perturbAfter(bars: BarTable, cutBySymbol: number[], rng: Rng): BarTable {
  const close = bars.close.slice();
  bars.symbols.forEach((s, k) => {
    for (let i = cutBySymbol[k] + 1; i < s.end; i++) close[i] = close[i] * Math.exp(0.2 * rng.normal());
  });
  return { ...bars, close };
}

test('perturbing bars after t changes no label whose end is at or before t', () => {
  const { bars } = syntheticMarket({ symbols: ['A', 'B', 'C'], bars: 500, seed: 11 });
  const rng = new Rng(5);
  for (const spec of SPECS) {
    const before = computeLabels(bars, spec);
    for (let trial = 0; trial < 5; trial++) {
      const cuts = bars.symbols.map((s) => s.start + 30 + rng.int(s.end - s.start - 40));
      const after = computeLabels(perturbAfter(bars, cuts, rng), spec);
      let kept = 0;
      let changed = 0;
      bars.symbols.forEach((s, k) => {
        for (let t = s.start; t < s.end; t++) {
          const end = before.endIndex[t];
          if (end >= 0 && end <= cuts[k]) {
            assert.equal(after.value[t], before.value[t], `${spec.kind}: row ${t} ends at ${end} <= cut ${cuts[k]}`);
            assert.equal(after.endIndex[t], end);
            kept++;
          } else if (t <= cuts[k] && end > cuts[k] && after.value[t] !== before.value[t]) changed++;
        }
      });
      assert.ok(kept > 0);
      // The perturbation is real: labels reaching past the cut do change (for continuous labels).
      if (spec.kind === 'return') assert.ok(changed > 0, `${spec.kind}: perturbation changed nothing`);
    }
  }
});
