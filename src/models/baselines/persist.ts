import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors';
import { writeJsonAtomic } from '../../util/fs';
import type { Task } from '../model';
import { MODEL_META_FILE } from '../registry';

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
  const file = JSON.parse(readFileSync(path, 'utf8')) as BaselineFile<S>;
  if (file.kind !== kind || file.state === undefined) throw new UsageError(`${path}: not a saved "${kind}" model`);
  return file;
}

/** Rejects config keys a baseline does not know, naming them. */
export function checkConfigKeys(kind: string, config: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(config).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new UsageError(`${kind}: unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ') || '(none)'}`);
}

/** One-hot `[n, k]` probabilities of predicted class indices. */
export function oneHot(classes: Float32Array, k: number): Float32Array {
  const out = new Float32Array(classes.length * k);
  classes.forEach((c, r) => {
    out[r * k + c] = 1;
  });
  return out;
}

/**
 * The class meaning "up": the one named UP (any case), else the last (classes are ordered
 * from down to up, as the label builders write them).
 */
export function upClass(k: number, names?: readonly string[]): number {
  const named = names?.findIndex((n) => n.toUpperCase() === 'UP') ?? -1;
  return named >= 0 ? named : k - 1;
}

/** The class meaning "down": named DOWN, else the first. */
export function downClass(names?: readonly string[]): number {
  const named = names?.findIndex((n) => n.toUpperCase() === 'DOWN') ?? -1;
  return named >= 0 ? named : 0;
}

/** The class meaning "flat" for a zero move: named FLAT, else the middle one. */
export function flatClass(k: number, names?: readonly string[]): number {
  const named = names?.findIndex((n) => n.toUpperCase() === 'FLAT') ?? -1;
  return named >= 0 ? named : Math.floor(k / 2);
}
