import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors';
import type { Task } from '../../records/task';
import { writeJsonAtomic } from '../../util/fs';
import { MODEL_META_FILE } from '../model';

/** A baseline's whole saved form: one `model-meta.json` with its kind, config and fitted state. */
export interface BaselineFile<S> {
  readonly kind: string;
  readonly task: Task;
  readonly config: Record<string, unknown>;
  readonly state: S;
}

export function saveBaseline<S>(dir: string, file: BaselineFile<S>): void {
  writeJsonAtomic(join(dir, MODEL_META_FILE), file);
}

export function readBaseline<S>(dir: string, kind: string): BaselineFile<S> {
  const path = join(dir, MODEL_META_FILE);
  let file: BaselineFile<S>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as BaselineFile<S>;
  } catch (err) {
    throw new UsageError(`${path}: cannot read a saved "${kind}" model (${(err as Error).message})`);
  }
  if (file.kind !== kind || file.state === undefined) throw new UsageError(`${path}: not a saved "${kind}" model`);
  return file;
}
