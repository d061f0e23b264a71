import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors';
import { addInto } from '../kernels/arrays';
import { kernelThreads, setKernelThreads } from '../kernels/parallel';
import { tensorFloats } from '../kernels/tensors';
import type { FitResult } from '../records/fit';
import { type SampleSet, gatherWindows, sampleCount, windowShape } from '../records/samples';
import type { LearningRateSchedule } from './schedule';
import { Rng } from '../util/random';
import { runNetwork } from './forward';
import { type LossSpec, batchLoss, metricName, metricSum, sampleLosses } from './losses';
import { type OptimizerSpec, Optimizer, clipByGlobalNorm } from './optimizer';
import { ProgressBar } from './progress';
import { LearningRateScheduler } from './schedule';

export interface TrainLoopOptions extends OptimizerSpec, LossSpec {
  /** Seeds the shuffling of training samples each epoch. */
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly schedule: LearningRateSchedule;
  /** Global gradient-norm bound; 0 disables clipping. */
  readonly clipNorm: number;
  /** 0 disables early stopping. Needs a validation set; best weights are restored. */
  readonly earlyStoppingPatience: number;
  /** Per-class loss weights (classification), by class index. */
  readonly classWeights?: readonly number[];
  readonly verbose?: boolean;
  readonly onEpochEnd?: (epoch: number, logs: Readonly<Record<string, number>>) => void;
  /** After each batch's update, with the epoch's running mean loss: step-level progress or timing. */
  readonly onBatchEnd?: (epoch: number, batch: number, loss: number) => void;
  /**
   * Copies of the network on other threads (see GradientReplicas): each batch is split into
   * `replicas.count + 1` contiguous slices, this thread computes the first slice's gradients and
   * the replicas the others', and every thread applies their sum (each slice's loss is divided by
   * the whole batch's count) to its copy of the weights. Results then differ from one thread's
   * in the last bits (gradient sums in another order, other dropout masks) and are reproducible
   * for a given count.
   */
  readonly replicas?: GradientReplicas;
}

/** One slice of a batch, as sent to a replica. */
export interface BatchSlice {
  /** Windows `[n, lookback, features]`, row-major. */
  readonly x: Float32Array;
  readonly shape: readonly [number, number, number];
  readonly y: Float32Array;
  readonly w?: Float32Array;
  /** The whole batch's sample count (or weight sum): the slice's loss is its sum over this. */
  readonly denominator: number;
}

/** A slice's loss and metric sum and its gradients, one array per trainable variable. */
export interface SliceResult {
  readonly loss: number;
  readonly metric: number;
  readonly grads: Float32Array[];
}

/** What a replicated step applies besides the gradients: the optimizer and the clipping bound. */
export interface StepSpec extends OptimizerSpec {
  readonly clipNorm: number;
}

/**
 * Network copies on other threads that train in lockstep with this one (`TrainLoopOptions.replicas`),
 * as data-parallel trainers do: each step every thread computes its slice's gradients, then every
 * thread sums all of them in thread order (`stepGradients`) and applies the same optimizer step
 * to its own copy of the weights. The copies stay identical without weights travelling each step,
 * and the optimizer runs on every thread at once instead of between the threads' slices.
 * A step: `post` the replicas' slices, compute this thread's into `ownGradients()`, `ownDone`,
 * then `wait` for the replicas' slices.
 */
export interface GradientReplicas {
  readonly count: number;
  /** Start a run: the replicas take these trainable weights (variable order) and a fresh optimizer. */
  begin(values: readonly Float32Array[], spec: StepSpec): void;
  /** Where this thread's slice gradients go for the next step (variable order): the replicas read them. */
  ownGradients(): Float32Array[];
  /** Send one slice per replica and the step's learning rate. The slices' arrays may be reused once this returns. */
  post(slices: readonly BatchSlice[], learningRate: number): void;
  /** This thread's gradients are complete, or (`ok` false) its slice failed and every thread skips the update. */
  ownDone(ok: boolean): void;
  /** Block for the replicas' slices, in replica order; throws a replica's error. Gradient arrays are valid until the next step. */
  wait(): SliceResult[];
  /** End of a run: throws unless every replica holds exactly `values`. */
  end(values: readonly Float32Array[]): void;
}

/**
 * The update every thread of a step applies: the threads' gradients summed in thread order into
 * `into` (one array per variable), then clipped to `clipNorm` (0: not clipped). One code path
 * for every thread keeps the replicas' weights bit-identical.
 */
export function stepGradients(parts: readonly (readonly Float32Array[])[], clipNorm: number, into: readonly Float32Array[]): readonly Float32Array[] {
  into.forEach((sum, k) => {
    if (parts[0][k] !== sum) sum.set(parts[0][k]);
    for (let t = 1; t < parts.length; t++) addInto(sum, parts[t][k]);
  });
  if (clipNorm > 0) clipByGlobalNorm(into, clipNorm);
  return into;
}

/**
 * Loss, metric sum and gradients of one slice on `net` (this thread's network or a replica's):
 * the one place a training step is differentiated. Gradients are copied `into` the arrays given
 * (one per variable, reused across steps), else into new ones.
 */
export function sliceGradients(net: tf.LayersModel, variables: readonly tf.Variable[], slice: BatchSlice, spec: LossSpec, wholeBatch: boolean, into?: readonly Float32Array[]): SliceResult {
  let result: SliceResult | undefined;
  // The result leaves through the closure: tidy walks whatever it returns, every element of
  // every typed array included (half of a training step, measured).
  tf.tidy(() => {
    const x = tf.tensor3d(slice.x, [...slice.shape]);
    const y = tf.tensor1d(slice.y);
    const w = slice.w && tf.tensor1d(slice.w);
    let metric = 0;
    const { value, grads } = tf.variableGrads(() => {
      const output = runNetwork(net, x, true);
      // The forward pass runs in its own tidy scope: read the metric before it closes.
      metric = metricSum(spec.task, output, y).dataSync()[0];
      return batchLoss(spec, output, y, w, wholeBatch ? undefined : slice.denominator);
    }, variables as tf.Variable[]);
    const copy = (g: Float32Array, k: number) => {
      if (!into) return g.slice();
      into[k].set(g);
      return into[k];
    };
    result = { loss: value.dataSync()[0], metric, grads: variables.map((v, k) => copy(tensorFloats(grads[v.name]), k)) };
  });
  return result!;
}

/**
 * Train a network with a custom loop: seeded shuffling, per-batch gradients of each slice
 * (`sliceGradients`, on this thread and on `replicas`), global-norm clipping, one Adam or SGD
 * pass per variable, a learning rate set per epoch, and early stopping on validation loss that
 * restores the best epoch's weights. Everything allocated per batch or epoch is released, so
 * `tf.memory().numTensors` is the same at the end of every epoch.
 */
export async function trainNetwork(net: tf.LayersModel, train: SampleSet, validation: SampleSet | undefined, o: TrainLoopOptions): Promise<FitResult> {
  const started = performance.now();
  const n = sampleCount(train);
  if (n === 0) throw new UsageError('training set is empty');
  const weights = o.classWeights ? sampleWeights(train.y, o.classWeights) : undefined;
  const variables = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const values = variables.map((v) => (v.dataSync() as Float32Array).slice());
  // Per-step arrays reused across steps: a step allocates no large array (see kernels/tensors.ts).
  const gradients = values.map((v) => new Float32Array(v.length));
  const windows: Float32Array[] = [];
  const optimizer = new Optimizer(o);
  const scheduler = new LearningRateScheduler(o.schedule, o.learningRate, o.epochs);
  const rng = new Rng(o.seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batches = Math.ceil(n / o.batchSize);
  const progress = o.verbose ? new ProgressBar(o.epochs, batches) : undefined;
  const metric = metricName(o.task);
  const history: Record<string, number[]> = {};
  const earlyStopping = o.earlyStoppingPatience > 0 && validation !== undefined && sampleCount(validation) > 0;
  let best: { loss: number; epoch: number; weights: tf.Tensor[] } | undefined;
  let epoch = 0;
  o.replicas?.begin(values, o);
  try {
    for (; epoch < o.epochs; epoch++) {
      const epochStart = performance.now();
      const lr = scheduler.rate(epoch);
      optimizer.setLearningRate(lr);
      rng.shuffle(order);
      let lossSum = 0;
      let metricTotal = 0;
      // With replicas every thread already has a slice: this one's kernels stay on it during
      // the steps, and get every thread back for the validation pass.
      const threads = kernelThreads();
      if (o.replicas) setKernelThreads(1);
      try {
        const batchEnd = (b: number) => Math.min(n, (b + 1) * o.batchSize);
        const slicesOf = (b: number) => batchSlices(train, order.subarray(b * o.batchSize, batchEnd(b)), weights, 1 + (o.replicas?.count ?? 0), windows);
        const replicas = o.replicas;
        let slices = slicesOf(0);
        replicas?.post(slices.slice(1), lr);
        // A step posted to the replicas and not yet waited for: leaving it so would leave them blocked.
        let posted = replicas !== undefined;
        try {
          for (let b = 0; b < batches; b++) {
            const end = batchEnd(b);
            const own = sliceGradients(net, variables, slices[0], o, slices.length === 1, replicas ? replicas.ownGradients() : gradients);
            replicas?.ownDone(true);
            // Posting copied the replicas' windows: every window buffer is free, and the next batch
            // is gathered while the replicas finish.
            if (b + 1 < batches) slices = slicesOf(b + 1);
            posted = false;
            const parts = [own, ...(replicas?.wait() ?? [])];
            // The replicas start on the next batch while every thread applies this one's update.
            if (replicas && b + 1 < batches) {
              replicas.post(slices.slice(1), lr);
              posted = true;
            }
            const loss = parts.reduce((sum, p) => sum + p.loss, 0);
            if (!Number.isFinite(loss)) throw new UsageError(`training diverged: loss is ${loss} at epoch ${epoch + 1}, batch ${b + 1}; lower learningRate or set clipNorm`);
            optimizer.applyGradients(variables, values, stepGradients(parts.map((p) => p.grads), o.clipNorm, gradients));
            lossSum += loss * (end - b * o.batchSize);
            metricTotal += parts.reduce((sum, p) => sum + p.metric, 0);
            const running = lossSum / end;
            progress?.batch(epoch, b, running);
            o.onBatchEnd?.(epoch, b, running);
          }
        } catch (err) {
          // The replicas skip the step and are still waited for, so they stay in step; this error wins.
          if (posted) {
            replicas!.ownDone(false);
            try {
              replicas!.wait();
            } catch {}
          }
          throw err;
        }
      } finally {
        setKernelThreads(threads);
      }
      const logs: Record<string, number> = { loss: lossSum / n, [metric]: metricTotal / n };
      if (validation && sampleCount(validation) > 0) {
        const v = evaluateNetwork(net, validation, o, o.batchSize);
        logs.val_loss = v.loss;
        logs[`val_${metric}`] = v.metric;
      }
      logs.lr = lr;
      for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
      const monitored = logs.val_loss ?? logs.loss;
      scheduler.observe(monitored);
      if (earlyStopping && (!best || monitored < best.loss)) {
        best?.weights.forEach((t) => t.dispose());
        best = { loss: monitored, epoch, weights: net.weights.map((w) => tf.keep(w.read().clone())) };
      }
      progress?.epochEnd(epoch, logs, (performance.now() - epochStart) / 1000);
      o.onEpochEnd?.(epoch, logs);
      if (best && epoch - best.epoch >= o.earlyStoppingPatience) {
        epoch++;
        break;
      }
    }
    o.replicas?.end(values);
    if (best) net.setWeights(best.weights);
  } finally {
    best?.weights.forEach((t) => t.dispose());
  }
  return { history, epochs: epoch, bestEpoch: best ? best.epoch : epoch - 1, seconds: (performance.now() - started) / 1000 };
}

/** Mean (unweighted) loss and metric of a network over a sample set, in batches. */
export function evaluateNetwork(net: tf.LayersModel, set: SampleSet, spec: LossSpec, batchSize = 256): { loss: number; metric: number } {
  const n = sampleCount(set);
  let loss = 0;
  let metric = 0;
  for (let start = 0; start < n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const [l, m] = tf.tidy(() => {
      const { x, y } = batchTensors(set, idx);
      const out = runNetwork(net, x, false);
      return [sampleLosses(spec, out, y).sum().dataSync()[0], metricSum(spec.task, out, y).dataSync()[0]];
    });
    loss += l;
    metric += m;
  }
  return { loss: loss / n, metric: metric / n };
}

/** Network outputs `[n, units]` row-major for every sample, in batches, dropout off. */
export function predictNetwork(net: tf.LayersModel, set: SampleSet, batchSize = 256): Float32Array {
  const n = sampleCount(set);
  const units = net.outputs[0].shape[1] as number;
  const out = new Float32Array(n * units);
  for (let start = 0; start < n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const values = tf.tidy(() => runNetwork(net, batchTensors(set, idx).x, false).dataSync() as Float32Array);
    out.set(values, start * units);
  }
  return out;
}

function batchTensors(set: SampleSet, idx: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor1D } {
  const [, lookback, features] = windowShape(set);
  return { x: tf.tensor3d(gatherWindows(set, idx), [idx.length, lookback, features]), y: tf.tensor1d(Float32Array.from(idx, (s) => set.y[s])) };
}

/**
 * A batch cut into `count` contiguous slices, the larger ones first (so only trailing slices can
 * be empty, when the batch has fewer samples than threads), windows gathered into `buffers[i]`
 * for slice i (grown as needed, reused across batches).
 */
function batchSlices(set: SampleSet, idx: Int32Array, weights: Float32Array | undefined, count: number, buffers: Float32Array[]): BatchSlice[] {
  const [, lookback, features] = windowShape(set);
  const per = lookback * features;
  const denominator = weights ? idx.reduce((sum, s) => sum + weights[s], 0) : idx.length;
  return Array.from({ length: count }, (_, i) => {
    const part = idx.subarray(Math.ceil((i * idx.length) / count), Math.ceil(((i + 1) * idx.length) / count));
    if (!buffers[i] || buffers[i].length < part.length * per) buffers[i] = new Float32Array(part.length * per);
    return {
      x: gatherWindows(set, part, buffers[i].subarray(0, part.length * per)),
      shape: [part.length, lookback, features] as const,
      y: Float32Array.from(part, (s) => set.y[s]),
      ...(weights ? { w: Float32Array.from(part, (s) => weights[s]) } : {}),
      denominator,
    };
  });
}

function sampleWeights(y: Float32Array, classWeights: readonly number[]): Float32Array {
  return y.map((label, i) => {
    const w = classWeights[label];
    if (w === undefined || !(w >= 0)) throw new UsageError(`classWeights has no valid weight for class ${label} (sample ${i}); give one non-negative weight per class index`);
    return w;
  });
}
