/**
 * Training throughput of the fused LSTM/GRU kernels against PyTorch (Debian's
 * python3-torch) and Keras (/work/venv's tensorflow-cpu), same model, sizes
 * and loop, measured in one run, at the seeds' two shapes:
 *   small    LSTM/GRU(50) -> (50) -> Dense(25) -> Dense(1), 60 x 10, batch 32, MSE
 *   seed-004 LSTM/GRU(128) -> (128) -> Dense(3, softmax), 30 x 95, batch 64
 * Ours runs on 1 thread and on 2 (a network replica on a worker thread); references on 1 thread
 * (OPENBLAS_NUM_THREADS=1: Debian's OpenBLAS ignores torch.set_num_threads)
 * and 2. Gates use sigmoid as PyTorch and Keras do.
 *
 * Throughput is the best epoch after WARMUP_STEPS warm-up steps (V8 keeps compiling for
 * thousands of steps, on the core a one-thread run leaves idle). Our 1- and 2-thread runs
 * alternate epoch by epoch; the 2t/1t column is the median over rounds of each 2-thread epoch's rate over the
 * 1-thread epoch beside it, which a machine whose speed drifts between minutes moves alike. Two
 * references for it (`ceiling`), from two independent one-thread trainings on half batches as
 * separate processes started together: their summed rate over one alone at the whole batch (two
 * cores with no synchronisation at all), and the lockstep bound, the rate had every step waited
 * for the slower of the two processes' steps (unequal cores and each core's jitter included).
 * Run: node dist/bench/rnn.js [--json] [--shapes small,seed004] [--cells lstm,gru] [--no-keras] [--no-references] [--no-ceiling]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { FusedGRU, FusedLSTM } from '../src/kernels/layers';
import { kernelThreads, setKernelThreads } from '../src/kernels/parallel';
import { kernelBuild } from '../src/kernels/heap';
import { WorkerReplicas } from '../src/models/nn/replicas';
import { denseSamples } from '../src/records/samples';
import { quantile } from '../src/scale/scaler';
import { type TrainLoopOptions, trainNetwork } from '../src/train/loop';
import { sized } from '../src/util/env';
import { Rng } from '../src/util/random';

type Cell = 'lstm' | 'gru';

interface Shape {
  readonly name: string;
  readonly samples: number;
  readonly steps: number;
  readonly features: number;
  readonly units: readonly number[];
  readonly dense: readonly number[];
  /** 0: regression (MSE); else softmax cross-entropy over this many classes. */
  readonly classes: number;
  readonly batch: number;
}

const SHAPES: readonly Shape[] = [
  { name: 'small', samples: sized(4096, 128), steps: 60, features: 10, units: [50, 50], dense: [25], classes: 0, batch: 32 },
  { name: 'seed004', samples: sized(4096, 128), steps: 30, features: 95, units: [128, 128], dense: [], classes: 3, batch: 64 },
];

const EPOCHS = sized(3, 1);
/**
 * Training steps before timing. V8 keeps compiling the long tail of tfjs's functions, called a
 * few times per step, for thousands of steps (at seed-004's shape on two threads, about 100 ms of
 * compiler CPU per 64 steps around step 200, 35 ms around step 4,000), on the core a one-thread
 * run leaves idle but a two-thread run needs; a training of several epochs of thousands of steps
 * runs past it.
 */
const WARMUP_STEPS = sized(1024, 1);

/** Warm-up epochs of a training at `s.batch`: WARMUP_STEPS steps or more. */
function warmupEpochs(s: Shape): number {
  return Math.ceil(WARMUP_STEPS / Math.ceil(s.samples / s.batch));
}
/** Rounds of one 1-thread and one 2-thread epoch for the scaling ratio. */
const SCALING_ROUNDS = sized(7, 1);

interface Rate {
  /** Wall clock: what a user waits for. */
  readonly samplesPerSec?: number;
  /**
   * Per CPU second of the whole process (all threads): on a loaded shared
   * machine the steadier figure for one-thread runs, where it equals the
   * wall-clock rate of an idle core.
   */
  readonly cpuSamplesPerSec?: number;
}

interface Row extends Rate {
  readonly shape: string;
  readonly cell: Cell;
  readonly impl: string;
  readonly threads: number;
  readonly note?: string;
}

function buildModel(cell: Cell, s: Shape): tf.Sequential {
  const Layer = cell === 'lstm' ? FusedLSTM : FusedGRU;
  const layers: tf.layers.Layer[] = s.units.map(
    (units, i) =>
      new Layer({
        units,
        returnSequences: i < s.units.length - 1,
        recurrentActivation: 'sigmoid',
        ...(i === 0 ? { inputShape: [s.steps, s.features] } : {}),
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 + i }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: 11 + i }),
      }),
  );
  s.dense.forEach((units, i) => layers.push(tf.layers.dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 21 + i }) })));
  layers.push(tf.layers.dense({ units: s.classes || 1, activation: s.classes ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }) }));
  return tf.sequential({ layers });
}

/** One network set up for training on `threads` threads, an epoch per `epoch()` call. */
async function trainer(cell: Cell, s: Shape, threads: number): Promise<{ epoch(seed: number): Promise<{ ms: number; cpuMs: number; stepMs: number[] }>; close(): Promise<void> }> {
  // Several threads: one network replica per extra thread (data-parallel), as a NeuralModel
  // trains on a large training set; each thread's kernels then run on that thread alone.
  setKernelThreads(1);
  const rng = new Rng(1);
  const x = Float32Array.from({ length: s.samples * s.steps * s.features }, () => rng.normal());
  const y = Float32Array.from({ length: s.samples }, () => (s.classes ? rng.int(s.classes) : rng.normal()));
  const set = denseSamples({ x, shape: [s.samples, s.steps, s.features], y, featureNames: Array.from({ length: s.features }, (_, i) => `f${i}`), ...(s.classes ? { classes: Array.from({ length: s.classes }, (_, i) => `c${i}`) } : {}) });
  const model = buildModel(cell, s);
  const replicas = threads > 1 ? await WorkerReplicas.start(threads - 1, model, { backend: 'wasm', fused: true, loss: { task: s.classes ? 'multiclass' : 'regression', regressionLoss: 'mse', huberDelta: 1 } }) : undefined;
  const options: TrainLoopOptions = {
    seed: 1,
    epochs: 1,
    batchSize: s.batch,
    schedule: { type: 'constant' },
    clipNorm: 0,
    earlyStoppingPatience: 0,
    optimizer: 'adam',
    learningRate: 1e-3,
    momentum: 0,
    task: s.classes ? 'multiclass' : 'regression',
    regressionLoss: 'mse',
    huberDelta: 1,
    ...(replicas ? { replicas } : {}),
  };
  return {
    async epoch(seed) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const stepMs: number[] = [];
      let last = t0;
      const onBatchEnd = () => {
        const now = performance.now();
        stepMs.push(now - last);
        last = now;
      };
      await trainNetwork(model, set, undefined, { ...options, seed, onBatchEnd });
      const c = process.cpuUsage(c0);
      return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, stepMs };
    },
    async close() {
      await replicas?.close();
      model.dispose();
    },
  };
}

/**
 * Our side trains with the library's own loop (trainNetwork over a SampleSet view, windows
 * gathered per batch), as `train` and `evaluate` do, on each thread count given; after the
 * warm-up, the counts take turns epoch by epoch (`rounds` of one epoch each). Best epoch per
 * count, and per round the rate of each count over the first's: a machine whose speed drifts
 * between minutes moves both epochs of a round alike, so the median of these is the steady ratio.
 */
async function ours(cell: Cell, s: Shape, threadCounts: readonly number[], rounds: number): Promise<{ rates: Rate[]; pairedRatios: number[] }> {
  const runs = [];
  for (const threads of threadCounts) runs.push(await trainer(cell, s, threads));
  for (let e = 0; e < warmupEpochs(s); e++) for (const run of runs) await run.epoch(1 + e);
  const best = runs.map(() => ({ ms: Infinity, cpuMs: Infinity }));
  const perRound: number[][] = runs.map(() => []);
  for (let e = 0; e < rounds; e++) {
    for (const [i, run] of runs.entries()) {
      const t = await run.epoch(100 + e);
      best[i] = { ms: Math.min(best[i].ms, t.ms), cpuMs: Math.min(best[i].cpuMs, t.cpuMs) };
      perRound[i].push(t.ms);
    }
  }
  for (const run of runs) await run.close();
  const pairedRatios = perRound.map((ms) => quantile(Float64Array.from(ms, (m, e) => perRound[0][e] / m).sort(), 0.5));
  return { rates: best.map((b) => ({ samplesPerSec: (s.samples / b.ms) * 1000, cpuSamplesPerSec: (s.samples / b.cpuMs) * 1000 })), pairedRatios };
}

/** An independent one-thread training's rate over all its timed epochs, and each timed step's duration. */
interface SoloResult {
  readonly samplesPerSec: number;
  readonly stepMs: readonly number[];
}

/**
 * `--solo cell shape batch`: this script as one independent one-thread training at `batch`.
 * It prints "ready" after the warm-up, starts its timed epochs at the next line on stdin, and
 * prints a SoloResult.
 */
async function solo(cell: Cell, s: Shape): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const run = await trainer(cell, s, 1);
  for (let e = 0; e < warmupEpochs(s); e++) await run.epoch(1 + e);
  console.log('ready');
  readSync(0, Buffer.alloc(16));
  let ms = 0;
  const stepMs: number[] = [];
  for (let e = 0; e < EPOCHS; e++) {
    const t = await run.epoch(100 + e);
    ms += t.ms;
    stepMs.push(...t.stepMs);
  }
  await run.close();
  console.log(JSON.stringify({ samplesPerSec: ((EPOCHS * s.samples) / ms) * 1000, stepMs } satisfies SoloResult));
}

/** One solo process per batch size given, warmed up apart and timed together; undefined where one failed. */
function soloRuns(cell: Cell, s: Shape, batches: readonly number[]): Promise<(SoloResult | undefined)[]> {
  const children = batches.map((batch) => spawn(process.execPath, [__filename, '--solo', cell, s.name, String(batch)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  let warming = children.length;
  const warmedUp = () => {
    if (--warming === 0) for (const child of children) child.stdin.end('go\n');
  };
  return Promise.all(
    children.map(
      (child) =>
        new Promise<SoloResult | undefined>((resolve) => {
          let out = '';
          let ready = false;
          // A process that dies before it is ready must not hold the others at the start line.
          const arrive = () => {
            if (ready) return;
            ready = true;
            warmedUp();
          };
          child.stdin.on('error', () => undefined);
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.startsWith('ready\n')) arrive();
          });
          child.on('error', () => {
            arrive();
            resolve(undefined);
          });
          child.on('close', (code) => {
            arrive();
            resolve(code === 0 ? (JSON.parse(out.trim().split('\n').at(-1)!) as SoloResult) : undefined);
          });
        }),
    ),
  );
}

interface Ceiling {
  /** Two independent one-thread processes at half the batch, started together, summed, over one alone at the whole batch (before and after, averaged). */
  readonly twoProcessesOverOne?: number;
  /**
   * The same two processes' rate had each step lasted as long as the slower of their two steps
   * (a lockstep step waits for the slower thread's slice), over one alone: what lockstep
   * training on two threads can reach on this machine with synchronisation free.
   */
  readonly lockstepBound?: number;
}

/**
 * What this machine gives two cores with no synchronisation at all (two processes; shared caches,
 * memory and collector threads included), and what it gives lockstep training: on shared virtual
 * machines cores differ in speed and stall at random, and a lockstep step is as slow as its
 * slower slice.
 */
async function ceiling(cell: Cell, s: Shape): Promise<Ceiling> {
  const [before] = await soloRuns(cell, s, [s.batch]);
  const pair = await soloRuns(cell, s, [s.batch / 2, s.batch / 2]);
  const [after] = await soloRuns(cell, s, [s.batch]);
  if (!before || !after || !pair[0] || !pair[1]) return {};
  const alone = (before.samplesPerSec + after.samplesPerSec) / 2;
  const [a, b] = [pair[0].stepMs, pair[1].stepMs];
  const lockstepMs = a.reduce((sum, ms, i) => sum + Math.max(ms, b[i]), 0);
  return { twoProcessesOverOne: (pair[0].samplesPerSec + pair[1].samplesPerSec) / alone, lockstepBound: ((a.length * s.batch) / lockstepMs) * 1000 / alone };
}

function reference(python: string, script: string, cell: Cell, s: Shape, threads: number): Rate & { note?: string } {
  const args = [
    join(__dirname, '..', '..', 'bench', script),
    ...['--cell', cell, '--samples', String(s.samples), '--steps', String(s.steps), '--features', String(s.features)],
    ...['--units', s.units.join(','), '--dense', s.dense.join(','), '--classes', String(s.classes), '--batch', String(s.batch)],
    ...['--epochs', String(EPOCHS), '--threads', String(threads)],
  ];
  const t = String(threads);
  const run = spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t } });
  if (run.status !== 0) return { note: `unavailable: ${(run.stderr || run.error?.message || '').trim().split('\n').at(-1)}` };
  const { samplesPerSec, cpuSamplesPerSec } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Required<Rate>;
  return { samplesPerSec, cpuSamplesPerSec };
}

function option(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',');
}

async function main(): Promise<void> {
  const soloAt = process.argv.indexOf('--solo');
  if (soloAt >= 0) return solo(process.argv[soloAt + 1] as Cell, { ...SHAPES.find((s) => s.name === process.argv[soloAt + 2])!, batch: Number(process.argv[soloAt + 3]) });
  const asJson = process.argv.includes('--json');
  const withCeiling = !process.argv.includes('--no-ceiling');
  const withReferences = !process.argv.includes('--no-references');
  const shapes = SHAPES.filter((s) => option('shapes', 'small,seed004').includes(s.name));
  const cells = option('cells', 'lstm,gru') as Cell[];
  const keras = !process.argv.includes('--no-keras') && existsSync('/work/venv/bin/python');
  const backend = (await initBackend({ backend: 'wasm' })).name;
  const defaultThreads = kernelThreads();
  const rows: Row[] = [];
  const ceilings = new Map<string, Ceiling>();
  const scaling = new Map<string, number>();
  for (const s of shapes) {
    for (const cell of cells) {
      const { rates: [one, two], pairedRatios } = await ours(cell, s, [1, 2], SCALING_ROUNDS);
      rows.push({ shape: s.name, cell, impl: 'ours', threads: 1, ...one }, { shape: s.name, cell, impl: 'ours', threads: 2, ...two });
      scaling.set(`${s.name} ${cell}`, pairedRatios[1]);
      if (withCeiling) ceilings.set(`${s.name} ${cell}`, await ceiling(cell, s));
      if (!withReferences) continue;
      for (const threads of [1, 2]) rows.push({ shape: s.name, cell, impl: 'pytorch', threads, ...reference('/usr/bin/python3', 'rnn_torch.py', cell, s, threads) });
      if (keras) rows.push({ shape: s.name, cell, impl: 'keras', threads: 1, ...reference('/work/venv/bin/python', 'rnn_keras.py', cell, s, 1) });
    }
  }
  setKernelThreads(defaultThreads);
  const find = (shape: string, cell: Cell, impl: string, threads: number) => rows.find((r) => r.shape === shape && r.cell === cell && r.impl === impl && r.threads === threads);
  const rate = (shape: string, cell: Cell, impl: string, threads: number) => find(shape, cell, impl, threads)?.samplesPerSec;
  const cpuRate = (shape: string, cell: Cell, impl: string) => find(shape, cell, impl, 1)?.cpuSamplesPerSec;
  const ratio = (a?: number, b?: number) => (a && b ? a / b : undefined);
  const summary = shapes.flatMap((s) =>
    cells.map((cell) => {
      const [o1, o2, t1, t2, k1] = [rate(s.name, cell, 'ours', 1), rate(s.name, cell, 'ours', 2), rate(s.name, cell, 'pytorch', 1), rate(s.name, cell, 'pytorch', 2), rate(s.name, cell, 'keras', 1)];
      return {
        shape: s.name,
        cell,
        ours1OverTorch1: ratio(o1, t1),
        ours2OverTorch2: ratio(o2, t2),
        /** Median over rounds of the 2-thread epoch's rate over the 1-thread epoch's next to it. */
        ours2OverOurs1: scaling.get(`${s.name} ${cell}`),
        ...ceilings.get(`${s.name} ${cell}`),
        ours1OverKeras1: ratio(o1, k1),
        cpuOurs1OverTorch1: ratio(cpuRate(s.name, cell, 'ours'), cpuRate(s.name, cell, 'pytorch')),
        cpuOurs1OverKeras1: ratio(cpuRate(s.name, cell, 'ours'), cpuRate(s.name, cell, 'keras')),
      };
    }),
  );
  if (asJson) {
    console.log(JSON.stringify({ bench: 'rnn', backend, kernelBuild: kernelBuild(), warmupSteps: WARMUP_STEPS, rounds: SCALING_ROUNDS, epochs: EPOCHS, shapes, rows, summary }, null, 2));
    return;
  }
  const fmt = (v?: number) => (v === undefined ? '-' : Math.round(v).toString());
  const x = (v?: number) => (v === undefined ? '-' : `${v.toFixed(2)}x`);
  console.log(`fused RNN training, samples/s (ours: best of ${SCALING_ROUNDS} alternating 1t/2t rounds after ${WARMUP_STEPS} warm-up steps; references: best of ${EPOCHS} epochs; tfjs backend ${backend}, kernels ${kernelBuild()})`);
  console.log('shape    cell | ours 1t | ours 2t | torch 1t | torch 2t | keras 1t | ours/torch 1t | ours/torch 2t | ours 2t/1t | 2 procs/1 | lockstep bound | ours/keras 1t');
  for (const r of summary) {
    const o = (impl: string, t: number) => fmt(rate(r.shape, r.cell, impl, t));
    console.log(
      `${r.shape.padEnd(8)} ${r.cell.padEnd(4)} | ${o('ours', 1).padStart(7)} | ${o('ours', 2).padStart(7)} | ${o('pytorch', 1).padStart(8)} | ${o('pytorch', 2).padStart(8)} | ${o('keras', 1).padStart(8)} | ${x(r.ours1OverTorch1).padStart(13)} | ${x(r.ours2OverTorch2).padStart(13)} | ${x(r.ours2OverOurs1).padStart(10)} | ${x(r.twoProcessesOverOne).padStart(9)} | ${x(r.lockstepBound).padStart(14)} | ${x(r.ours1OverKeras1).padStart(13)}`,
    );
  }
  console.log('\nper CPU second, one thread (steadier on a loaded machine)');
  console.log('shape    cell | ours 1t | torch 1t | keras 1t | ours/torch | ours/keras');
  for (const r of summary) {
    const c = (impl: string) => fmt(cpuRate(r.shape, r.cell, impl));
    console.log(`${r.shape.padEnd(8)} ${r.cell.padEnd(4)} | ${c('ours').padStart(7)} | ${c('pytorch').padStart(8)} | ${c('keras').padStart(8)} | ${x(r.cpuOurs1OverTorch1).padStart(10)} | ${x(r.cpuOurs1OverKeras1).padStart(10)}`);
  }
  for (const r of rows.filter((row) => row.note)) console.log(`${r.shape} ${r.cell} ${r.impl} ${r.threads}t: ${r.note}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
