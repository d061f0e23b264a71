/**
 * Features -> matrix benchmark against pandas, same machine, same run: 164 symbols x 5040
 * daily bars (826k rows; 16 symbols with STOCKLAB_FAST=1) from the synthetic multi-symbol
 * source, for the `technical` (20), `alpha158` (158) and `cross_section` (7) presets.
 *
 *   node dist/bench/features.js
 *
 * Ours: `barFeatureMatrix(bars, spec)`, the path datasets take from the bar table to the
 * row-major float32 matrix (the bars as a polars frame, the features per group of symbols of
 * about 131k bars with each group's polars memory released before the next, a cross-sectional
 * preset in one query); the one-off cost of building the preset's polars expressions (first
 * build in a process) is shown apart and in a second ratio. Reference:
 * bench/features_pandas.py, the same features with pandas (one thread) ending in the same
 * row-major float32 matrix, run on the same bars (given to it as a DataFrame, untimed).
 * Prints seconds (best of STOCKLAB_BENCH_REPEATS runs, default 2, for both), the ratio pandas /
 * ours (above 1: we are faster) and our peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BarTable } from '../src/data/bars';
import { barsToFrame } from '../src/data/frame';
import { syntheticMarket } from '../src/data/synthetic';
import { sized } from '../src/util/env';
import { PRESETS, buildFeatures, featureColumns } from '../src/features';
import { barFeatureMatrix } from '../src/window';

// alpha158 first, so the peak RSS after it is its own.
const PRESET_NAMES = ['alpha158', 'technical', 'cross_section'] as const;
const PYTHON = process.env.STOCKLAB_PYTHON ?? '/usr/bin/python3';
const REPEATS = Number(process.env.STOCKLAB_BENCH_REPEATS ?? 2);

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

/** pandas' best time per preset over REPEATS runs of each (one process, presets interleaved as ours are). */
function pandasSeconds(header: string): Record<string, number> {
  const script = resolve(__dirname, '..', '..', 'bench', 'features_pandas.py');
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const presets = Array.from({ length: REPEATS }, () => PRESET_NAMES).flat();
  const run = spawnSync(PYTHON, [script, 'bench', header, ...presets], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`${PYTHON} ${script} failed (${run.status}): ${run.stderr || run.error}`);
  const out: Record<string, number> = {};
  for (const line of run.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { preset: string; seconds: number };
    out[r.preset] = Math.min(out[r.preset] ?? Infinity, r.seconds);
  }
  return out;
}

async function main(): Promise<void> {
  const symbols = sized(164, 16);
  const barsPerSymbol = 20 * 252;
  const bars = syntheticMarket({ symbols: Array.from({ length: symbols }, (_, i) => `S${i}`), bars: barsPerSymbol, seed: 7 }).bars;
  const rows = bars.close.length;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const maxRss = () => process.resourceUsage().maxRSS * 1024;
  const seconds = async (f: () => unknown): Promise<number> => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };

  console.log(`features bench: ${symbols} symbols x ${barsPerSymbol} bars = ${rows} rows; ours: barFeatureMatrix (bars -> float32 matrix), pandas 1 thread, same bars; best of ${REPEATS}`);
  console.log(`  rss with bars: ${mib(process.memoryUsage().rss)} MiB`);
  // The first build of a preset in a process also builds its polars expressions, which
  // nodejs-polars makes costly (see src/features/plan.ts); later builds reuse them. A build on
  // 200 rows measures that cost alone. Each preset's matrix is dropped before the next run, as
  // a dataset keeps one.
  const ours: Record<string, { expressions: number; seconds: number; features: number; peak: number }> = {};
  const head = barsToFrame(bars).head(200);
  for (const name of PRESET_NAMES) {
    const spec = PRESETS[name];
    const expressions = await seconds(() => buildFeatures(head, spec));
    ours[name] = { expressions, seconds: Infinity, features: featureColumns(spec).length, peak: 0 };
  }
  for (let r = 0; r < REPEATS; r++) {
    for (const name of PRESET_NAMES) {
      const o = ours[name];
      o.seconds = Math.min(o.seconds, await seconds(() => barFeatureMatrix(bars, PRESETS[name])));
      if (r === 0) o.peak = maxRss();
      console.log(`  ours ${name} (${o.features} features): ${o.seconds.toFixed(2)} s best so far (expressions ${o.expressions.toFixed(2)} s, first build only); peak rss so far ${mib(maxRss())} MiB`);
    }
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
    const first = o.seconds + o.expressions;
    const cells = [o.seconds.toFixed(2).padStart(8), pandas[name].toFixed(2).padStart(10), (pandas[name] / o.seconds).toFixed(2).padStart(13), `${(pandas[name] / first).toFixed(2)} (${first.toFixed(2)} s)`.padStart(27)];
    console.log(`  ${name.padEnd(14)} ${String(o.features).padStart(8)} ${cells.join(' ')}`);
  }
  console.log(`  our peak rss: ${mib(ours.alpha158.peak)} MiB through alpha158 (its float32 matrix: ${mib(rows * ours.alpha158.features * 4)} MiB), ${mib(maxRss())} MiB overall`);
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
