/**
 * Training throughput of the kit's Transformer (registered custom layers on tfjs) against
 * the same network in PyTorch on one CPU thread (bench/transformer_torch.py, Debian's
 * python3-torch with OPENBLAS_NUM_THREADS=1), measured in the same run.
 * Default shape: the scale issue's (2 layers, 4 heads, width 32, ff 64, 30 steps x 95
 * features, batch 64); `--features 20` is notebook 04's width.
 * Run: node dist/bench/transformer.js [--samples 2048] [--features 95] [--epochs 3] [--json]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/backend';
import { type SampleSet, denseSamples } from '../src/records/samples';
import { createModel } from '../src/models/registry';
import '../src/models/nn';
import { Rng } from '../src/util/random';

interface Setup {
  readonly samples: number;
  readonly steps: number;
  readonly features: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly ffUnits: number;
  readonly batch: number;
  readonly epochs: number;
}

interface Rate {
  readonly msPerEpoch: number;
  readonly samplesPerSec: number;
  readonly epochsMs: readonly number[];
  /** CPU time of the process in its least-CPU epoch: steadier than wall time on a shared machine. */
  readonly cpuMsPerEpoch: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function randomSet(s: Setup, seed: number): SampleSet {
  const rng = new Rng(seed);
  const x = new Float32Array(s.samples * s.steps * s.features);
  // Sum of uniforms: roughly normal, as the PyTorch side's randn.
  for (let i = 0; i < x.length; i++) x[i] = (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 2;
  const y = Float32Array.from({ length: s.samples }, () => (rng.uniform() > 0.5 ? 1 : 0));
  return denseSamples({ x, y, shape: [s.samples, s.steps, s.features], featureNames: Array.from({ length: s.features }, (_, i) => `f${i}`) });
}

/** One warm-up epoch, then the best of `epochs` timed ones, as the PyTorch script does. */
async function ours(s: Setup): Promise<Rate> {
  const model = createModel('transformer', 'binary', {
    dModel: s.dModel, heads: s.heads, layers: s.layers, ffUnits: s.ffUnits, dropout: 0.1, pooling: 'mean',
    batchSize: s.batch, epochs: s.epochs + 1, earlyStoppingPatience: 0, seed: 1,
  });
  const set = randomSet(s, 3);
  const stamps: number[] = [performance.now()];
  const cpu: number[] = [cpuMs()];
  await model.fit(set, undefined, {
    onEpochEnd: () => {
      stamps.push(performance.now());
      cpu.push(cpuMs());
    },
  });
  model.dispose?.();
  const per = (xs: number[]) => xs.slice(1).map((t, i) => t - xs[i]).slice(1);
  const epochsMs = per(stamps);
  const best = Math.min(...epochsMs);
  return { msPerEpoch: best, samplesPerSec: (s.samples / best) * 1000, epochsMs, cpuMsPerEpoch: Math.min(...per(cpu)) };
}

function torch(s: Setup): Rate | string {
  const script = join(__dirname, '..', '..', 'bench', 'transformer_torch.py');
  const args = [script, '--samples', s.samples, '--steps', s.steps, '--features', s.features, '--d-model', s.dModel, '--heads', s.heads, '--layers', s.layers, '--ff', s.ffUnits, '--batch', s.batch, '--epochs', s.epochs].map(String);
  const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } });
  if (run.status !== 0) return `PyTorch reference unavailable: ${(run.stderr || run.error?.message || '').trim().split('\n').at(-1)}`;
  return JSON.parse(run.stdout) as Rate;
}

async function main(): Promise<void> {
  const s: Setup = {
    samples: flag('samples', 2048), steps: flag('steps', 30), features: flag('features', 95),
    dModel: flag('d-model', 32), heads: flag('heads', 4), layers: flag('layers', 2), ffUnits: flag('ff', 64),
    batch: flag('batch', 64), epochs: flag('epochs', 3),
  };
  const backend = await initBackend();
  const mine = await ours(s);
  const ref = torch(s);
  const ratio = typeof ref === 'string' ? undefined : mine.samplesPerSec / ref.samplesPerSec;
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ setup: s, backend: backend.name, tensors: tf.memory().numTensors, ours: mine, torch: ref, oursOverTorch: ratio, oursOverTorchCpu: typeof ref === 'string' ? undefined : ref.cpuMsPerEpoch / mine.cpuMsPerEpoch }, null, 2));
    return;
  }
  console.log(describeBackend(backend));
  console.log(`setup: ${JSON.stringify(s)}`);
  console.log(`ours (tfjs ${backend.name}): ${Math.round(mine.msPerEpoch)} ms/epoch (CPU ${Math.round(mine.cpuMsPerEpoch)} ms), ${Math.round(mine.samplesPerSec)} samples/s`);
  if (typeof ref === 'string') console.log(ref);
  else {
    console.log(`PyTorch 1 thread: ${Math.round(ref.msPerEpoch)} ms/epoch (CPU ${Math.round(ref.cpuMsPerEpoch)} ms), ${Math.round(ref.samplesPerSec)} samples/s`);
    console.log(`ours / PyTorch: ${ratio!.toFixed(2)}x by wall time, ${(ref.cpuMsPerEpoch / mine.cpuMsPerEpoch).toFixed(2)}x by CPU time`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
