import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors';
import type { Model, Task } from './model';

/** How to build and load one kind of model. */
export interface ModelFactory {
  /** A new, unfitted model from its config (as `Model.config()` returns it, or as a user writes it). */
  create(task: Task, config: Record<string, unknown>): Model;
  /** A fitted model from a folder written by `Model.save`. */
  load(dir: string): Promise<Model>;
}

const factories = new Map<string, ModelFactory>();

/** Register a model kind. Each model module registers itself when imported. */
export function registerModel(kind: string, factory: ModelFactory): void {
  factories.set(kind, factory);
}

export function modelKinds(): string[] {
  return [...factories.keys()].sort();
}

export function createModel(kind: string, task: Task, config: Record<string, unknown> = {}): Model {
  const f = factories.get(kind);
  if (!f) throw new UsageError(`unknown model "${kind}"; known: ${modelKinds().join(', ')}`);
  return f.create(task, config);
}

/** File in every saved model folder naming its kind; written by `Model.save`. */
export const MODEL_META_FILE = 'model-meta.json';

/** Load any saved model: reads `model-meta.json` for the kind and dispatches to its factory. */
export async function loadModel(dir: string): Promise<Model> {
  const metaPath = join(dir, MODEL_META_FILE);
  if (!existsSync(metaPath)) throw new UsageError(`${dir} is not a saved model folder (no ${MODEL_META_FILE})`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { kind?: string };
  const f = meta.kind ? factories.get(meta.kind) : undefined;
  if (!f) throw new UsageError(`${metaPath}: unknown model kind "${meta.kind}"; known: ${modelKinds().join(', ')}`);
  return f.load(dir);
}
