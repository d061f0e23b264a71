import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors';
import { showWarningsOnce } from './util/warn-once';

/** TensorFlow.js backends the kit can run on, fastest first. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  readonly name: BackendName;
  /** Why this backend: forced by option or environment, or the first that loaded. */
  readonly reason: string;
  /** Backends tried before this one, with why each failed. */
  readonly skipped: readonly string[];
  readonly tfjsVersion: string;
}

let active: BackendInfo | undefined;

/**
 * Choose and initialise the TensorFlow.js backend, once per process.
 * Order: `tensorflow` (the optional `@tensorflow/tfjs-node` native binding) when it
 * loads, else `wasm`, else `cpu`. `options.backend` or `STOCKLAB_BACKEND` forces one;
 * a forced backend that cannot load is an error, not a silent fallback. Repeated library
 * warnings are shown once from here on (`showWarningsOnce`).
 */
export function initBackend(options: { backend?: string } = {}): Promise<BackendInfo> {
  showWarningsOnce();
  // Concurrent callers share one initialisation: two interleaved setBackend calls could leave another backend active.
  const next = pending.then(() => chooseBackend(options));
  pending = next.catch(() => undefined);
  return next;
}

let pending: Promise<unknown> = Promise.resolve();

async function chooseBackend(options: { backend?: string }): Promise<BackendInfo> {
  const forced = options.backend ?? (process.env.STOCKLAB_BACKEND || undefined);
  if (forced !== undefined && !(BACKENDS as readonly string[]).includes(forced)) {
    throw new UsageError(`unknown backend "${forced}"; expected one of ${BACKENDS.join(', ')}`);
  }
  if (active && (forced === undefined || forced === active.name)) return active;
  const candidates: readonly BackendName[] = forced ? [forced as BackendName] : BACKENDS;
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      await load(name);
      if (!(await tf.setBackend(name))) throw new Error('setBackend returned false');
      await tf.ready();
      active = {
        name,
        reason: forced ? `forced by ${options.backend ? 'option' : 'STOCKLAB_BACKEND'}` : skipped.length ? 'first backend that loaded' : 'preferred backend',
        skipped,
        tfjsVersion: tf.version.tfjs,
      };
      return active;
    } catch (err) {
      const msg = `${name}: ${(err as Error).message.split('\n')[0]}`;
      if (forced) throw new UsageError(`backend ${msg}`);
      skipped.push(msg);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (${skipped.join('; ')})`);
}

/** The backend chosen by `initBackend`, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

async function load(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // Optional dependency: absent where its install could not download libtensorflow.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
  }
}

/** One line for logs and notebook headers. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.length ? `; skipped ${info.skipped.join('; ')}` : '';
  return `TensorFlow.js ${info.tfjsVersion} on backend "${info.name}" (${info.reason}${skipped})`;
}
