import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors';
import { writeFileAtomic, writeJsonAtomic } from '../../util/fs';

/**
 * A tfjs LayersModel as `model.json` + `weights.bin` in the standard tfjs layers format (the
 * files tfjs-node's `file://` handler writes), without tfjs-node: the model is serialised
 * through `tf.io.withSaveHandler` and the files written atomically.
 */

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts;
  const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  writeFileAtomic(join(dir, WEIGHTS_BIN), new Uint8Array(data));
  writeJsonAtomic(join(dir, MODEL_JSON), {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: a.weightSpecs ?? [] }],
  });
}

/**
 * Load `model.json` + its weight files from a folder. Models with custom layers need the
 * module registering them imported first (src/models/nn/layers for the kit's own).
 */
export async function loadLayersModel(dir: string, transformTopology?: <T>(topology: T) => T): Promise<tf.LayersModel> {
  const path = join(dir, MODEL_JSON);
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const weightData = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  const modelTopology = transformTopology ? transformTopology(json.modelTopology) : json.modelTopology;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
}
