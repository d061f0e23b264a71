import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { kernelBuild } from '../src/kernels';
import { type NativeArrays, nativeArrays } from '../src/kernels/arrays';

/**
 * The shared real-data folder (`../shared/data` beside the checkout), or undefined when absent.
 * Tests that need it pass `{ skip: SHARED_SKIP }` so a run without it says why it skipped.
 */
export const SHARED_DATA: string | undefined = (() => {
  const dir = resolve(__dirname, '..', '..', '..', 'shared', 'data');
  return existsSync(dir) ? dir : undefined;
})();

export const SHARED_SKIP: string | false = SHARED_DATA ? false : 'needs ../shared/data (real market data), which is absent';

/** Path of a file under ../shared/data (only call when SHARED_DATA is defined). */
export function shared(...parts: string[]): string {
  if (!SHARED_DATA) throw new Error(SHARED_SKIP as string);
  return join(SHARED_DATA, ...parts);
}

/** The native array passes, or undefined once `t` is skipped saying why (this kernel build has none). */
export function nativeArraysOrSkip(t: TestContext): NativeArrays | undefined {
  const native = nativeArrays();
  if (!native) t.skip(`kernel build ${kernelBuild()} has no native array passes`);
  return native;
}
