import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors';
import { writeJsonAtomic } from '../util/fs';
import { argmaxRows } from './gbdt/tabular';
import type { FitOptions, FitResult, Model, SampleSet, Task } from './model';
import { MODEL_META_FILE, createModel, loadModel, registerModel } from './registry';

export interface EnsembleMemberSpec {
  readonly kind: string;
  readonly config?: Record<string, unknown>;
}

interface EnsembleMeta {
  kind: 'ensemble';
  task: Task;
  weights: number[];
  members: string[];
}

/**
 * A weighted average of member models, itself a `Model`: regression averages predictions,
 * classification averages class probabilities (members without `predictProba` count as
 * one-hot) and predicts the most probable class. Config: `{ members: [{ kind, config }],
 * weights? }` (default equal weights); saved with each member in `member-<i>/`.
 */
export class EnsembleModel implements Model {
  readonly kind = 'ensemble';
  readonly members: readonly Model[];
  readonly weights: readonly number[];

  constructor(readonly task: Task, config: Record<string, unknown> = {}, members?: readonly Model[]) {
    const specs = config.members;
    if (members) this.members = members;
    else if (Array.isArray(specs) && specs.length > 0) {
      this.members = specs.map((s: EnsembleMemberSpec, i) => {
        if (typeof s?.kind !== 'string') throw new UsageError(`ensemble: members[${i}] needs a "kind"`);
        return createModel(s.kind, task, s.config ?? {});
      });
    } else throw new UsageError('ensemble: config.members must list at least one { kind, config }');
    const mismatch = this.members.find((m) => m.task !== task);
    if (mismatch) throw new UsageError(`ensemble: member "${mismatch.kind}" has task ${mismatch.task}; the ensemble's is ${task}`);
    const w = (config.weights as number[] | undefined) ?? this.members.map(() => 1);
    if (!Array.isArray(w) || w.length !== this.members.length || w.some((v) => typeof v !== 'number' || !(v >= 0)) || w.every((v) => v === 0)) {
      throw new UsageError(`ensemble: weights must be ${this.members.length} non-negative numbers, not all zero; got ${JSON.stringify(config.weights)}`);
    }
    const total = w.reduce((a, b) => a + b, 0);
    this.weights = w.map((v) => v / total);
  }

  /** An ensemble of existing (possibly fitted) models. */
  static of(task: Task, members: readonly Model[], weights?: readonly number[]): EnsembleModel {
    return new EnsembleModel(task, { weights }, members);
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
    const n = x.shape[0];
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
    const n = x.shape[0];
    let out: Float32Array | undefined;
    for (const [i, m] of this.members.entries()) {
      let p: Float32Array;
      if (m.predictProba) p = await m.predictProba(x);
      else {
        const c = await m.predict(x);
        const k = this.task === 'binary' ? 2 : Math.max(2, ...c) + 1;
        p = new Float32Array(n * k);
        c.forEach((v, r) => (p[r * k + v] = 1));
      }
      out ??= new Float32Array(p.length);
      if (p.length !== out.length) throw new UsageError(`ensemble: member ${i} (${m.kind}) gives ${p.length / Math.max(n, 1)} classes; member 0 gives ${out.length / Math.max(n, 1)}`);
      for (let j = 0; j < p.length; j++) out[j] += this.weights[i] * p[j];
    }
    return out!;
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

  static async load(dir: string): Promise<EnsembleModel> {
    const meta = JSON.parse(readFileSync(join(dir, MODEL_META_FILE), 'utf8')) as EnsembleMeta;
    const members: Model[] = [];
    for (const name of meta.members) members.push(await loadModel(join(dir, name)));
    return EnsembleModel.of(meta.task, members, meta.weights);
  }

  dispose(): void {
    for (const m of this.members) m.dispose?.();
  }
}

registerModel('ensemble', { create: (task, config) => new EnsembleModel(task, config), load: (dir) => EnsembleModel.load(dir) });
