import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arr, custom, num, obj, opt, record, req, str } from '../config/schema';
import { UsageError } from '../errors';
import { type SampleSet, sampleCount } from '../records/samples';
import { type Task, argmaxRows } from '../records/task';
import { writeJsonAtomic } from '../util/fs';
import { type FitOptions, type FitResult, MODEL_META_FILE, type Model, type ModelCatalog, type ModelFactory, type ModelTags } from './model';

export interface EnsembleMemberSpec {
  readonly kind: string;
  readonly config?: Record<string, unknown>;
}

/** Member configs are checked by their own kind's schema when the members are created through the catalog. */
const memberSchema = obj({
  kind: req(str({ doc: 'A registered model kind.' })),
  config: opt(record(custom<unknown>('any JSON value', (v) => v, () => ({})), "The member kind's hyperparameters.")),
});

export const ensembleConfigSchema = obj(
  {
    members: req(arr(memberSchema, { minItems: 1, doc: 'Member models.' })),
    weights: opt(arr(num({ min: 0 }), { doc: 'One non-negative weight per member; default equal.' })),
  },
  {
    doc: 'A weighted average of member models.',
    check: (c) =>
      c.weights && (c.weights.length !== c.members.length || c.weights.every((w) => w === 0))
        ? { field: 'weights', problem: `must be ${c.members.length} non-negative numbers, not all zero` }
        : undefined,
  },
);

const TAGS: ModelTags = { input: 'sequence', tasks: ['regression', 'binary', 'multiclass'], baseline: false };

interface EnsembleMeta {
  kind: 'ensemble';
  task: Task;
  weights: number[];
  members: string[];
}

/**
 * A weighted average of member models, itself a `Model`: regression averages predictions,
 * classification averages class probabilities and predicts the most probable class. Each
 * member reads the samples as its own tags say (whole windows or its lags). Config: `{ members: [{ kind, config }],
 * weights? }` (default equal weights); saved with each member in `member-<i>/`.
 */
export class EnsembleModel implements Model {
  readonly kind = 'ensemble';
  readonly tags = TAGS;
  readonly members: readonly Model[];
  readonly weights: readonly number[];

  constructor(readonly task: Task, members: readonly Model[], weights?: readonly number[]) {
    if (members.length === 0) throw new UsageError('ensemble: needs at least one member');
    this.members = members;
    const mismatch = members.find((m) => m.task !== task);
    if (mismatch) throw new UsageError(`ensemble: member "${mismatch.kind}" has task ${mismatch.task}; the ensemble's is ${task}`);
    const w = weights ?? members.map(() => 1);
    if (w.length !== members.length || w.some((v) => !(v >= 0)) || w.every((v) => v === 0)) {
      throw new UsageError(`ensemble: weights must be ${members.length} non-negative numbers, not all zero; got ${JSON.stringify(weights)}`);
    }
    const total = w.reduce((a, b) => a + b, 0);
    this.weights = w.map((v) => v / total);
  }

  /** An unfitted ensemble from its config: members are created through the catalog. */
  static fromConfig(task: Task, config: Record<string, unknown>, catalog: ModelCatalog): EnsembleModel {
    const c = ensembleConfigSchema.parse(config, 'ensemble config');
    return new EnsembleModel(
      task,
      c.members.map((m) => catalog.create(m.kind, task, m.config ?? {})),
      c.weights,
    );
  }

  /** An ensemble of existing (possibly fitted) models. */
  static of(task: Task, members: readonly Model[], weights?: readonly number[]): EnsembleModel {
    return new EnsembleModel(task, members, weights);
  }

  config(): Record<string, unknown> {
    return { members: this.members.map((m) => ({ kind: m.kind, config: m.config() })), weights: [...this.weights] };
  }

  /** Fits every member on the same data; history keys are prefixed with `<index>.<kind>/`. */
  async fit(train: SampleSet, validation?: SampleSet, options?: FitOptions): Promise<FitResult> {
    const started = performance.now();
    const history: Record<string, readonly number[]> = {};
    let epochs = 0;
    for (const [i, m] of this.members.entries()) {
      const r = await m.fit(train, validation, options);
      for (const [k, v] of Object.entries(r.history)) history[`${i}.${m.kind}/${k}`] = v;
      epochs = Math.max(epochs, r.epochs);
    }
    return { history, epochs, seconds: (performance.now() - started) / 1000 };
  }

  async predict(x: SampleSet): Promise<Float32Array> {
    const n = sampleCount(x);
    if (this.task !== 'regression') {
      const proba = await this.predictProba(x);
      return argmaxRows(proba, n, n > 0 ? proba.length / n : 2);
    }
    const out = new Float32Array(n);
    for (const [i, m] of this.members.entries()) {
      const p = await m.predict(x);
      for (let r = 0; r < n; r++) out[r] += this.weights[i] * p[r];
    }
    return out;
  }

  async predictProba(x: SampleSet): Promise<Float32Array> {
    if (this.task === 'regression') throw new UsageError('ensemble: predictProba needs a classification task');
    const n = sampleCount(x);
    let out: Float32Array | undefined;
    for (const [i, m] of this.members.entries()) {
      const p = await m.predictProba(x);
      out ??= new Float32Array(p.length);
      if (p.length !== out.length) throw new UsageError(`ensemble: member ${i} (${m.kind}) gives ${p.length / Math.max(n, 1)} classes; member 0 gives ${out.length / Math.max(n, 1)}`);
      for (let j = 0; j < p.length; j++) out[j] += this.weights[i] * p[j];
    }
    return out!;
  }

  /** Members' importances, weighted and summed per input column. */
  importance(): Record<string, number> | undefined {
    const out: Record<string, number> = {};
    let any = false;
    this.members.forEach((m, i) => {
      const imp = m.importance();
      if (!imp) return;
      any = true;
      for (const [k, v] of Object.entries(imp)) out[k] = (out[k] ?? 0) + this.weights[i] * v;
    });
    return any ? out : undefined;
  }

  inputDescription(): string {
    return this.members.map((m) => `${m.kind}: ${m.inputDescription()}`).join('; ');
  }

  async save(dir: string): Promise<void> {
    const names = this.members.map((_, i) => `member-${i}`);
    for (const [i, m] of this.members.entries()) {
      mkdirSync(join(dir, names[i]), { recursive: true });
      await m.save(join(dir, names[i]));
    }
    const meta: EnsembleMeta = { kind: 'ensemble', task: this.task, weights: [...this.weights], members: names };
    writeJsonAtomic(join(dir, MODEL_META_FILE), meta);
  }

  static async load(dir: string, catalog: ModelCatalog): Promise<EnsembleModel> {
    const meta = JSON.parse(readFileSync(join(dir, MODEL_META_FILE), 'utf8')) as EnsembleMeta;
    const members: Model[] = [];
    for (const name of meta.members) members.push(await catalog.load(join(dir, name)));
    return EnsembleModel.of(meta.task, members, meta.weights);
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

export const ensembleFactory: ModelFactory = {
  kind: 'ensemble',
  tags: TAGS,
  configSchema: ensembleConfigSchema as never,
  checkConfig: (config, path, catalog) => {
    (config.members as EnsembleMemberSpec[]).forEach((m, i) => {
      catalog.parseConfig(m.kind, m.config ?? {}, `${path}.members[${i}].config`);
    });
  },
  namedFeatures: (config, catalog) =>
    (config.members as EnsembleMemberSpec[]).flatMap((m, i) =>
      catalog.namedFeatures(m.kind, catalog.parseConfig(m.kind, m.config ?? {}, `members[${i}].config`)).map((f) => ({ ...f, field: `members[${i}].config.${f.field}` })),
    ),
  create: (task, config, catalog) => EnsembleModel.fromConfig(task, config, catalog),
  load: (dir, catalog) => EnsembleModel.load(dir, catalog),
};
