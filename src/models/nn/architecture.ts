import * as tf from '@tensorflow/tfjs';
import { fusedGru, fusedLstm } from '../../kernels/layers';
import { Rng } from '../../util/random';
import type { Task } from '../../records/task';
import type { Pooling, RecurrentConfig, TransformerConfig } from './config';
import { AttentionPooling, LastTimeStep, SeededDropout, SequenceDense, SinusoidalPositionalEncoding, TransformerEncoderBlock } from './layers';

/**
 * Network graphs of the neural models, as tfjs functional models with Keras layer names and
 * weight layouts. Every initializer and dropout mask gets its own seed drawn from the
 * config's seed, so the same config builds the same weights.
 */

export type RecurrentCell = 'lstm' | 'gru';

export interface RecurrentLayerArgs {
  readonly cell: RecurrentCell;
  readonly units: number;
  readonly returnSequences: boolean;
  /** Seed for this layer's initializers (kernel: seed, recurrent kernel: seed + 1). */
  readonly seed: number;
  readonly name: string;
}

/**
 * Builds one recurrent layer. The kit's default is the fused WebAssembly LSTM/GRU
 * (src/kernels, same Keras weight layout and saved class names); tfjs's own layers are the
 * fallback (`implementation: 'tfjs'`), and any other implementation can be injected.
 */
export type RecurrentLayerFactory = (args: RecurrentLayerArgs) => tf.layers.Layer;

type LayerArgs = Parameters<typeof tf.layers.lstm>[0];

function recurrentLayerOf(lstm: (a: LayerArgs) => tf.layers.Layer, gru: (a: LayerArgs) => tf.layers.Layer): RecurrentLayerFactory {
  return (a) => {
    const common = {
      units: a.units,
      returnSequences: a.returnSequences,
      kernelInitializer: tf.initializers.glorotUniform({ seed: a.seed }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: a.seed + 1, gain: 1 }),
      name: a.name,
    };
    return a.cell === 'lstm' ? lstm({ ...common, unitForgetBias: true }) : gru(common);
  };
}

export const tfjsRecurrentLayer: RecurrentLayerFactory = recurrentLayerOf(tf.layers.lstm, tf.layers.gru);
export const fusedRecurrentLayer: RecurrentLayerFactory = recurrentLayerOf(fusedLstm, fusedGru);

/** Output width and activation of each task's head. */
export function headShape(task: Task, classes: number): { units: number; activation: 'linear' | 'sigmoid' | 'softmax' } {
  if (task === 'regression') return { units: 1, activation: 'linear' };
  if (task === 'binary') return { units: 1, activation: 'sigmoid' };
  return { units: classes, activation: 'softmax' };
}

class Seeds {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed);
  }
  /** A fresh seed; layers use seed and seed + small offsets, hence the spacing. */
  next(): number {
    return (this.rng.nextUint32() >>> 8) * 16;
  }
}

function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

function dropout(x: tf.SymbolicTensor, rate: number, seeds: Seeds, name: string): tf.SymbolicTensor {
  return rate > 0 ? apply(new SeededDropout({ rate, seed: seeds.next(), name }), x) : x;
}

function lastStep(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return apply(new LastTimeStep({ name }), x);
}

function pool(x: tf.SymbolicTensor, pooling: Pooling, seeds: Seeds): tf.SymbolicTensor {
  if (pooling === 'mean') return apply(tf.layers.globalAveragePooling1d({ name: 'mean_pool' }), x);
  if (pooling === 'last') return lastStep(x, 'last_step');
  const width = x.shape[2] as number;
  const attended = apply(new AttentionPooling({ units: Math.max(1, Math.floor(width / 2)), seed: seeds.next(), name: 'attention_pool' }), x);
  return apply(tf.layers.concatenate({ name: 'last_and_attention' }), [lastStep(x, 'last_step'), attended]);
}

function head(x: tf.SymbolicTensor, dense: readonly number[], rate: number, task: Task, classes: number, seeds: Seeds): tf.SymbolicTensor {
  dense.forEach((units, i) => {
    x = apply(tf.layers.dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.next() }), name: `dense_${i + 1}` }), x);
    x = dropout(x, rate, seeds, `dense_${i + 1}_dropout`);
  });
  const out = headShape(task, classes);
  return apply(tf.layers.dense({ ...out, kernelInitializer: tf.initializers.glorotUniform({ seed: seeds.next() }), name: 'output' }), x);
}

/** Stacked (optionally bidirectional) LSTM/GRU -> pooling -> dense head. Input `[lookback, features]`. */
export function buildRecurrentNetwork(
  cell: RecurrentCell,
  c: RecurrentConfig,
  input: { lookback: number; features: number },
  task: Task,
  classes: number,
  recurrentLayer: RecurrentLayerFactory = tfjsRecurrentLayer,
): tf.LayersModel {
  const seeds = new Seeds(c.seed);
  const inp = tf.input({ shape: [input.lookback, input.features], name: 'window' });
  let x: tf.SymbolicTensor = inp;
  c.units.forEach((units, i) => {
    // With pooling other than `last`, the top layer keeps its sequence for the pooling to read.
    const returnSequences = i < c.units.length - 1 || c.pooling !== 'last';
    const name = `${cell}_${i + 1}`;
    const layer = recurrentLayer({ cell, units, returnSequences, seed: seeds.next(), name });
    x = apply(c.bidirectional ? tf.layers.bidirectional({ layer: layer as tf.RNN, mergeMode: 'concat', name: `bidirectional_${name}` }) : layer, x);
    x = dropout(x, c.dropout, seeds, `${name}_dropout`);
  });
  if (c.pooling !== 'last') x = pool(x, c.pooling, seeds);
  return tf.model({ inputs: inp, outputs: head(x, c.dense, c.dropout, task, classes, seeds), name: `${cell}_network` });
}

/**
 * Transformer encoder: Dense projection to dModel, sinusoidal positions, `layers` post-norm
 * blocks (self-attention and feed-forward, each with residual and layer normalisation; one
 * fused TransformerEncoderBlock layer each), pooling over steps, dense head. Models saved
 * before the fused block hold the same blocks as separate layers, which still load.
 */
export function buildTransformerNetwork(c: TransformerConfig, input: { lookback: number; features: number }, task: Task, classes: number): tf.LayersModel {
  const seeds = new Seeds(c.seed);
  const glorot = () => tf.initializers.glorotUniform({ seed: seeds.next() });
  const inp = tf.input({ shape: [input.lookback, input.features], name: 'window' });
  let x = apply(new SequenceDense({ units: c.dModel, kernelInitializer: glorot(), name: 'input_projection' }), inp);
  x = apply(new SinusoidalPositionalEncoding({ name: 'positional_encoding' }), x);
  for (let i = 1; i <= c.layers; i++) {
    x = apply(new TransformerEncoderBlock({ numHeads: c.heads, ffUnits: c.ffUnits, rate: c.dropout, epsilon: 1e-6, seed: seeds.next(), name: `block_${i}` }), x);
  }
  return tf.model({ inputs: inp, outputs: head(pool(x, c.pooling, seeds), c.dense, c.dropout, task, classes, seeds), name: 'transformer_network' });
}
