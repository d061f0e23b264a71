import { join, resolve } from 'node:path';

/**
 * Fast mode: one switch (`STOCKLAB_FAST=1`) that CI sets to shrink data sizes
 * and epochs. It changes sizes only, never which code runs.
 */
export function isFastMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.STOCKLAB_FAST;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Pick the full-size value, or the fast one in fast mode. */
export function sized<T>(full: T, fast: T, env: NodeJS.ProcessEnv = process.env): T {
  return isFastMode(env) ? fast : full;
}

/** The checkout (or installed package) root: the folder holding package.json, dist/ and data/. */
export function projectRoot(): string {
  // This file compiles to dist/src/util/env.js.
  return resolve(__dirname, '..', '..', '..');
}

/** Where bars and the Yahoo cache go: `STOCKLAB_DATA_DIR`, else `<project>/data`, whatever the working directory. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.STOCKLAB_DATA_DIR || join(projectRoot(), 'data');
}

/** Where training runs are saved: `STOCKLAB_MODELS_DIR`, else `<project>/models`. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.STOCKLAB_MODELS_DIR || join(projectRoot(), 'models');
}
