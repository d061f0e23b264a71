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
