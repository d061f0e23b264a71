import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, didYouMean } from '../config/schema';
import { UsageError } from '../errors';
import type { Task } from '../records/task';
import { buyAndHoldFactory, logisticFactory, majorityFactory, naiveFactory } from './baselines';
import { ensembleFactory } from './ensemble';
import { gbdtFactory } from './gbdt';
import { MODEL_META_FILE, type Model, type ModelCatalog, type ModelFactory } from './model';
import { gruFactory, lstmFactory, transformerFactory } from './nn';

/**
 * Every model kind, in one explicit table (no registration by import side effect, so a kind is
 * known wherever this module is reached). User plug-ins add theirs with `registerModel`.
 */
const factories = new Map<string, ModelFactory>(
  [lstmFactory, gruFactory, transformerFactory, gbdtFactory, naiveFactory, majorityFactory, logisticFactory, buyAndHoldFactory, ensembleFactory].map((f) => [f.kind, f]),
);

export function registerModel(factory: ModelFactory): void {
  if (factories.has(factory.kind)) throw new UsageError(`model kind "${factory.kind}" is already registered`);
  factories.set(factory.kind, factory);
}

export function modelKinds(): string[] {
  return [...factories.keys()].sort();
}

/** The factory of a kind; an unknown kind names the known ones, with a did-you-mean. */
export function modelFactory(kind: string, path = 'kind'): ModelFactory {
  const f = factories.get(kind);
  if (!f) throw new ConfigError(path, `unknown model kind "${kind}"${didYouMean(kind, modelKinds())}; known: ${modelKinds().join(', ')}`);
  return f;
}

/** A kind's config, validated: unknown keys and wrong types name `path` (e.g. `models[0].config`). */
export function parseModelConfig(kind: string, config: unknown, path = 'config'): Record<string, unknown> {
  // The kind sits beside its config: `models[0].config` -> `models[0].kind`.
  const f = modelFactory(kind, path.endsWith('.config') ? `${path.slice(0, -'.config'.length)}.kind` : 'kind');
  const parsed = f.configSchema.parse(config === undefined ? {} : config, path);
  f.checkConfig?.(parsed, path, catalog);
  return parsed;
}

export const catalog: ModelCatalog = {
  create: (kind, task, config) => createModel(kind, task, config),
  load: (dir) => loadModel(dir),
  parseConfig: (kind, config, path) => parseModelConfig(kind, config, path),
  namedFeatures: (kind, config) => modelFactory(kind).namedFeatures?.(config, catalog) ?? [],
};

export function createModel(kind: string, task: Task, config: Record<string, unknown> = {}): Model {
  const f = modelFactory(kind);
  if (!f.tags.tasks.includes(task)) throw new UsageError(`model kind "${kind}" does not do ${task}; it does ${f.tags.tasks.join(', ')}`);
  return f.create(task, parseModelConfig(kind, config, `${kind} config`), catalog);
}

/** Load any saved model: reads `model-meta.json` for the kind and dispatches to its factory. */
export async function loadModel(dir: string): Promise<Model> {
  const metaPath = join(dir, MODEL_META_FILE);
  if (!existsSync(metaPath)) throw new UsageError(`${dir} is not a saved model folder (no ${MODEL_META_FILE})`);
  let meta: { kind?: unknown };
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { kind?: unknown };
  } catch (err) {
    throw new UsageError(`${metaPath}: not valid JSON (${(err as Error).message}); the saved model is damaged`);
  }
  if (typeof meta.kind !== 'string') throw new UsageError(`${metaPath}: no model "kind"`);
  return modelFactory(meta.kind, `${metaPath}: kind`).load(dir, catalog);
}
