import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activeBackend } from '../backend';
import { UsageError } from '../errors';
import { type FitResult, type Model, loadModel } from '../models';
import { assertSameFeatures } from '../records/feature-check';
import { type SampleSet, sampleCount, windowShape } from '../records/samples';
import { removeStaleTemps, tempPathFor, writeJsonAtomic } from '../util/fs';

/**
 * Training runs on disk: `<root>/<name>/<version>/`, versions `v0001`, `v0002`, ... in the
 * order they were saved (sortable, short, no clock needed). A version folder holds
 *   model-meta.json + the model's own files (model.json + weights.bin for neural models;
 *     whatever `Model.save` writes for others: every kind shares this layout)
 *   config.json   model kind/task/config, dataset, feature and label specs, seed, backend,
 *                 package versions, feature names, and per split the data range and a SHA-256
 *   scaler.json   the fitted scaler (when given)
 *   history.json  per-epoch losses and metrics
 *   metrics.json  final metrics
 * The folder is written complete under a hidden temp name and renamed into place, so a
 * listed version is never half-written; two writers racing for a number both succeed.
 */

export const RUN_CONFIG_FILE = 'config.json';
const VERSION = /^v(\d{4,})$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Where a split's samples came from and a fingerprint of their exact contents. */
export interface DataSummary {
  readonly samples: number;
  readonly shape: readonly number[];
  /** ISO times of the first and last label bar, when the set has timestamps. */
  readonly from?: string;
  readonly to?: string;
  readonly symbols?: readonly string[];
  /** SHA-256 of the feature names, lookback, and per sample its bar row, time, target and bar features. */
  readonly sha256: string;
}

export interface RunConfig {
  readonly name: string;
  readonly version: string;
  readonly createdAt: string;
  readonly model: { readonly kind: string; readonly task: string; readonly config: Record<string, unknown> };
  readonly featureNames: readonly string[];
  readonly classes?: readonly string[];
  readonly dataset?: unknown;
  readonly features?: unknown;
  readonly labels?: unknown;
  readonly seed?: number;
  readonly backend?: string;
  readonly packages: Record<string, string>;
  readonly data: { readonly train: DataSummary; readonly validation?: DataSummary };
}

export interface SaveRunOptions {
  readonly model: Model;
  /** Run name: the folder under `root`. Letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Default `models`. */
  readonly root?: string;
  readonly train: SampleSet;
  readonly validation?: SampleSet;
  readonly fit?: FitResult;
  readonly metrics?: Record<string, unknown>;
  /** The fitted scaler as JSON (or an object with toJSON). */
  readonly scaler?: unknown;
  /** Declarative specs, stored as given. */
  readonly dataset?: unknown;
  readonly features?: unknown;
  readonly labels?: unknown;
}

export interface SavedRun {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
}

export async function saveRun(o: SaveRunOptions): Promise<SavedRun> {
  if (!NAME.test(o.name)) throw new UsageError(`run name "${o.name}" must be letters, digits, ".", "_" or "-"`);
  const base = resolve(o.root ?? 'models', o.name);
  mkdirSync(base, { recursive: true });
  // Folders of writers killed mid-save (kill -9) are removed by the next save into the run.
  removeStaleTemps(base);
  const tmp = tempPathFor(join(base, 'run'));
  try {
    await o.model.save(tmp);
    const cfg = o.model.config();
    const common = {
      model: { kind: o.model.kind, task: o.model.task, config: cfg },
      featureNames: o.train.features.names,
      classes: o.train.classes,
      dataset: o.dataset,
      features: o.features,
      labels: o.labels,
      seed: typeof cfg.seed === 'number' ? cfg.seed : undefined,
      backend: activeBackend()?.name,
      packages: packageVersions(),
      data: { train: summarizeData(o.train), validation: o.validation && summarizeData(o.validation) },
    };
    writeJsonAtomic(join(tmp, 'history.json'), o.fit ? { ...o.fit.history, epochs: o.fit.epochs, bestEpoch: o.fit.bestEpoch, seconds: o.fit.seconds } : {});
    writeJsonAtomic(join(tmp, 'metrics.json'), o.metrics ?? {});
    if (o.scaler !== undefined) writeJsonAtomic(join(tmp, 'scaler.json'), o.scaler);
    for (let attempt = 0; ; attempt++) {
      const version = formatVersion(nextVersionNumber(base) + attempt);
      const config: RunConfig = { name: o.name, version, createdAt: new Date().toISOString(), ...common };
      writeJsonAtomic(join(tmp, RUN_CONFIG_FILE), config);
      try {
        mkdirSync(join(base, version)); // fails if another writer took the number; rename then replaces this empty folder
        renameSync(tmp, join(base, version));
        return { dir: join(base, version), name: o.name, version };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw err;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Saved versions of a run, oldest first. */
export function listVersions(name: string, root = 'models'): string[] {
  const base = resolve(root, name);
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((v) => VERSION.test(v) && existsSync(join(base, v, RUN_CONFIG_FILE)))
    .sort((a, b) => versionNumber(a) - versionNumber(b));
}

/** Run names under `root` that have at least one version. */
export function listRuns(root = 'models'): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => NAME.test(n) && listVersions(n, root).length > 0)
    .sort();
}

export interface LoadRunOptions {
  /** Default `models`. */
  readonly root?: string;
  /** Default: the latest. */
  readonly version?: string;
  /** Data the model will be applied to: its feature names must match the training features exactly. */
  readonly data?: Pick<SampleSet, 'features'>;
}

export interface LoadedRun extends SavedRun {
  readonly model: Model;
  readonly config: RunConfig;
  readonly scaler?: unknown;
  readonly history: Record<string, unknown>;
  readonly metrics: Record<string, unknown>;
}

/**
 * Load a run by name (latest or a named version) or by folder path (`ref` containing a path
 * separator or naming an existing folder with a config.json). Refuses data whose feature
 * columns differ from the training ones, naming the columns.
 */
export async function loadRun(ref: string, o: LoadRunOptions = {}): Promise<LoadedRun> {
  const dir = resolveRunDir(ref, o);
  const read = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const config = read(RUN_CONFIG_FILE) as RunConfig;
  if (o.data) assertSameFeatures(config.featureNames, o.data.features.names, dir);
  const model = await loadModel(dir);
  return {
    dir,
    name: config.name,
    version: config.version,
    model,
    config,
    scaler: existsSync(join(dir, 'scaler.json')) ? read('scaler.json') : undefined,
    history: read('history.json') as Record<string, unknown>,
    metrics: read('metrics.json') as Record<string, unknown>,
  };
}

function resolveRunDir(ref: string, o: LoadRunOptions): string {
  if (existsSync(join(ref, RUN_CONFIG_FILE))) return resolve(ref);
  if (!NAME.test(ref)) throw new UsageError(`${ref}: no ${RUN_CONFIG_FILE} there, and it is not a run name`);
  const root = o.root ?? 'models';
  const versions = listVersions(ref, root);
  if (versions.length === 0) throw new UsageError(`no saved versions of run "${ref}" under ${resolve(root)}`);
  const version = o.version ?? versions[versions.length - 1];
  if (!versions.includes(version)) throw new UsageError(`run "${ref}" has no version "${version}"; saved: ${versions.join(', ')}`);
  return resolve(root, ref, version);
}

/**
 * Fingerprint and range of a sample set, for config.json: hashed from what defines the samples
 * (feature names, lookback, bar rows, times, targets and each sample bar's feature values),
 * streamed in bounded chunks, so any size of dataset hashes without copying its windows.
 */
export function summarizeData(s: SampleSet): DataSummary {
  const n = sampleCount(s);
  const nf = s.features.names.length;
  const h = createHash('sha256');
  h.update(JSON.stringify({ lookback: s.lookback, features: s.features.names, classes: s.classes ?? null }));
  const bytes = (a: Float64Array | Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  h.update(bytes(s.rows));
  h.update(bytes(s.y));
  if (s.timestamps) h.update(bytes(s.timestamps));
  const chunk = new Float32Array(Math.max(1, Math.floor(65536 / Math.max(1, nf))) * nf);
  const perChunk = chunk.length / nf;
  for (let start = 0; start < n; start += perChunk) {
    const end = Math.min(n, start + perChunk);
    for (let i = start; i < end; i++) chunk.set(s.features.values.subarray(s.rows[i] * nf, (s.rows[i] + 1) * nf), (i - start) * nf);
    h.update(bytes(chunk.subarray(0, (end - start) * nf)));
  }
  let from: string | undefined;
  let to: string | undefined;
  if (s.timestamps && s.timestamps.length > 0) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of s.timestamps) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
    from = new Date(lo).toISOString();
    to = new Date(hi).toISOString();
  }
  return { samples: n, shape: windowShape(s), from, to, symbols: s.symbols ? [...new Set(s.symbols)].sort() : undefined, sha256: h.digest('hex') };
}

function packageVersions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version, tfjs: tf.version.tfjs };
  // The package root is above src/ (ts-node) or dist/src/ (compiled).
  for (const up of ['..', '../..', '../../..']) {
    const p = join(__dirname, up, 'package.json');
    if (!existsSync(p)) continue;
    const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'stocklab' && pkg.version) {
      out.stocklab = pkg.version;
      break;
    }
  }
  return out;
}

function versionNumber(v: string): number {
  return Number(VERSION.exec(v)?.[1] ?? -1);
}

function formatVersion(n: number): string {
  return `v${String(n).padStart(4, '0')}`;
}

function nextVersionNumber(base: string): number {
  const taken = readdirSync(base).map(versionNumber).filter((n) => n >= 0);
  return taken.reduce((a, b) => Math.max(a, b), 0) + 1;
}
