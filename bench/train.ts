/**
 * Training throughput of the seeds' LSTM setups on the wasm and cpu backends, in one process:
 * samples/s, ms per epoch, memory. The cpu backend is the reference each wasm figure is
 * divided by. `STOCKLAB_FAST=1` shrinks samples and lookback so it runs in seconds.
 *
 *   node dist/bench/train.js            # full: 1024 samples, one epoch per setup and backend
 *   STOCKLAB_FAST=1 node dist/bench/train.js
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { type SampleSet, denseSamples, sampleCount, subsetSamples } from '../src/records/samples';
import type { Task } from '../src/records/task';
import '../src/models/nn';
import { createModel } from '../src/models/registry';
import { Rng } from '../src/util/random';
import { sized } from '../src/util/env';

interface Setup {
  readonly name: string;
  readonly task: Task;
  readonly lookback: number;
  readonly features: number;
  readonly config: Record<string, unknown>;
}

const SEED_LSTM = { units: [50, 50], dense: [25], dropout: 0.2, batchSize: 32, epochs: 1, earlyStoppingPatience: 0 };

const SETUPS: readonly Setup[] = [
  { name: 'LSTM(50)x2 up-probability, 60 x 10', task: 'binary', lookback: sized(60, 12), features: 10, config: SEED_LSTM },
  { name: 'LSTM(50)x2 regression, 100 x 5', task: 'regression', lookback: sized(100, 16), features: 5, config: SEED_LSTM },
  { name: 'LSTM(50)x2 3-class, 30 x 8', task: 'multiclass', lookback: sized(30, 8), features: 8, config: SEED_LSTM },
];
const SAMPLES = sized(1024, 128);

function randomSamples(s: Setup, n: number): SampleSet {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: n * s.lookback * s.features }, () => rng.normal());
  const y = Float32Array.from({ length: n }, () => (s.task === 'regression' ? rng.normal() : rng.int(s.task === 'binary' ? 2 : 3)));
  const featureNames = Array.from({ length: s.features }, (_, i) => `f${i}`);
  return denseSamples({ x, shape: [n, s.lookback, s.features], y, featureNames, ...(s.task === 'multiclass' ? { classes: ['DOWN', 'FLAT', 'UP'] } : {}) });
}

interface Measure {
  readonly msPerEpoch: number;
  readonly samplesPerSecond: number;
  readonly rssPeakMiB: number;
  readonly tensorMiB: number;
}

async function measure(backend: string, s: Setup, data: SampleSet): Promise<Measure> {
  await initBackend({ backend });
  const model = createModel('lstm', s.task, s.config);
  // One warm-up batch builds the network and compiles kernels outside the timing.
  await model.fit(subsetSamples(data, Int32Array.from({ length: 32 }, (_, i) => i)), undefined, { epochs: 1 });
  let rssPeak = process.memoryUsage().rss;
  let tensorBytes = 0;
  const t0 = performance.now();
  await model.fit(data, undefined, {
    epochs: 1,
    onEpochEnd: () => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      tensorBytes = tf.memory().numBytes;
    },
  });
  const ms = performance.now() - t0;
  model.dispose?.();
  return { msPerEpoch: ms, samplesPerSecond: (sampleCount(data) * 1000) / ms, rssPeakMiB: rssPeak / 2 ** 20, tensorMiB: tensorBytes / 2 ** 20 };
}

async function main(): Promise<void> {
  console.log(`train bench: ${SAMPLES} samples, batch 32, one epoch per setup and backend${sized('', ' (STOCKLAB_FAST)')}`);
  const rows: string[][] = [['setup', 'backend', 'ms/epoch', 'samples/s', 'rss peak MiB', 'tensors MiB', 'speed vs cpu']];
  for (const s of SETUPS) {
    const data = randomSamples(s, SAMPLES);
    const cpu = await measure('cpu', s, data);
    const wasm = await measure('wasm', s, data);
    for (const [name, m] of [['cpu', cpu], ['wasm', wasm]] as const) {
      rows.push([s.name, name, m.msPerEpoch.toFixed(0), m.samplesPerSecond.toFixed(1), m.rssPeakMiB.toFixed(0), m.tensorMiB.toFixed(2), (cpu.msPerEpoch / m.msPerEpoch).toFixed(2) + 'x']);
    }
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  for (const r of rows) console.log(r.map((c, j) => (j < 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
