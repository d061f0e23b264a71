import * as tf from '@tensorflow/tfjs';
import type { GRU, GRUCell, LSTM, LSTMCell } from '@tensorflow/tfjs-layers/dist/layers/recurrent';
import { type GateActivation, type RecurrentKind, recurrentBackward, recurrentForward } from './recurrent';

type Kwargs = Record<string, unknown>;
type RecurrentCell = LSTMCell | GRUCell;

/** tfjs's own layer classes, from its serialization registry (`@tensorflow/tfjs` exports only factories). */
function registeredClass<T>(className: string): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`tfjs layer class ${className} is not registered`);
  return entry[0] as unknown as T;
}

const LSTMLayer = registeredClass<typeof LSTM>('LSTM');
const GRULayer = registeredClass<typeof GRU>('GRU');

/**
 * Why a call cannot take the fused path (it then runs tfjs's own loop, with
 * identical results), or undefined when it can. The fused kernels cover the
 * configurations the kit uses: zero initial state, tanh activation, sigmoid
 * or hardSigmoid gates, input dropout, no masking, no recurrent dropout.
 */
export function fallbackReason(layer: LSTM | GRU, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): string | undefined {
  const cell = layer.cell as RecurrentCell;
  const training = kwargs.training === true;
  if (Array.isArray(inputs) && inputs.length !== 1) return 'initial state given as input';
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x.rank !== 3 || x.dtype !== 'float32') return `input must be a float32 [batch, steps, features] tensor; got ${x.dtype} rank ${x.rank}`;
  if (x.shape[0] === 0 || x.shape[1] === 0) return 'empty batch or sequence';
  if (kwargs.mask != null) return 'masking';
  if (kwargs.initialState != null) return 'initialState';
  if (layer.stateful) return 'stateful';
  if (layer.goBackwards) return 'goBackwards';
  if (layer.returnState) return 'returnState';
  if (cell.activation.getClassName() !== 'tanh') return `activation ${cell.activation.getClassName()}`;
  if (gateActivation(cell) === undefined) return `recurrentActivation ${cell.recurrentActivation.getClassName()}`;
  if (training && cell.recurrentDropout > 0 && cell.recurrentDropout < 1) return 'recurrentDropout while training';
  if (training && cell.dropout > 0 && cell.dropout < 1 && cell.dropoutFunc != null) return 'custom dropoutFunc';
  return undefined;
}

function gateActivation(cell: RecurrentCell): GateActivation | undefined {
  const name = cell.recurrentActivation.getClassName();
  return name === 'hardSigmoid' || name === 'sigmoid' ? name : undefined;
}

/**
 * One differentiable op for the whole layer: forward and backward through
 * time run in the WASM kernels; tfjs sees a single node on its tape, on any
 * backend (tensors cross with dataSync).
 */
export function fusedRecurrent(kind: RecurrentKind, gate: GateActivation, returnSequences: boolean, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [batch, steps, inDim] = x.shape;
  const units = recurrentKernel.shape[0];
  const shape = { kind, batch, steps, inDim, units, gateActivation: gate, returnSequences };
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, k, rk, b] = args as tf.Tensor[];
    // Keep activations only under a gradient scope: predict() never runs a backward pass.
    const keepTape = tf.engine().state.gradientDepth > 0;
    const weights = { kernel: k.dataSync() as Float32Array, recurrentKernel: rk.dataSync() as Float32Array, bias: bias ? (b.dataSync() as Float32Array) : undefined };
    const { output, tape } = recurrentForward(shape, xs.dataSync() as Float32Array, weights, keepTape);
    return {
      value: tf.tensor(output, returnSequences ? [batch, steps, units] : [batch, units]),
      gradFunc: (dy: tf.Tensor) => {
        if (!tape) throw new Error('fused recurrent layer: no activations kept for this forward pass (it ran outside a gradient scope)');
        const g = recurrentBackward(tape, dy.dataSync() as Float32Array);
        const grads = [tf.tensor(g.dx, x.shape), tf.tensor(g.dKernel, kernel.shape), tf.tensor(g.dRecurrentKernel, recurrentKernel.shape)];
        return bias ? [...grads, tf.tensor(g.dBias, bias.shape)] : grads;
      },
    };
  });
  return bias ? op(x, kernel, recurrentKernel, bias) : op(x, kernel, recurrentKernel);
}

function fusedCall(kind: RecurrentKind, layer: LSTM | GRU, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
  return tf.tidy(() => {
    const cell = layer.cell as RecurrentCell;
    let x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training === true && cell.dropout > 0 && cell.dropout < 1) {
      // As tfjs: one input mask per sequence, shared by all steps and gates.
      const [batch, , features] = x.shape;
    const mask = tf.dropout(tf.ones([batch, features]), cell.dropout);
      x = tf.mul(x, tf.expandDims(mask, 1));
    }
    const bias = cell.useBias ? cell.bias.read() : undefined;
    return fusedRecurrent(kind, gateActivation(cell) as GateActivation, layer.returnSequences, x, cell.kernel.read(), cell.recurrentKernel.read(), bias);
  });
}

/**
 * Drop-in `tf.layers.lstm`: same arguments, weights (kernel, recurrent_kernel,
 * bias; gates i, f, c, o) and results, trained through fused WASM kernels.
 * It serialises as a plain `LSTM`, so saved models load anywhere tfjs does;
 * `useFusedLayers` turns such a topology back into fused layers.
 */
export class FusedLSTM extends LSTMLayer {
  static override className = 'FusedLSTM';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (fallbackReason(this, inputs, kwargs) !== undefined) return super.call(inputs, kwargs);
    return fusedCall('lstm', this, inputs, kwargs);
  }

  override getClassName(): string {
    return 'LSTM';
  }
}

/** Drop-in `tf.layers.gru` (tfjs semantics: reset gate before the recurrent product, gates z, r, h), fused like FusedLSTM. */
export class FusedGRU extends GRULayer {
  static override className = 'FusedGRU';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (fallbackReason(this, inputs, kwargs) !== undefined) return super.call(inputs, kwargs);
    return fusedCall('gru', this, inputs, kwargs);
  }

  override getClassName(): string {
    return 'GRU';
  }
}

tf.serialization.registerClass(FusedLSTM);
tf.serialization.registerClass(FusedGRU);

/** Layer factories mirroring `tf.layers.lstm` / `tf.layers.gru`. */
export function fusedLstm(args: ConstructorParameters<typeof LSTM>[0]): FusedLSTM {
  return new FusedLSTM(args);
}

export function fusedGru(args: ConstructorParameters<typeof GRU>[0]): FusedGRU {
  return new FusedGRU(args);
}

/**
 * A saved model's topology (model.json `modelTopology`) with its LSTM and GRU
 * layers loading as FusedLSTM / FusedGRU; pass the result to
 * `tf.io.fromMemory` before `tf.loadLayersModel`. Returns a copy.
 */
export function useFusedLayers<T>(modelTopology: T): T {
  return JSON.parse(JSON.stringify(modelTopology), (key, value) => {
    if (key !== 'class_name') return value;
    return value === 'LSTM' ? 'FusedLSTM' : value === 'GRU' ? 'FusedGRU' : value;
  }) as T;
}
