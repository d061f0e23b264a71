/**
 * The main job's path over seeds: the default experiment (planted signal 0.3) with the market
 * and model seeds 1..N, and each model's mean directional accuracy against the mean best
 * achievable accuracy of the same paths. The gap is what the defaults leave on the table.
 *
 * Usage: node dist/bench/main-job.js [--seeds 10]   (STOCKLAB_FAST=1 for a quick pass)
 */
import { defaultExperiment, runExperiment } from '../src/index';
import { formatTable } from '../src/util/table';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--seeds');
  const seeds = at > 0 ? Number(process.argv[at + 1]) : 10;
  const sums = new Map<string, number>();
  let best = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const base = defaultExperiment();
    const config = { ...base, seed, dataset: { ...base.dataset, source: { ...base.dataset.source, seed } } };
    const r = await runExperiment(config, { log: () => undefined });
    if (r.bestAccuracy === undefined) throw new Error('the default experiment has no planted signal');
    best += r.bestAccuracy / seeds;
    for (const m of r.models) sums.set(m.name, (sums.get(m.name) ?? 0) + m.directional.accuracy / seeds);
    process.stderr.write(`seed ${seed}: best ${(r.bestAccuracy * 100).toFixed(2)}% ${r.models.map((m) => `${m.name} ${(m.directional.accuracy * 100).toFixed(2)}%`).join(', ')}\n`);
  }
  const rows = [...sums].map(([name, acc]) => [name, acc * 100, (best - acc) * 100]);
  process.stdout.write(`main job over ${seeds} seeds; mean best achievable directional accuracy ${(best * 100).toFixed(2)}%\n`);
  process.stdout.write(formatTable(['model', 'mean dir. acc %', 'gap to best (points)'], rows) + '\n');
}

void main();
