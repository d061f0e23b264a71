/**
 * Features -> matrix benchmark against pandas, same machine, same run: 164 symbols x 5040
 * daily bars (826k rows; 16 symbols with STOCKLAB_FAST=1) from the synthetic multi-symbol
 * source, for the `technical` (20), `alpha158` (158) and `cross_section` (7) presets.
 *
 *   node dist/bench/features.js
 *
 * Ours: one polars query (`buildFeatures`) then the row-major float32 matrix
 * (`frameFeatureMatrix`); the one-off cost of building the preset's polars expressions (first
 * build in a process) is shown apart and in a second ratio. Reference: bench/features_pandas.py, the same features with pandas
 * (one thread) ending in the same row-major float32 matrix, run on the same bars. For the
 * technical preset the old path (boxing every value through `Series.toArray()`) is timed too.
 * Prints seconds, the ratio pandas / ours (above 1: we are faster) and our peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type pl from 'nodejs-polars';
import { type BarTable } from '../src/data/bars';
import { barsToFrame } from '../src/data/frame';
import { syntheticMarket } from '../src/data/synthetic';
import { sized } from '../src/util/env';
import { PRESETS, buildFeatures, featureColumns } from '../src/features';
import { featureMatrix, frameFeatureMatrix } from '../src/window';

// alpha158 first, so the peak RSS after it is its own.
const PRESET_NAMES = ['alpha158', 'technical', 'cross_section'] as const;
const PYTHON = process.env.STOCKLAB_PYTHON ?? '/usr/bin/python3';

/** The bars as features_pandas.py reads them: a JSON header and float64 columns, one after another. */
function writeBars(bars: BarTable, dir: string): string {
  const columns = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
  const rows = bars.close.length;
  const raw = new Float64Array(rows * columns.length);
  columns.forEach((c, k) => raw.set(bars[c], k * rows));
  writeFileSync(join(dir, 'bars.bin'), Buffer.from(raw.buffer));
  const header = { rows, columns, symbols: bars.symbols.map((s) => s.symbol), lengths: bars.symbols.map((s) => s.end - s.start) };
  writeFileSync(join(dir, 'bars.json'), JSON.stringify(header));
  return join(dir, 'bars.json');
}

function pandasSeconds(header: string): Record<string, number> {
  const script = resolve(__dirname, '..', '..', 'bench', 'features_pandas.py');
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const run = spawnSync(PYTHON, [script, 'bench', header, ...PRESET_NAMES], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${PYTHON} ${script} failed (${run.status}): ${run.stderr || run.error}`);
  const out: Record<string, number> = {};
  for (const line of run.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { preset: string; seconds: number };
    out[r.preset] = r.seconds;
  }
  return out;
}

function main(): void {
  const symbols = sized(164, 16);
  const barsPerSymbol = 20 * 252;
  const bars = syntheticMarket({ symbols: Array.from({ length: symbols }, (_, i) => `S${i}`), bars: barsPerSymbol, seed: 7 }).bars;
  const rows = bars.close.length;
  const frame = barsToFrame(bars);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const maxRss = () => process.resourceUsage().maxRSS * 1024;
  const timed = <T>(f: () => T): [T, number] => {
    const t0 = performance.now();
    const r = f();
    return [r, (performance.now() - t0) / 1000];
  };

  console.log(`features bench: ${symbols} symbols x ${barsPerSymbol} bars = ${rows} rows; ours: polars query + float32 matrix; pandas 1 thread, same bars`);
  console.log(`  rss with bars + frame: ${mib(process.memoryUsage().rss)} MiB`);
  // The first build of a preset in a process also builds its polars expressions, which
  // nodejs-polars makes costly (see src/features/plan.ts); later builds reuse them. A build on
  // 200 rows measures that cost alone, then each preset is built once on the whole table (one
  // build at a time, as a dataset does: native frames are freed only when the JS heap collects).
  const ours: Record<string, { expressions: number; query: number; matrix: number; features: number; peak: number }> = {};
  let boxedS = NaN;
  for (const name of PRESET_NAMES) {
    const spec = PRESETS[name];
    const columns = featureColumns(spec);
    const [, expressions] = timed(() => buildFeatures(frame.head(200), spec));
    const [built, query] = timed(() => buildFeatures(frame, spec));
    const [, matrix] = timed(() => frameFeatureMatrix(built, columns));
    ours[name] = { expressions, query, matrix, features: columns.length, peak: maxRss() };
    if (name === 'technical') boxedS = timed(() => featureMatrix(columns, columns.map((c) => (built as pl.DataFrame).getColumn(c).toArray() as (number | null)[])))[1];
    console.log(`  ours ${name} (${columns.length} features): expressions ${expressions.toFixed(2)} s (first build only), query ${query.toFixed(2)} s, matrix ${matrix.toFixed(2)} s; peak rss so far ${mib(maxRss())} MiB`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'stocklab-features-bench-'));
  let pandas: Record<string, number>;
  try {
    pandas = pandasSeconds(writeBars(bars, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('  preset         features   ours s   pandas s   pandas/ours   incl. expression building');
  for (const name of PRESET_NAMES) {
    const o = ours[name];
    const total = o.query + o.matrix;
    const first = total + o.expressions;
    const cells = [total.toFixed(2).padStart(8), pandas[name].toFixed(2).padStart(10), (pandas[name] / total).toFixed(2).padStart(13), `${(pandas[name] / first).toFixed(2)} (${first.toFixed(2)} s)`.padStart(27)];
    console.log(`  ${name.padEnd(14)} ${String(o.features).padStart(8)} ${cells.join(' ')}`);
  }
  const t = ours.technical;
  console.log(`  technical matrix step: typed ${t.matrix.toFixed(3)} s vs boxed toArray ${boxedS.toFixed(3)} s (${(boxedS / t.matrix).toFixed(1)}x)`);
  console.log(`  our peak rss: ${mib(ours.alpha158.peak)} MiB through alpha158 (its float32 matrix: ${mib(rows * ours.alpha158.features * 4)} MiB), ${mib(maxRss())} MiB overall`);
}

if (require.main === module) main();
