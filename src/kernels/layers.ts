import * as tf from '@tensorflow/tfjs';
import type { GRU, GRUCell, LSTM, LSTMCell } from '@tensorflow/tfjs-layers/dist/layers/recurrent';
import { type GateActivation, type RecurrentKind, type RecurrentTape, recurrentBackward, recurrentForward, reusedWeightGradients } from './recurrent';
import { filledTensor, tensorFloats } from './tensors';

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
 * tfjs's engine entry for an op with its own forward and backward functions (what `tf.customGrad`
 * calls; private in its typings). Tensors passed to `save` come back to the backward pass.
 */
export interface OpEngine {
  runKernelFunc(op: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

/**
 * One tfjs op over an input `x` and `weights` whose passes run on the kernels: `forward` writes
 * the output (of `outShape`) and returns the activations it keeps for one backward pass (only
 * under a gradient scope: prediction never runs one); `backward` returns the weights'
 * gradients, in order, and writes x's into `dx` when given one. Tensors cross without copies on
 * the wasm backend (tensors.ts). The fused recurrent layers and the Transformer's encoder block
 * are such ops.
 *
 * Registered directly rather than through `tf.customGrad`, whose backward computes every input's
 * gradient up front: tfjs asks for an input's gradient lazily, and only for inputs on a path from
 * what is being differentiated, so a first layer (whose input is data) never computes dx while
 * training, as PyTorch skips it for inputs without `requires_grad`. Inputs are asked for in key
 * order, x ('0') first, so the one backward pass knows whether to form dx. `name` labels errors.
 */
export function tapedOp<Tape>(
  name: string,
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  outShape: number[],
  forward: (x: Float32Array, weights: Float32Array[], keepTape: boolean, output: Float32Array) => Tape | undefined,
  backward: (tape: Tape, dy: Float32Array, dx: Float32Array | undefined) => Float32Array[],
): tf.Tensor {
  let tape: Tape | undefined;
  // Tensor values are read (tensorFloats) only inside filledTensor's fill: its allocation may move them.
  const forwardFunc = (): tf.Tensor =>
    filledTensor(outShape, (output) => {
      tape = forward(tensorFloats(x), weights.map(tensorFloats), tf.engine().state.gradientDepth > 0, output);
    });
  const backwardsFunc = (dy: tf.Tensor): Record<string, () => tf.Tensor> => {
    let grads: Float32Array[] | undefined;
    const gradients = (dx?: Float32Array): Float32Array[] => {
      if (grads) return grads;
      if (!tape) throw new Error(`${name}: no activations kept for this forward pass (it ran outside a gradient scope)`);
      grads = backward(tape, tensorFloats(dy), dx);
      return grads;
    };
    // Each tensor is made inside its own request: tfjs runs each request in a tidy scope.
    const requests: Record<string, () => tf.Tensor> = {
      0: () =>
        filledTensor(x.shape, (dx) => {
          if (grads) throw new Error(`${name}: the input gradient was asked for after the weight gradients`);
          gradients(dx);
        }),
    };
    weights.forEach((w, i) => (requests[i + 1] = () => tf.tensor(gradients()[i], w.shape)));
    return requests;
  };
  const inputs: Record<string, tf.Tensor> = { 0: x, ...Object.fromEntries(weights.map((w, i) => [i + 1, w])) };
  return (tf.engine() as unknown as OpEngine).runKernelFunc({ forwardFunc, backwardsFunc, inputs });
}

/** One differentiable op for the whole recurrent layer (see tapedOp): forward and backward through time on the fused kernels. */
export function fusedRecurrent(kind: RecurrentKind, gate: GateActivation, returnSequences: boolean, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [batch, steps, inDim] = x.shape;
  const units = recurrentKernel.shape[0];
  const shape = { kind, batch, steps, inDim, units, gateActivation: gate, returnSequences };
  return tapedOp<RecurrentTape>(
    'fused recurrent layer',
    x,
    bias ? [kernel, recurrentKernel, bias] : [kernel, recurrentKernel],
    returnSequences ? [batch, steps, units] : [batch, units],
    (xs, [k, rk, b], keepTape, output) => recurrentForward(shape, xs, { kernel: k, recurrentKernel: rk, bias: b }, keepTape, output).tape,
    (tape, dy, dx) => {
      const g = recurrentBackward(tape, dy, dx ?? false, reusedWeightGradients(shape));
      return [g.dKernel, g.dRecurrentKernel, g.dBias];
    },
  );
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
