import * as tf from '@tensorflow/tfjs';

/**
 * Run a functional LayersModel on concrete tensors with an explicit training flag.
 * `model.apply` and `model.predict` never pass `training` to the layers, so dropout could not
 * be switched on outside `model.fit`; this walks the graph itself (layers are in topological
 * order) and calls each layer with `{ training }`. Call inside tf.tidy.
 */
export function runNetwork(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const values = new Map<number, tf.Tensor>([[model.inputs[0].id, x]]);
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (node.inboundLayers.length === 0) continue; // the input layer
    const inputs = node.inputTensors.map((t) => values.get(t.id) as tf.Tensor);
    const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training }) as tf.Tensor | tf.Tensor[];
    (Array.isArray(out) ? out : [out]).forEach((t, i) => values.set(node.outputTensors[i].id, t));
  }
  return values.get(model.outputs[0].id) as tf.Tensor;
}
