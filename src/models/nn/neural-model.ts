import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend';
import { DataError, UsageError } from '../../errors';
import { assertSameFeatures } from '../../records/feature-check';
import { type SampleSet, sampleCount, windowShape } from '../../records/samples';
import { type Task, argmaxRows, classCount } from '../../records/task';
import { evaluateNetwork, predictNetwork, trainNetwork } from '../../train/loop';
import { writeJsonAtomic } from '../../util/fs';
import { type FitOptions, type FitResult, MODEL_META_FILE, type Model, type ModelFactory, type ModelTags } from '../model';
import { type TrainingConfig, recurrentConfigSchema, transformerConfigSchema } from './config';
import { loadLayersModel, saveLayersModel } from './layers-io';
import { type RecurrentCell, type RecurrentLayerFactory, buildRecurrentNetwork, buildTransformerNetwork, fusedRecurrentLayer, tfjsRecurrentLayer } from './architecture';
import { TransformerEncoderBlock } from './layers';
import { FusedGRU, FusedLSTM, useFusedLayers } from '../../kernels/layers';
import { kernelThreads } from '../../kernels/parallel';
import { WorkerReplicas } from './replicas';

/** What a saved neural model's `model-meta.json` holds besides the network files. */
export interface NeuralMeta {
  readonly kind: string;
  readonly task: Task;
  readonly config: Record<string, unknown>;
  readonly featureNames: readonly string[];
  readonly classes?: readonly string[];
  readonly lookback: number;
}

type Builder = (lookback: number, features: number, classes: number) => tf.LayersModel;

/**
 * A neural sequence model over `[n, lookback, features]` windows: LSTM, GRU or Transformer.
 * The network is built at the first `fit`, when the input shape is known; a later `fit`
 * (or one after `loadModel`) continues from the current weights: fine-tuning / resuming.
 */
/**
 * Training goes data-parallel (a network replica per extra thread, see WorkerReplicas) from this
 * many training samples per thread; below it, starting the replicas costs more than it saves,
 * and the recurrent kernels split each batch across threads instead.
 */
export const REPLICA_MIN_SAMPLES_PER_THREAD = 4096;

const TAGS: ModelTags = { input: 'sequence', tasks: ['regression', 'binary', 'multiclass'], baseline: false };

export class NeuralModel implements Model {
  readonly tags = TAGS;
  private network?: tf.LayersModel;
  private featureNames?: readonly string[];
  private classes?: readonly string[];
  private lookback?: number;

  private constructor(
    readonly kind: string,
    readonly task: Task,
    private readonly cfg: TrainingConfig,
    private readonly build: Builder,
  ) {}

  static recurrent(cell: RecurrentCell, task: Task, config: Record<string, unknown> = {}, recurrentLayer?: RecurrentLayerFactory): NeuralModel {
    const c = recurrentConfigSchema.parse(config, `${cell} config`);
    const layer = recurrentLayer ?? (c.implementation === 'fused' ? fusedRecurrentLayer : tfjsRecurrentLayer);
    return new NeuralModel(cell, task, c, (t, f, k) => buildRecurrentNetwork(cell, c, { lookback: t, features: f }, task, k, layer));
  }

  static transformer(task: Task, config: Record<string, unknown> = {}): NeuralModel {
    const c = transformerConfigSchema.parse(config, 'transformer config');
    return new NeuralModel('transformer', task, c, (t, f, k) => buildTransformerNetwork(c, { lookback: t, features: f }, task, k));
  }

  config(): Record<string, unknown> {
    return structuredClone(this.cfg) as unknown as Record<string, unknown>;
  }

  /** The underlying tfjs model (after `fit` or `load`), e.g. for `summary()`. */
  get layersModel(): tf.LayersModel | undefined {
    return this.network;
  }

  async fit(train: SampleSet, validation?: SampleSet, options: FitOptions = {}): Promise<FitResult> {
    await initBackend();
    const [, lookback, features] = this.checkWindows(train, 'training set');
    if (!this.network) {
      this.featureNames = [...train.features.names];
      this.classes = train.classes ? [...train.classes] : undefined;
      this.lookback = lookback;
      // Built inside a tidy scope: tfjs's LSTM forget-bias initializer leaves 4 intermediate
      // tensors per layer otherwise; weights are variables, which tidy keeps.
      let network: tf.LayersModel | undefined;
      tf.tidy(() => {
        network = this.build(lookback, features, classCount(this.task, this.classes));
      });
      this.network = network;
    } else {
      this.checkCompatible(train, 'training set');
    }
    if (validation) this.checkCompatible(validation, 'validation set');
    this.checkTargets(train, 'training set');
    if (validation) this.checkTargets(validation, 'validation set');
    const c = this.cfg;
    const net = this.fitted();
    const threads = kernelThreads();
    const replicas = threads > 1 && sampleCount(train) >= REPLICA_MIN_SAMPLES_PER_THREAD * threads ? await WorkerReplicas.start(threads - 1, net, { backend: (await initBackend()).name, fused: net.layers.some((l) => l instanceof FusedLSTM || l instanceof FusedGRU), loss: { task: this.task, regressionLoss: c.loss, huberDelta: c.huberDelta } }) : undefined;
    try {
      return await trainNetwork(net, train, validation, {
        ...c,
        task: this.task,
        regressionLoss: c.loss,
        seed: options.seed ?? c.seed,
        epochs: options.epochs ?? c.epochs,
        batchSize: options.batchSize ?? c.batchSize,
        earlyStoppingPatience: options.earlyStoppingPatience ?? c.earlyStoppingPatience,
        classWeights: options.classWeights,
        verbose: options.verbose,
        onEpochEnd: options.onEpochEnd,
        ...(replicas ? { replicas } : {}),
      });
    } finally {
      await replicas?.close();
    }
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const out = this.outputs(x);
    if (this.task === 'regression') return out;
    const k = this.outputWidth();
    const n = x.rows.length;
    if (this.task === 'binary') return out.map((p) => (p >= 0.5 ? 1 : 0));
    return argmaxRows(out, n, k);
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError(`${this.kind}: predictProba needs a classification task; this model does regression`);
    const out = this.outputs(x);
    if (this.task === 'multiclass') return out;
    const proba = new Float32Array(out.length * 2);
    out.forEach((p, i) => {
      proba[2 * i] = 1 - p;
      proba[2 * i + 1] = p;
    });
    return proba;
  }

  /** Mean loss and metric (accuracy or MAE) on a labelled set, dropout off. */
  evaluate(set: SampleSet): { loss: number; metric: number } {
    const net = this.fitted();
    this.checkCompatible(set, 'evaluation set');
    return evaluateNetwork(net, set, { task: this.task, regressionLoss: this.cfg.loss, huberDelta: this.cfg.huberDelta });
  }

  importance(): undefined {
    return undefined;
  }

  inputDescription(): string {
    return this.lookback === undefined ? 'windows' : `${this.lookback} bars x ${this.featureNames?.length ?? 0} features`;
  }

  async save(dir: string): Promise<void> {
    const net = this.fitted();
    mkdirSync(dir, { recursive: true });
    await saveLayersModel(net, dir);
    const meta: NeuralMeta = { kind: this.kind, task: this.task, config: this.config(), featureNames: this.featureNames ?? [], classes: this.classes, lookback: this.lookback ?? 0 };
    writeJsonAtomic(join(dir, MODEL_META_FILE), meta);
  }

  dispose(): void {
    this.network?.dispose();
    this.network = undefined;
  }

  /** Restore a saved model; `make` rebuilds the unfitted model from the saved config. */
  static async load(dir: string, make: (task: Task, config: Record<string, unknown>) => NeuralModel): Promise<NeuralModel> {
    await initBackend();
    const metaPath = join(dir, MODEL_META_FILE);
    if (!existsSync(metaPath)) throw new UsageError(`${dir} is not a saved model folder (no ${MODEL_META_FILE})`);
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as NeuralMeta;
    const model = make(meta.task, meta.config);
    // Fused layers save under the standard class names; turn them back into fused ones for speed.
    const network = await loadLayersModel(dir, meta.config.implementation === 'fused' ? useFusedLayers : undefined);
    model.featureNames = meta.featureNames;
    model.classes = meta.classes;
    model.lookback = meta.lookback;
    model.network = model.kind === 'transformer' && !network.layers.some((l) => l instanceof TransformerEncoderBlock) ? model.rebuiltFrom(network) : network;
    return model;
  }

  /**
   * A Transformer saved before the fused encoder block (each block as separate attention,
   * dropout, residual, norm and dense layers) in today's network: the same weights in the same
   * order and shapes, so they carry over one for one and predictions are unchanged.
   */
  private rebuiltFrom(saved: tf.LayersModel): tf.LayersModel {
    let network: tf.LayersModel | undefined;
    tf.tidy(() => {
      network = this.build(this.lookback ?? 0, this.featureNames?.length ?? 0, classCount(this.task, this.classes));
    });
    const weights = saved.getWeights();
    const shapes = (ws: readonly { shape: readonly (number | null)[] }[]) => ws.map((w) => w.shape.join('x')).join(' ');
    if (shapes(weights) !== shapes(network!.weights)) throw new UsageError(`saved ${this.kind} network does not match its config's architecture (weights ${shapes(weights)}; expected ${shapes(network!.weights)})`);
    network!.setWeights(weights);
    saved.dispose();
    return network!;
  }

  private fitted(): tf.LayersModel {
    if (!this.network) throw new UsageError(`${this.kind}: model is not fitted; call fit() or load a saved model first`);
    return this.network;
  }

  private outputWidth(): number {
    return this.fitted().outputs[0].shape[1] as number;
  }

  private outputs(x: SampleSet): Float32Array {
    const net = this.fitted();
    this.checkCompatible(x, 'input');
    return predictNetwork(net, x);
  }

  private checkWindows(s: SampleSet, what: string): readonly [number, number, number] {
    const shape = windowShape(s);
    if (s.y.length !== shape[0]) throw new UsageError(`${this.kind}: ${what} has ${s.y.length} targets for ${shape[0]} samples`);
    return shape;
  }

  private checkCompatible(s: SampleSet, what: string): void {
    const [, t] = this.checkWindows(s, what);
    assertSameFeatures(this.featureNames ?? [], s.features.names, `${this.kind} ${what}`);
    if (t !== this.lookback) throw new UsageError(`${this.kind}: ${what} windows have lookback ${t}; the model was built for ${this.lookback}`);
  }

  private checkTargets(s: SampleSet, what: string): void {
    const k = classCount(this.task, this.classes);
    if (this.task === 'regression') return;
    const bad = s.y.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < k));
    if (bad >= 0) {
      throw new DataError([{ code: 'bad_label', severity: 'error', source: `${this.kind} ${what}`, row: bad, field: 'y', message: `label ${s.y[bad]} is not a class index in [0, ${k})` }]);
    }
  }
}

/** The factory of an LSTM or GRU kind; `recurrentLayer` swaps in another recurrent implementation. */
export function recurrentModelFactory(cell: RecurrentCell, recurrentLayer?: RecurrentLayerFactory): ModelFactory {
  const create = (task: Task, config: Record<string, unknown>): NeuralModel => NeuralModel.recurrent(cell, task, config, recurrentLayer);
  return { kind: cell, tags: TAGS, configSchema: recurrentConfigSchema as never, create, load: (dir) => NeuralModel.load(dir, create) };
}

export const lstmFactory = recurrentModelFactory('lstm');
export const gruFactory = recurrentModelFactory('gru');

export const transformerFactory: ModelFactory = {
  kind: 'transformer',
  tags: TAGS,
  configSchema: transformerConfigSchema as never,
  create: (task, config) => NeuralModel.transformer(task, config),
  load: (dir) => NeuralModel.load(dir, (task, config) => NeuralModel.transformer(task, config)),
};
