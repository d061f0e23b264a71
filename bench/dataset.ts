/**
 * The seed-004 dataset: 164 symbols x 5040 daily bars (826k bars; 16 symbols with
 * STOCKLAB_FAST=1) from the synthetic source, 95 features (the first 95 of the alpha158 preset),
 * 3-class UP/FLAT/DOWN labels, a 60/20/20 chronological split and 30-bar windows. Prints the
 * build time and peak RSS, and sets them against what the same samples cost as materialised
 * float32 windows (the layout before sample sets became views) and the feature matrix itself.
 *
 *   node dist/bench/dataset.js
 */
import { performance } from 'node:perf_hooks';
import { buildDataset } from '../src/dataset';
import { presetSpec } from '../src/features';
import { gatherWindows, sampleCount } from '../src/records/samples';
import { sized } from '../src/util/env';

const MIB = 2 ** 20;

async function main(): Promise<void> {
  const symbols = Array.from({ length: sized(164, 16) }, (_, i) => `S${String(i).padStart(3, '0')}`);
  const features = presetSpec('alpha158').slice(0, 95);
  const started = performance.now();
  const ds = await buildDataset({
    source: { source: 'synthetic', symbols, bars: 5040, seed: 4 },
    features: [...features],
    label: { kind: 'updown-flat', horizonBars: 1, band: { kind: 'volatility', k: 0.25 } },
    split: { kind: 'chronological', fractions: [0.6, 0.2, 0.2] },
    lookback: 30,
  });
  const seconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  const samples = sampleCount(ds.train) + sampleCount(ds.validation!) + sampleCount(ds.test);
  const nf = ds.train.features.names.length;
  const bars = ds.prepared.bars.close.length;
  const windowBytes = samples * 30 * nf * 4;
  const matrixBytes = ds.train.features.values.byteLength;
  // One training batch gathered, to show the per-batch cost that replaces the materialised windows.
  const t0 = performance.now();
  gatherWindows(ds.train, Int32Array.from({ length: 64 }, (_, i) => i * 97));
  const gatherMs = performance.now() - t0;
  console.log(`dataset: ${symbols.length} symbols, ${bars} bars, ${nf} features, lookback 30, ${samples} samples (train ${sampleCount(ds.train)})`);
  console.log(`build: ${seconds.toFixed(1)} s, peak RSS ${(peak / MIB).toFixed(0)} MiB`);
  console.log(`scaled float32 feature matrix (shared by every set): ${(matrixBytes / MIB).toFixed(0)} MiB`);
  console.log(`the same samples as materialised float32 windows would take ${(windowBytes / MIB).toFixed(0)} MiB: peak RSS / window bytes = ${(peak / windowBytes).toFixed(2)}`);
  console.log(`gathering one batch of 64 windows: ${gatherMs.toFixed(2)} ms`);
}

void main();
